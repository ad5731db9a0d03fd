"""Tests of the contracts themselves: registry, golden examples, strict vs tolerant reading, topology names.

No I/O beyond reading the packaged examples. Every test asserts something that breaks if the contract does.
"""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from marshmallow import Schema, ValidationError, fields

from psi_contracts import topology
from psi_contracts.envelope import EnvelopeSchema, format_time, make_envelope, parse_envelope
from psi_contracts.events import EVENT_TYPES, UnknownEventType, decode_data, encode_data, to_wire
from psi_contracts.examples import all_examples, example_types, load_example
from psi_contracts.schema import ContractSchema, tolerant

EXAMPLES = all_examples()
ALL_TYPES = sorted(EVENT_TYPES)


def _first_line_list(data: dict[str, Any]) -> str | None:
    """The name of the first list-of-objects field in ``data`` (the document lines), if any."""
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return key
    return None


def _gr_data() -> dict[str, Any]:
    return load_example("purchasing.GoodsReceived.v1")["data"]


# -- registry and golden examples ----------------------------------------------------------------------------


def test_every_registered_type_has_an_example_and_vice_versa() -> None:
    assert set(EVENT_TYPES) == set(example_types())
    assert set(EVENT_TYPES) == {
        "purchasing.GoodsReceived.v1",
        "purchasing.GoodsReturned.v1",
        "purchasing.GoodsReturnRequested.v1",
        "purchasing.PurchaseOrderApproved.v1",
        "purchasing.PurchaseOrderCancelled.v1",
        "purchasing.PurchaseOrderShortClosed.v1",
        "inventory.StockReceived.v1",
        "inventory.StockReserved.v1",
        "inventory.ReservationRejected.v1",
        "inventory.StockIssued.v1",
        "inventory.ReturnRestocked.v1",
        "finance.CustomerBalanceChanged.v1",
        "finance.InvoiceIssued.v1",
        "finance.ExchangeRateSet.v1",
        "finance.PaymentReceived.v1",
        "finance.BillPosted.v1",
        "inventory.ItemCreated.v1",
        "inventory.ItemUpdated.v1",
        "inventory.StockAdjusted.v1",
        "inventory.StockBelowReorderPoint.v1",
        "inventory.StockTransferred.v1",
        "inventory.SupplierReturnIssued.v1",
        "inventory.SupplierReturnRejected.v1",
        "inventory.ShipmentRejected.v1",
        "inventory.WarehouseCreated.v1",
        "inventory.WarehouseUpdated.v1",
        "inventory.ReservationShortfall.v1",
        "sales.OrderConfirmed.v1",
        "sales.OrderShipped.v1",
        "sales.OrderCancelled.v1",
        "sales.ReturnReceived.v1",
    }


def test_every_registered_type_is_well_formed_and_strict() -> None:
    for event_type, schema_cls in EVENT_TYPES.items():
        assert topology.validate_event_type(event_type) == event_type
        assert issubclass(schema_cls, ContractSchema)
        assert schema_cls.Meta.unknown == "raise", event_type


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_example_envelope_parses_and_matches_its_file_name(event_type: str) -> None:
    example = EXAMPLES[event_type]
    envelope = parse_envelope(example)
    assert envelope["type"] == event_type
    assert envelope["specversion"] == "1.0"
    assert str(uuid.UUID(envelope["id"])) == envelope["id"]
    assert isinstance(envelope["time"], dt.datetime) and envelope["time"].utcoffset() == dt.timedelta(0)
    assert envelope["data"] == example["data"]
    # Examples are what producers emit, so they must also pass the strict envelope schema.
    EnvelopeSchema().load(example)


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_example_data_round_trips_through_the_strict_producer_schema(event_type: str) -> None:
    data = EXAMPLES[event_type]["data"]
    assert encode_data(event_type, copy.deepcopy(data)) == data


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_example_decodes_with_python_values_and_re_encodes_to_the_same_envelope(event_type: str) -> None:
    example = EXAMPLES[event_type]
    envelope = parse_envelope(example)
    decoded = decode_data(event_type, envelope["data"])

    line_key = _first_line_list(decoded)
    if line_key is not None:
        line = decoded[line_key][0]
        assert any(isinstance(v, Decimal) for v in line.values()), line
        assert not any(isinstance(v, float) for v in line.values())
    # Every business time (``*_at``) comes back as an aware datetime.
    for key in (k for k in envelope["data"] if k.endswith("_at")):
        assert isinstance(decoded[key], dt.datetime) and decoded[key].tzinfo is not None, key

    rebuilt = make_envelope(
        event_type,
        decoded,
        source=envelope["source"],
        subject=envelope["subject"],
        correlation_id=envelope["correlationid"],
        causation_id=envelope["causationid"],
        sequence=envelope["sequence"],
        event_id=envelope["id"],
        time=envelope["time"],
    )
    assert rebuilt == example


