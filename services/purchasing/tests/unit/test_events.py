"""What purchasing emits matches its contract (producer side; no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from psi_contracts import decode_data, encode_data, make_envelope
from psi_contracts.events.purchasing import GOODS_RECEIVED_V1 as GOODS_RECEIVED
from psi_purchasing.domain.commands import OrderLine, ReceiptLine
from psi_purchasing.domain.events import goods_received
from psi_purchasing.domain.model import PurchaseOrder

D = Decimal


def _event_data() -> dict:
    po = PurchaseOrder.draft(
        [OrderLine("SKU-A", D("10"), D("12.5")), OrderLine("SKU-B", D("4"), D("0.32"))], D("7.1234")
    )
    po.submit()
    po.approve()
    received = po.receive(
        [ReceiptLine(1, D("10"), D("9.5"), D("0.5"), "torn"), ReceiptLine(2, D("4"), D("4"), D("0"), None)]
    )
    return goods_received(
        receipt_id=3,
        receipt_number="GRN-000003",
        po_id=7,
        po_number="PO-000007",
        supplier_id=2,
        supplier_code="SUP-1",
        warehouse_code="WH-1",
        received_at=datetime(2026, 11, 29, 2, 30, tzinfo=UTC),
        currency="USD",
        exchange_rate=po.exchange_rate,
        lines=received,
    )


def test_goods_received_is_valid_under_the_contract():
    wire = encode_data(GOODS_RECEIVED, _event_data())

    assert wire["po_id"] == "7" and wire["receipt_id"] == "3" and wire["supplier_id"] == "2"
    assert wire["exchange_rate"] == "7.123400"
    line_a, line_b = wire["lines"]
    assert (line_a["received_quantity"], line_a["accepted_quantity"], line_a["rejected_quantity"]) == (
        "10.000000",
        "9.500000",
        "0.500000",
    )
    assert line_a["unit_cost"] == "12.500000"
    assert line_a["unit_cost_base"] == "89.042500"
    assert line_b["unit_cost_base"] == "2.279488"  # 0.32 * 7.1234 = 2.279488
    assert "reject_reason" not in line_a, "the contract has no reject reason; it stays in purchasing"

    decoded = decode_data(GOODS_RECEIVED, wire)
    assert decoded["received_at"] == datetime(2026, 11, 29, 2, 30, tzinfo=UTC)
    assert decoded["lines"][0]["accepted_quantity"] == D("9.5")


def test_goods_received_fits_an_envelope():
    envelope = make_envelope(GOODS_RECEIVED, _event_data(), source="purchasing", subject="PO-000007")
    assert envelope["type"] == GOODS_RECEIVED
    assert envelope["data"]["lines"][1]["sku"] == "SKU-B"


def _returned_lines():
    from psi_purchasing.domain.model import ReturnedLine

    return [ReturnedLine(1, "SKU-A", D("2"), D("89.0425"))]


def test_return_request_and_return_are_valid_under_their_contracts():
    from psi_contracts.events.purchasing import GOODS_RETURN_REQUESTED_V1 as GOODS_RETURN_REQUESTED
    from psi_contracts.events.purchasing import GOODS_RETURNED_V1 as GOODS_RETURNED
    from psi_purchasing.domain.events import goods_return_requested, goods_returned

    common = {
        "return_id": 4,
        "return_number": "RTN-000004",
        "po_id": 7,
        "po_number": "PO-000007",
        "supplier_id": 2,
        "warehouse_code": "WH-1",
        "reason": "damaged",
        "lines": _returned_lines(),
    }
    at = datetime(2026, 11, 29, 2, 30, tzinfo=UTC)
    requested = encode_data(GOODS_RETURN_REQUESTED, goods_return_requested(requested_at=at, **common))
    returned = encode_data(GOODS_RETURNED, goods_returned(returned_at=at, **common))
    assert requested["requested_at"] == returned["returned_at"] == "2026-11-29T02:30:00+00:00"
    assert (
        requested["lines"]
        == returned["lines"]
        == [{"line_no": 1, "sku": "SKU-A", "quantity": "2", "unit_cost_base": "89.0425"}]
    )


def test_short_close_is_valid_under_its_contract():
    from psi_contracts.events.purchasing import PURCHASE_ORDER_SHORT_CLOSED_V1 as PURCHASE_ORDER_SHORT_CLOSED
    from psi_purchasing.domain.events import purchase_order_short_closed
    from psi_purchasing.domain.model import ShortClosedLine
    from psi_purchasing.domain.short_close import Release

    wire = encode_data(
        PURCHASE_ORDER_SHORT_CLOSED,
        purchase_order_short_closed(
            po_id=7,
            po_number="PO-000007",
            revision=2,
            supplier_id=2,
            warehouse_code="WH-1",
            currency="USD",
            closed_at=datetime(2026, 11, 29, tzinfo=UTC),
            reason="discontinued",
            lines=[ShortClosedLine(1, "SKU-A", D(100), D(60), D(40))],
            release=Release(kept_amount=D("877.5"), released_amount=D(565), released_base=D("4011.5")),
        ),
    )
    assert (wire["revision"], wire["released_amount"], wire["released_amount_base"]) == (2, "565", "4011.5")
    assert wire["lines"] == [
        {
            "line_no": 1,
            "sku": "SKU-A",
            "ordered_quantity": "100",
            "accepted_quantity": "60",
            "short_closed_quantity": "40",
        }
    ]
