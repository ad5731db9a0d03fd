"""Sales' events on real PostgreSQL through the consumer's own apply path: an amended order re-reserved by its
revision (replaced, refused, repeated, stale, retried), and damaged goods a customer sent back, received at the
cost that left and written off with an adjustment finance posts. Every figure is worked out beside it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, text

from psi_chassis.app import create_service_app
from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.testing.tokens import TestKeys
from psi_contracts.envelope import make_envelope, parse_envelope
from psi_contracts.events import decode_data
from psi_inventory.adapters.tables import items, warehouses
from psi_inventory.app import SERVICE
from psi_inventory.service.rebuild import find_differences

pytestmark = pytest.mark.integration

D = Decimal
API = "/api/v1/inventory"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ORDER = "SO-1"


@dataclass
class Env:
    client: FlaskClient
    db: Database
    runner: ConsumerRunner

    def envelope(self, event_type: str, data: dict[str, Any], subject: str) -> dict[str, Any]:
        return make_envelope(event_type, data, source=event_type.split(".")[0], subject=subject)

    def apply(self, envelope: dict[str, Any]) -> str:
        parsed = parse_envelope(envelope)
        handler = next(h for h in SERVICE.handlers if parsed["type"] in h.event_types)
        data = decode_data(parsed["type"], parsed["data"])
        return self.runner.apply(handler, self.runner.queue_for(handler), parsed, data)

    def send(self, event_type: str, data: dict[str, Any], subject: str) -> None:
        assert self.apply(self.envelope(event_type, data, subject)) == "ack"

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = self.client.open(API + path, method=method, json=body)
        return response.status_code, response.get_json()

    def published(self, event_type: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        with self.db.engine.connect() as conn:
            rows = conn.execute(text("SELECT event_type, body FROM outbox ORDER BY id")).all()
        return [(r[0], json.loads(r[1])["data"]) for r in rows if event_type is None or r[0] == event_type]

    def balance(self, sku: str, warehouse: str = "WH-A") -> tuple[Decimal, ...]:
        """(on hand, reserved, value, value_fifo)."""
        with self.db.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT on_hand, reserved, value, value_fifo FROM stock_balances"
                    " WHERE sku = :s AND warehouse_code = :w"
                ),
                {"s": sku, "w": warehouse},
            ).one()
        return tuple(D(v) for v in row)

    def reconciles(self) -> bool:
        """Balances, reserved and FIFO layers agree with the ledger and the active reservations."""
        with self.db.unit_of_work() as session:
            return find_differences(session) == []

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self.db.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]


@pytest.fixture
def env(psi_databases: Any) -> Iterator[Env]:
    url = psi_databases.create("inventory", SERVICE.migrations)
    settings = SERVICE.load_settings({"INVENTORY_DATABASE_URL": url, "AMQP_URL": "memory://"})
    keys = TestKeys()
    db = Database(url)
    with db.unit_of_work() as session:
        session.execute(
            insert(warehouses),
            [
                {"code": code, "name": code, "active": True, "valuation_method": method}
                | {"created_at": T0, "updated_at": T0}
                for code, method in (("WH-A", "moving_average"), ("WH-F", "fifo"))
            ],
        )
        session.execute(
            insert(items),
            [
                {"sku": s, "name": s, "unit_of_measure": "pcs", "active": True, "version": 1}
                | {"created_at": T0, "updated_at": T0}
                for s in ("S1", "S2")
            ],
        )
        session.commit()
    app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=keys.verifier())
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys.token('admin')}"
    yield Env(client, db, ConsumerRunner(settings, db, SERVICE.handlers))
    db.dispose()


def _received(number: str, warehouse: str, *lines: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "receipt_id": number,
        "receipt_number": number,
        "po_id": "1",
        "po_number": "PO-1",
        "supplier_id": "1",
        "supplier_code": "SUP",
        "warehouse_code": warehouse,
        "received_at": T0,
        "currency": "CNY",
        "exchange_rate": D(1),
        "lines": [
            {
                "line_no": i,
                "sku": sku,
                "received_quantity": D(quantity),
                "accepted_quantity": D(quantity),
                "rejected_quantity": D(0),
                "unit_cost": D(cost),
                "unit_cost_base": D(cost),
            }
            for i, (sku, quantity, cost) in enumerate(lines, start=1)
        ],
    }


def _confirmed(revision: int, *lines: tuple[str, str], order: str = ORDER, warehouse: str = "WH-A") -> dict[str, Any]:
    return {
        "order_id": order,
        "order_number": order,
        "customer_id": "C1",
        "warehouse_code": warehouse,
        "confirmed_at": datetime.now(UTC),
        "currency": "CNY",
        "revision": revision,
        "lines": [
            {"line_no": i, "sku": sku, "quantity": D(quantity), "unit_price": D(9)}
            for i, (sku, quantity) in enumerate(lines, start=1)
        ],
    }


def _shipped(number: str, warehouse: str, quantity: str, order: str = ORDER) -> dict[str, Any]:
    return {
        "shipment_id": number,
        "shipment_number": number,
        "order_id": order,
        "order_number": order,
        "warehouse_code": warehouse,
        "shipped_at": datetime.now(UTC),
        "lines": [{"line_no": 1, "sku": "S1", "quantity": D(quantity)}],
    }


def _returned(number: str, warehouse: str, *lines: tuple[str, str], order: str = ORDER) -> dict[str, Any]:
    return {
        "return_id": number,
        "return_number": number,
        "order_id": order,
        "order_number": order,
        "warehouse_code": warehouse,
        "received_at": datetime.now(UTC),
        "lines": [
            {"line_no": i, "sku": "S1", "quantity": D(quantity), "order_line_no": 1, "condition": condition}
            for i, (quantity, condition) in enumerate(lines, start=1)
        ],
    }


def _cancelled() -> dict[str, Any]:
    return {"order_id": ORDER, "order_number": ORDER, "warehouse_code": "WH-A", "cancelled_at": datetime.now(UTC)}


def _answers(env: Env) -> list[tuple[str, int, list[tuple[str, Decimal]]]]:
    """Every answer to a confirmation: (event, revision, [(sku, reserved or requested quantity)])."""
    out = []
    for event_type, data in env.published():
        if event_type == "inventory.StockReserved.v1":
            out.append(("reserved", data["revision"], [(ln["sku"], D(ln["quantity"])) for ln in data["lines"]]))
        elif event_type == "inventory.ReservationRejected.v1":
            short = [(ln["sku"], D(ln["requested_quantity"])) for ln in data["short_lines"]]
            out.append(("rejected", data["revision"], short))
    return out


def test_an_amended_order_is_reserved_by_its_revision(env: Env) -> None:
    env.send("purchasing.GoodsReceived.v1", _received("GRN-1", "WH-A", ("S1", "10", "2"), ("S2", "5", "3")), "GRN-1")
    env.send("sales.OrderConfirmed.v1", _confirmed(1, ("S1", "6"), ("S2", "2")), ORDER)
    assert env.balance("S1")[:2] == (D(10), D(6)) and env.balance("S2")[:2] == (D(5), D(2))

    # Revision 2 replaces revision 1: reserved equals the new lines only (S1 4; S2 2 given back: 0).
    env.send("sales.OrderConfirmed.v1", _confirmed(2, ("S1", "4")), ORDER)
    assert env.balance("S1")[:2] == (D(10), D(4)) and env.balance("S2")[:2] == (D(5), D(0))
    assert env.rows("SELECT revision, line_no, sku, quantity, status FROM reservations ORDER BY revision, line_no") == [
        (1, 1, "S1", D(6), "released"),
        (1, 2, "S2", D(2), "released"),
        (2, 1, "S1", D(4), "active"),
    ]

    # Revision 3 wants 11 of S1: 10 on hand and nothing else reserved = 10 < 11 → refused; revision 2 is gone too.
    env.send("sales.OrderConfirmed.v1", _confirmed(3, ("S1", "11")), ORDER)
    assert env.balance("S1")[:2] == (D(10), D(0)) and env.balance("S2")[:2] == (D(5), D(0))
    (_, refusal), *_ = env.published("inventory.ReservationRejected.v1")
    assert [(ln["sku"], D(ln["requested_quantity"]), D(ln["available_quantity"])) for ln in refusal["short_lines"]] == [
        ("S1", D(11), D(10))
    ]
    assert env.rows("SELECT count(*) FROM reservations WHERE status = 'active'") == [(0,)]

    # Revision 3 again once 1 more came in (11 on hand): a refusal wrote no rows, so it is reserved as new.
    env.send("purchasing.GoodsReceived.v1", _received("GRN-2", "WH-A", ("S1", "1", "2")), "GRN-2")
    env.send("sales.OrderConfirmed.v1", _confirmed(3, ("S1", "11")), ORDER)
    assert env.balance("S1")[:2] == (D(11), D(11))

    # Revision 3 repeated twice (its answer went missing): answered again each time, nothing more reserved.
    for _ in range(2):
        env.send("sales.OrderConfirmed.v1", _confirmed(3, ("S1", "11")), ORDER)
    assert env.balance("S1")[:2] == (D(11), D(11))
    assert env.rows("SELECT count(*) FROM reservations WHERE revision = 3") == [(1,)]

    # Revision 2 arriving late is stale: nothing answered, nothing changed.
    before = env.rows("SELECT id, revision, quantity, consumed, status FROM reservations ORDER BY id")
    env.send("sales.OrderConfirmed.v1", _confirmed(2, ("S1", "4")), ORDER)
    assert env.rows("SELECT id, revision, quantity, consumed, status FROM reservations ORDER BY id") == before
    assert env.balance("S1")[:2] == (D(11), D(11))

    assert _answers(env) == [
        ("reserved", 1, [("S1", D(6)), ("S2", D(2))]),
        ("reserved", 2, [("S1", D(4))]),
        ("rejected", 3, [("S1", D(11))]),
        ("reserved", 3, [("S1", D(11))]),
        ("reserved", 3, [("S1", D(11))]),
        ("reserved", 3, [("S1", D(11))]),
    ]

    # A shipment takes from the active revision: 11 − 5 = 6 on hand, 11 − 5 = 6 still reserved.
    env.send("sales.OrderShipped.v1", _shipped("SHP-1", "WH-A", "5"), ORDER)
    assert env.balance("S1")[:2] == (D(6), D(6))
    # Cancelled: the 6 go back; revision 3 repeated after that answers nothing.
    env.send("sales.OrderCancelled.v1", _cancelled(), ORDER)
    env.send("sales.OrderConfirmed.v1", _confirmed(3, ("S1", "11")), ORDER)
    assert env.balance("S1")[:2] == (D(6), D(0))
    assert len(_answers(env)) == 6
    assert env.reconciles()


def test_revisions_in_one_batch_and_a_redelivery(env: Env) -> None:
    env.send("purchasing.GoodsReceived.v1", _received("GRN-1", "WH-A", ("S1", "10", "2")), "GRN-1")
    first = env.envelope("sales.OrderConfirmed.v1", _confirmed(1, ("S1", "6")), ORDER)
    second = env.envelope("sales.OrderConfirmed.v1", _confirmed(2, ("S1", "3")), ORDER)
    handler = next(h for h in SERVICE.handlers if h.name == "on_sales_events")
    assert env.runner.apply_envelopes(handler, [first, second]) == ["ack", "ack"]
    # 6 reserved then given back, 3 reserved: one flush writes both revisions' rows.
    assert env.balance("S1")[:2] == (D(10), D(3))
    assert env.rows("SELECT revision, status FROM reservations ORDER BY revision") == [(1, "released"), (2, "active")]
    assert env.apply(second) == "duplicate"  # the same event again: the inbox knows it, nothing is answered
    assert _answers(env) == [("reserved", 1, [("S1", D(6))]), ("reserved", 2, [("S1", D(3))])]


def test_the_api_still_reserves_once_per_reference(env: Env) -> None:
    env.send("purchasing.GoodsReceived.v1", _received("GRN-1", "WH-A", ("S1", "10", "2")), "GRN-1")
    body = {"reference": "POS-1", "warehouse_code": "WH-A", "lines": [{"sku": "S1", "quantity": "2"}]}
    assert env.api("POST", "/reservations", body)[0] == 201
    status, problem = env.api("POST", "/reservations", body)
    assert (status, problem["code"]) == (409, "RESERVATION_EXISTS")
    assert env.rows("SELECT revision, quantity FROM reservations") == [(1, D(2))]
    assert env.balance("S1")[:2] == (D(10), D(2))


def test_a_damaged_return_is_received_at_cost_and_written_off(env: Env) -> None:
    env.send("purchasing.GoodsReceived.v1", _received("GRN-1", "WH-A", ("S1", "10", "8")), "GRN-1")
    env.send("sales.OrderConfirmed.v1", _confirmed(1, ("S1", "4")), ORDER)
    env.send("sales.OrderShipped.v1", _shipped("SHP-1", "WH-A", "4"), ORDER)
    # 10 − 4 = 6 on hand at 8.00: 48.00 both ways.
    assert env.balance("S1") == (D(6), D(0), D(48), D(48))

    returned = env.envelope("sales.ReturnReceived.v1", _returned("RMA-1", "WH-A", ("2", "damaged")), ORDER)
    assert env.apply(returned) == "ack"
    # Received at the 8.00 that left (+16.00), written off at once (−16.00): on hand and value unchanged.
    assert env.balance("S1") == (D(6), D(0), D(48), D(48))
    assert env.rows(
        "SELECT kind, quantity, value, value_fifo, document_ref, reason_code FROM stock_moves"
        " WHERE kind IN ('customer_return', 'adjustment') ORDER BY id"
    ) == [
        ("customer_return", D(2), D(16), D(16), "RMA-1", "customer_return"),
        ("adjustment", D(-2), D(-16), D(-16), "ADJ-000001", "return_damaged"),
    ]
    (adjusted,) = [data for _, data in env.published("inventory.StockAdjusted.v1")]
    assert (adjusted["document_ref"], adjusted["reason_code"], adjusted["warehouse_code"]) == (
        "ADJ-000001",
        "return_damaged",
        "WH-A",
    )
    assert [(ln["sku"], D(ln["quantity"]), D(ln["unit_cost"]), D(ln["value"])) for ln in adjusted["lines"]] == [
        ("S1", D(-2), D(8), D(-16))
    ]
    assert D(adjusted["total_value"]) == D("-16.00")

    # The write-off is an adjustment like any other: listed and shown with its cost.
    status, document = env.api("GET", f"/adjustments/{adjusted['adjustment_id']}")
    assert status == 200, document
    assert (document["number"], document["reason_code"], D(document["total_value"])) == (
        "ADJ-000001",
        "return_damaged",
        D(-16),
    )
    assert [(ln["sku"], D(ln["quantity"]), D(ln["unit_cost"])) for ln in document["lines"]] == [("S1", D(-2), D(8))]
    # The return itself is booked, its line at cost.
    status, returns = env.api("GET", "/returns?kind=customer_return")
    assert [(r["number"], r["status"]) for r in returns["items"]] == [("RMA-1", "booked")]

    # Delivered again: the inbox recognises it; no second adjustment, nothing published, nothing moved.
    outbox = env.rows("SELECT count(*) FROM outbox")
    assert env.apply(returned) == "duplicate"
    assert env.rows("SELECT count(*) FROM outbox") == outbox
    assert env.rows("SELECT count(*) FROM documents") == [(1,)]
    assert env.balance("S1") == (D(6), D(0), D(48), D(48))
    assert env.reconciles()


def test_a_return_part_resaleable_part_damaged_in_a_fifo_warehouse(env: Env) -> None:
    env.send("purchasing.GoodsReceived.v1", _received("GRN-1", "WH-F", ("S1", "2", "8"), ("S1", "2", "10")), "GRN-1")
    env.send("sales.OrderConfirmed.v1", _confirmed(1, ("S1", "3"), warehouse="WH-F"), ORDER)
    env.send("sales.OrderShipped.v1", _shipped("SHP-1", "WH-F", "3"), ORDER)
    # Shipped 3: FIFO 8 + 8 + 10 = 26.00; moving average 36 × 3 / 4 = 27.00. Left: 1 @ 10, 9.00 by the average.
    assert env.balance("S1", "WH-F") == (D(1), D(0), D(9), D(10))

    env.send("sales.ReturnReceived.v1", _returned("RMA-1", "WH-F", ("1", "resaleable"), ("1", "damaged")), ORDER)
    # Each unit came back at 27 / 3 = 9.00 by the average and 26 / 3 = 8.666667 by FIFO. The resaleable one
    # stays: 2 on hand, 9 + 9 = 18.00 and 10 + 8.666667 = 18.666667; the damaged one comes and goes.
    assert env.balance("S1", "WH-F") == (D(2), D(0), D(18), D("18.666667"))
    (adjusted,) = [data for _, data in env.published("inventory.StockAdjusted.v1")]
    assert [(D(ln["quantity"]), D(ln["value"]), D(ln["value_fifo"])) for ln in adjusted["lines"]] == [
        (D(-1), D(-9), D("-8.666667"))
    ]
    assert D(adjusted["total_value"]) == D("-8.666667")  # the warehouse books FIFO
    # FIFO layers left: the receipt's 1 @ 10 and the resaleable return's 1 @ 8.666667; the damaged one is used up.
    assert env.rows(
        "SELECT original_quantity, remaining, unit_cost FROM cost_layers WHERE warehouse_code = 'WH-F' ORDER BY id"
    ) == [
        (D(2), D(0), D(8)),
        (D(2), D(1), D(10)),
        (D(1), D(1), D("8.666667")),
        (D(1), D(0), D("8.666667")),
    ]
    assert env.reconciles()