def test_load_example_returns_fresh_copies() -> None:
    first = load_example("sales.OrderShipped.v1")
    first["data"]["lines"].clear()
    assert load_example("sales.OrderShipped.v1")["data"]["lines"], "examples must not share mutable state"
    with pytest.raises(FileNotFoundError):
        load_example("sales.NoSuchEvent.v1")


# -- strict producers, tolerant consumers --------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ALL_TYPES)
def test_unknown_top_level_field_is_ignored_by_consumers_and_rejected_by_producers(event_type: str) -> None:
    data = copy.deepcopy(EXAMPLES[event_type]["data"])
    data["added_in_a_later_minor"] = "x"

    decoded = decode_data(event_type, data)
    assert "added_in_a_later_minor" not in decoded

    with pytest.raises(ValidationError) as err:
        encode_data(event_type, data)
    assert "added_in_a_later_minor" in err.value.messages


@pytest.mark.parametrize("event_type", [t for t in ALL_TYPES if _first_line_list(EXAMPLES[t]["data"]) is not None])
def test_unknown_field_inside_a_line_is_ignored_by_consumers_and_rejected_by_producers(
    event_type: str,
) -> None:
    data = copy.deepcopy(EXAMPLES[event_type]["data"])
    line_key = _first_line_list(data)
    assert line_key is not None
    data[line_key][0]["batch_code"] = "B-17"

    decoded = decode_data(event_type, data)
    assert "batch_code" not in decoded[line_key][0]
    assert len(decoded[line_key]) == len(data[line_key])

    with pytest.raises(ValidationError) as err:
        encode_data(event_type, data)
    assert "batch_code" in err.value.messages[line_key][0]


def test_tolerant_is_cached_and_leaves_the_strict_schema_strict() -> None:
    class Inner(ContractSchema):
        code = fields.String(required=True)

    class Middle(ContractSchema):
        inner = fields.Nested(Inner, required=True)
        inners = fields.List(fields.Nested(Inner), required=True)

    class Outer(ContractSchema):
        middle = fields.Nested(Middle, required=True)
        middles = fields.List(fields.Nested(Middle()), required=True)

    assert tolerant(Outer) is tolerant(Outer)
    assert issubclass(tolerant(Outer), Outer)

    middle = {"inner": {"code": "a", "x": 1}, "inners": [{"code": "b", "y": 2}], "z": 3}
    payload = {"middle": middle, "middles": [middle], "w": 4}
    expected_middle = {"inner": {"code": "a"}, "inners": [{"code": "b"}]}
    assert tolerant(Outer)().load(payload) == {"middle": expected_middle, "middles": [expected_middle]}

    with pytest.raises(ValidationError) as err:
        Outer().load(payload)
    messages = err.value.messages
    assert "w" in messages
    assert "x" in messages["middle"]["inner"]
    assert "y" in messages["middles"][0]["inners"][0]

    # Tolerance is about unknown fields only: required fields are still required at depth.
    with pytest.raises(ValidationError):
        tolerant(Outer)().load({"middle": {"inner": {}, "inners": []}, "middles": []})


def test_tolerant_refuses_non_schemas() -> None:
    with pytest.raises(TypeError):
        tolerant(dict)  # type: ignore[arg-type]
    assert issubclass(tolerant(Schema), Schema)


# -- money, quantities and times -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [12.5, 12, True, "1.25e1", "12,50", " 12.5", "12.5\n", "NaN", "Infinity", ""])
def test_money_must_be_a_plain_decimal_string(bad: Any) -> None:
    data = _gr_data()
    data["lines"][0]["unit_cost"] = bad
    with pytest.raises(ValidationError) as err:
        encode_data("purchasing.GoodsReceived.v1", data)
    assert "unit_cost" in err.value.messages["lines"][0]
    # Consumers are tolerant of unknown fields, not of wrongly typed known ones.
    with pytest.raises(ValidationError):
        decode_data("purchasing.GoodsReceived.v1", data)


def test_float_money_is_rejected_by_make_envelope_too() -> None:
    data = _gr_data()
    data["exchange_rate"] = 7.1234
    with pytest.raises(ValidationError) as err:
        make_envelope("purchasing.GoodsReceived.v1", data, source="purchasing")
    assert "exchange_rate" in err.value.messages


def test_python_values_are_converted_to_wire_strings() -> None:
    received_at = dt.datetime(2025, 3, 14, 10, 32, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    data = _gr_data()
    data["received_at"] = received_at
    data["exchange_rate"] = Decimal("7.1234")
    data["lines"][0]["unit_cost"] = Decimal("1.25E+1")
    data["receipt_id"] = uuid.UUID("3f2504e0-4f89-41d3-9a0c-0305e82c3301")
    wire = encode_data("purchasing.GoodsReceived.v1", data)
    assert wire["received_at"] == "2025-03-14T10:32:00+08:00"
    assert wire["exchange_rate"] == "7.1234"
    assert wire["lines"][0]["unit_cost"] == "12.5"
    assert wire["receipt_id"] == "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
    assert to_wire({"d": dt.date(2025, 3, 14), "t": (Decimal("1"),)}) == {"d": "2025-03-14", "t": ["1"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("received_quantity", "0"),
        ("received_quantity", "-1.0000"),
        ("accepted_quantity", "-0.0001"),
        ("unit_cost", "-12.5000"),
        ("line_no", 0),
        ("line_no", "1"),
        ("line_no", True),
        ("sku", ""),
    ],
)
def test_line_values_are_range_checked(field: str, value: Any) -> None:
    data = _gr_data()
    data["lines"][0][field] = value
    with pytest.raises(ValidationError) as err:
        encode_data("purchasing.GoodsReceived.v1", data)
    assert field in err.value.messages["lines"][0]


def test_zero_accepted_and_rejected_quantities_are_allowed() -> None:
    data = _gr_data()
    data["lines"][0]["accepted_quantity"] = "0.0000"
    data["lines"][0]["rejected_quantity"] = "100.0000"
    assert encode_data("purchasing.GoodsReceived.v1", data)["lines"][0]["accepted_quantity"] == "0.0000"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(lines=[]), "lines"),
        (lambda d: d["lines"].__setitem__(1, {**d["lines"][1], "line_no": 1}), "lines"),
        (lambda d: d.update(currency="usd"), "currency"),
        (lambda d: d.update(exchange_rate="0"), "exchange_rate"),
        (lambda d: d.pop("po_number"), "po_number"),
    ],
)
def test_document_level_rules(mutate: Any, field: str) -> None:
    data = _gr_data()
    mutate(data)
    with pytest.raises(ValidationError) as err:
        encode_data("purchasing.GoodsReceived.v1", data)
    assert field in err.value.messages


def test_naive_datetimes_are_rejected() -> None:
    data = _gr_data()
    data["received_at"] = "2025-03-14T10:32:00"
    with pytest.raises(ValidationError) as err:
        encode_data("purchasing.GoodsReceived.v1", data)
    assert "received_at" in err.value.messages
    with pytest.raises(ValidationError):
        decode_data("purchasing.GoodsReceived.v1", data)

    data["received_at"] = dt.datetime(2025, 3, 14, 10, 32)  # a naive Python datetime
    with pytest.raises(ValidationError):
        encode_data("purchasing.GoodsReceived.v1", data)

    envelope = load_example("purchasing.GoodsReceived.v1")
    envelope["time"] = "2025-03-14T02:32:05.123456"
    with pytest.raises(ValidationError) as err:
        parse_envelope(envelope)
    assert "time" in err.value.messages
    with pytest.raises(ValueError):
        make_envelope(
            "purchasing.GoodsReceived.v1",
            _gr_data(),
            source="purchasing",
            time=dt.datetime(2025, 3, 14, 2, 32),
        )


def test_optional_reason_may_be_left_out() -> None:
    data = load_example("sales.OrderCancelled.v1")["data"]
    del data["reason"]
    assert "reason" not in encode_data("sales.OrderCancelled.v1", data)
    assert decode_data("sales.OrderCancelled.v1", data)["reason"] is None
    data["reason"] = None
    assert encode_data("sales.OrderCancelled.v1", data)["reason"] is None


def test_available_quantity_may_be_negative_but_requested_must_be_positive() -> None:
    data = load_example("inventory.ReservationRejected.v1")["data"]
    data["short_lines"][0]["available_quantity"] = "-2.0000"
    encode_data("inventory.ReservationRejected.v1", data)
    data["short_lines"][0]["requested_quantity"] = "0"
    with pytest.raises(ValidationError):
        encode_data("inventory.ReservationRejected.v1", data)


@pytest.mark.parametrize("quantity", ["0", "0.0000", "-0.0000"])
def test_stock_adjusted_refuses_a_zero_quantity(quantity: str) -> None:
    data = load_example("inventory.StockAdjusted.v1")["data"]
    data["lines"][1]["quantity"] = quantity
    with pytest.raises(ValidationError) as err:
        encode_data("inventory.StockAdjusted.v1", data)
    assert "quantity" in err.value.messages["lines"][1]
    with pytest.raises(ValidationError):
        decode_data("inventory.StockAdjusted.v1", data)


def test_stock_adjusted_quantities_and_values_are_signed_but_unit_cost_is_not() -> None:
    data = load_example("inventory.StockAdjusted.v1")["data"]
    assert Decimal(data["lines"][0]["quantity"]) < 0 < Decimal(data["lines"][1]["quantity"])
    decoded = decode_data("inventory.StockAdjusted.v1", data)
    assert decoded["lines"][0]["quantity"] == Decimal("-3")
    assert decoded["lines"][0]["value"] < 0 and decoded["total_value"] < 0
    assert encode_data("inventory.StockAdjusted.v1", data) == data

    data["lines"][0]["unit_cost"] = "-89.0425"
    with pytest.raises(ValidationError) as err:
        encode_data("inventory.StockAdjusted.v1", data)
    assert "unit_cost" in err.value.messages["lines"][0]


@pytest.mark.parametrize("event_type", ["inventory.ItemCreated.v1", "inventory.ItemUpdated.v1"])
@pytest.mark.parametrize("version", [0, -1, "2", 2.0, True])
def test_item_version_is_an_integer_from_one(event_type: str, version: Any) -> None:
    data = load_example(event_type)["data"]
    data["version"] = version
    with pytest.raises(ValidationError) as err:
        encode_data(event_type, data)
    assert "version" in err.value.messages


def test_item_created_and_updated_carry_the_same_snapshot() -> None:
    created = EVENT_TYPES["inventory.ItemCreated.v1"]
    updated = EVENT_TYPES["inventory.ItemUpdated.v1"]
    assert created is not updated
    assert set(created._declared_fields) == set(updated._declared_fields)
    assert set(load_example("inventory.ItemCreated.v1")["data"]) == set(created._declared_fields)
    assert load_example("inventory.ItemUpdated.v1")["data"]["version"] > 1


def test_item_optional_and_nullable_fields() -> None:
    data = load_example("inventory.ItemUpdated.v1")["data"]
    del data["category"], data["barcode"]
    encode_data("inventory.ItemUpdated.v1", data)
    decoded = decode_data("inventory.ItemUpdated.v1", data)
    assert decoded["category"] is None and decoded["barcode"] is None

    # No reorder point set is null, not absent: a snapshot states every field.
    data["reorder_point"] = None
    data["reorder_quantity"] = None
    assert decode_data("inventory.ItemUpdated.v1", data)["reorder_point"] is None
    del data["reorder_point"]
    with pytest.raises(ValidationError) as err:
        encode_data("inventory.ItemUpdated.v1", data)
    assert "reorder_point" in err.value.messages


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("barcode", ""),
        ("category", ""),
        ("reorder_point", "-1.0000"),
        ("reorder_quantity", "-0.0001"),
        ("safety_stock", None),
        ("safety_stock", "-5"),
        ("active", "true"),
        ("active", 1),
        ("active", None),
        ("unit_of_measure", ""),
        ("changed_at", "2025-03-20T14:02:11"),
    ],
)
def test_item_field_rules(field: str, value: Any) -> None:
    data = load_example("inventory.ItemCreated.v1")["data"]
    data[field] = value
    with pytest.raises(ValidationError) as err:
        encode_data("inventory.ItemCreated.v1", data)
    assert field in err.value.messages


@pytest.mark.parametrize("status", ["shipped", "received"])
def test_stock_transferred_status_may_be_shipped_or_received(status: str) -> None:
    data = load_example("inventory.StockTransferred.v1")["data"]
    data["status"] = status
    assert decode_data("inventory.StockTransferred.v1", data)["status"] == status


@pytest.mark.parametrize("status", ["in_transit", "draft", "Shipped", "", None])
def test_stock_transferred_status_must_be_shipped_or_received(status: Any) -> None:
    data = load_example("inventory.StockTransferred.v1")["data"]
    data["status"] = status
    with pytest.raises(ValidationError) as err:
        encode_data("inventory.StockTransferred.v1", data)
    assert "status" in err.value.messages
    with pytest.raises(ValidationError):
        decode_data("inventory.StockTransferred.v1", data)


def test_stock_transferred_needs_two_different_warehouses() -> None:
    data = load_example("inventory.StockTransferred.v1")["data"]
    data["to_warehouse"] = data["from_warehouse"]
    with pytest.raises(ValidationError) as err:
        encode_data("inventory.StockTransferred.v1", data)
    assert "to_warehouse" in err.value.messages
    # The cross-field rule holds for consumers too: tolerance is about unknown fields only.
    with pytest.raises(ValidationError):
        decode_data("inventory.StockTransferred.v1", data)


@pytest.mark.parametrize(("field", "value"), [("quantity", "0"), ("value", "-1.00"), ("value_fifo", "-0.01")])
def test_stock_transferred_lines_are_unsigned(field: str, value: str) -> None:
    data = load_example("inventory.StockTransferred.v1")["data"]
    data["lines"][0][field] = value
    with pytest.raises(ValidationError) as err:
        encode_data("inventory.StockTransferred.v1", data)
    assert field in err.value.messages["lines"][0]


def test_stock_below_reorder_point_available_may_be_negative_thresholds_may_not() -> None:
    data = load_example("inventory.StockBelowReorderPoint.v1")["data"]
    data["available"] = "-4.0000"
    assert decode_data("inventory.StockBelowReorderPoint.v1", data)["available"] == Decimal("-4")
    for field in ("reorder_point", "reorder_quantity", "safety_stock"):
        bad = {**data, field: "-1"}
        with pytest.raises(ValidationError) as err:
            encode_data("inventory.StockBelowReorderPoint.v1", bad)
        assert field in err.value.messages


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(lines=[]), "lines"),
        (lambda d: d["lines"].append({**d["lines"][0]}), "lines"),  # repeated line_no
        (lambda d: d["lines"][0].update(quantity="0"), "lines"),
        (lambda d: d.pop("order_number"), "order_number"),
        (lambda d: d.update(received_at="2025-03-26T14:05:00"), "received_at"),
    ],
)
def test_return_received_rules(mutate: Any, field: str) -> None:
    data = load_example("sales.ReturnReceived.v1")["data"]
    mutate(data)
    with pytest.raises(ValidationError) as err:
        encode_data("sales.ReturnReceived.v1", data)
    assert field in err.value.messages


# -- unknown event types -------------------------------------------------------------------------------------


@pytest.mark.parametrize("event_type", ["sales.OrderShipped.v9", "nonsense", None])
def test_unknown_event_type_raises(event_type: Any) -> None:
    with pytest.raises(UnknownEventType) as err:
        encode_data(event_type, {})
    assert isinstance(err.value, KeyError)
    assert str(event_type) in str(err.value)
    with pytest.raises(UnknownEventType):
        decode_data(event_type, {})
    with pytest.raises(KeyError):
        make_envelope(event_type, {}, source="sales")


# -- envelope ------------------------------------------------------------------------------------------------


def test_make_envelope_fills_id_time_and_validates_data() -> None:
    data = load_example("sales.OrderShipped.v1")["data"]
    before = dt.datetime.now(dt.UTC)
    envelope = make_envelope("sales.OrderShipped.v1", data, source="sales", subject="SO-2025-0310")
    assert uuid.UUID(envelope["id"]).version == 4
    assert envelope["time"].endswith("Z")
    assert dt.datetime.fromisoformat(envelope["time"]) >= before.replace(microsecond=0)
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["correlationid"] is None and envelope["sequence"] is None
    assert envelope["data"] == data
    assert make_envelope("sales.OrderShipped.v1", data, source="sales")["id"] != envelope["id"]


def test_format_time_is_utc_with_z() -> None:
    cst = dt.timezone(dt.timedelta(hours=8))
    assert format_time(dt.datetime(2025, 3, 14, 10, 32, tzinfo=cst)) == "2025-03-14T02:32:00.000000Z"


def test_parse_envelope_ignores_extension_attributes_and_defaults_optional_ones() -> None:
    envelope = load_example("sales.OrderShipped.v1")
    envelope["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    for optional in ("subject", "correlationid", "causationid", "sequence", "datacontenttype"):
        envelope.pop(optional)
    parsed = parse_envelope(envelope)
    assert "traceparent" not in parsed
    assert parsed["subject"] is None and parsed["correlationid"] is None and parsed["sequence"] is None
    assert parsed["datacontenttype"] == "application/json"
    # The producer side is strict: an undeclared attribute is a bug there.
    with pytest.raises(ValidationError) as err:
        EnvelopeSchema().load(envelope)
    assert "traceparent" in err.value.messages


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("specversion", "0.3"),
        ("id", "not-a-uuid"),
        ("type", "OrderShipped"),
        ("type", "sales.orderShipped.v1"),
        ("type", "sales.OrderShipped.v1\n"),
        ("source", ""),
        ("datacontenttype", "application/xml"),
        ("sequence", "3"),
        ("sequence", -1),
        ("data", ["not", "an", "object"]),
    ],
)
def test_bad_envelopes_are_rejected(attribute: str, value: Any) -> None:
    envelope = load_example("sales.OrderShipped.v1")
    envelope[attribute] = value
    with pytest.raises(ValidationError) as err:
        parse_envelope(envelope)
    assert attribute in err.value.messages


@pytest.mark.parametrize("required", ["specversion", "id", "type", "source", "time", "data"])
def test_required_envelope_attributes(required: str) -> None:
    envelope = load_example("sales.OrderShipped.v1")
    del envelope[required]
    with pytest.raises(ValidationError) as err:
        parse_envelope(envelope)
    assert required in err.value.messages


# -- topology names (DESIGN.md §3) ---------------------------------------------------------------------------


def test_topology_names_match_the_design() -> None:
    assert topology.DEFAULT_PREFIX == "psi"
    assert topology.exchange_name("purchasing") == "psi.purchasing.events"
    assert topology.exchange_name("sales", prefix="t1") == "t1.sales.events"
    assert topology.producer_of("purchasing.GoodsReceived.v1") == "purchasing"
    queue = topology.queue_name("inventory", "on_goods_received")
    assert queue == "psi.inventory.on_goods_received"
    assert topology.queue_name("finance", "on_stock_issued", prefix="t1") == "t1.finance.on_stock_issued"
    assert topology.dlq_name(queue) == "psi.inventory.on_goods_received.dlq"
    assert topology.retry_queue_name(queue, 5000) == "psi.inventory.on_goods_received.retry.5000"


def test_every_event_type_routes_to_its_producers_exchange() -> None:
    exchanges = {topology.exchange_name(topology.producer_of(t)) for t in EVENT_TYPES}
    assert exchanges == {"psi.purchasing.events", "psi.inventory.events", "psi.sales.events", "psi.finance.events"}
    for event_type, example in EXAMPLES.items():
        assert example["source"] == topology.producer_of(event_type)


@pytest.mark.parametrize(
    "bad",
    [
        "Sales.OrderShipped.v1",
        "sales.orderShipped.v1",
        "sales.OrderShipped",
        "sales.OrderShipped.1",
        "sales.Order_Shipped.v1",
        "sales.OrderShipped.v1.extra",
        "sales.OrderShipped.v1\n",
        "",
    ],
)
def test_malformed_event_types_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        topology.validate_event_type(bad)
    with pytest.raises(ValueError):
        topology.producer_of(bad)


@pytest.mark.parametrize(
    "call",
    [
        lambda: topology.queue_name("inventory", "on.goods"),
        lambda: topology.queue_name("", "on_goods_received"),
        lambda: topology.exchange_name("purchasing", prefix=""),
        lambda: topology.retry_queue_name("psi.inventory.on_goods_received", 0),
        lambda: topology.dlq_name(""),
    ],
)
def test_ambiguous_or_empty_names_are_refused(call: Any) -> None:
    with pytest.raises(ValueError):
        call()


# -- purchase order approved / cancelled ----------------------------------------------------------------------


def test_purchase_order_approved_totals_include_tax_in_both_currencies() -> None:
    example = load_example("purchasing.PurchaseOrderApproved.v1")
    data = decode_data("purchasing.PurchaseOrderApproved.v1", example["data"])
    line = data["lines"][0]
    # 100 × 12.5 = 1250 net, + 13 % tax = 1412.5; × 7.1 = 10028.75 in the base currency
    total = line["quantity"] * line["unit_price"] * (1 + line["tax_rate"])
    assert total == data["total_amount"] == Decimal("1412.5")
    assert total * data["exchange_rate"] == data["total_amount_base"] == Decimal("10028.75")
    assert data["revision"] == 2


@pytest.mark.parametrize(
    ("event_type", "field", "value"),
    [
        ("purchasing.PurchaseOrderApproved.v1", "revision", 0),
        ("purchasing.PurchaseOrderApproved.v1", "revision", "2"),
        ("purchasing.PurchaseOrderApproved.v1", "total_amount", "-1"),
        ("purchasing.PurchaseOrderApproved.v1", "lines", []),
        ("purchasing.PurchaseOrderCancelled.v1", "reason", ""),
        ("purchasing.PurchaseOrderCancelled.v1", "revision", True),
        ("purchasing.PurchaseOrderShortClosed.v1", "reason", ""),
        ("purchasing.PurchaseOrderShortClosed.v1", "lines", []),
        ("purchasing.PurchaseOrderShortClosed.v1", "released_amount_base", "-0.01"),
    ],
)
def test_purchase_order_event_rules(event_type: str, field: str, value: Any) -> None:
    data = copy.deepcopy(load_example(event_type)["data"])
    data[field] = value
    with pytest.raises(ValidationError):
        encode_data(event_type, data)


def test_purchase_order_approved_line_quantity_must_be_positive() -> None:
    data = copy.deepcopy(load_example("purchasing.PurchaseOrderApproved.v1")["data"])
    data["lines"][0]["quantity"] = "0"
    with pytest.raises(ValidationError):
        encode_data("purchasing.PurchaseOrderApproved.v1", data)


def test_purchase_order_short_closed_figures_add_up() -> None:
    data = decode_data(
        "purchasing.PurchaseOrderShortClosed.v1", load_example("purchasing.PurchaseOrderShortClosed.v1")["data"]
    )
    # per line short-closed = ordered − accepted: 100 − 60 = 40 and 10 − 10 = 0
    assert (
        [ln["ordered_quantity"] - ln["accepted_quantity"] for ln in data["lines"]]
        == [ln["short_closed_quantity"] for ln in data["lines"]]
        == [Decimal(40), Decimal(0)]
    )
    # 40 × 12.50 = 500 net + 13 % = 565 released, in CNY at rate 1
    assert data["released_amount"] == data["released_amount_base"] == Decimal(565)
