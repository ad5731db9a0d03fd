"""Consumer side of the contracts, and inventory acceptance 6: the golden example of every event type inventory
consumes is accepted and applied, in the order of their story, and a second delivery of each changes nothing.
The refusals (a return or a shipment inventory answers with a rejection) are applied once too."""

from __future__ import annotations

import copy
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_contracts.envelope import parse_envelope
from psi_contracts.events import decode_data
from psi_contracts.examples import load_example
from psi_inventory.app import SERVICE

pytestmark = pytest.mark.integration

GOLDEN = [
    "purchasing.GoodsReceived.v1",  # 98 widgets and 500 bolts into WH-SH-01 (unlisted: created inactive)
    "sales.OrderConfirmed.v1",  # 10 widgets and 200 bolts reserved
    "sales.OrderShipped.v1",  # 10 widgets and 150 bolts out, from that reservation
    "sales.ReturnReceived.v1",  # 2 widgets back at what they cost, and 1 damaged: received, then written off
    "purchasing.GoodsReturnRequested.v1",  # 2 widgets of PO-000017 line 1 back to the supplier from WH-SH
    "sales.OrderCancelled.v1",  # another order cancelled: nothing of it was reserved
]
TABLES = (
    "stock_balances",
    "stock_moves",
    "cost_layers",
    "reservations",
    "outbox",
    "inbox",
    "warehouses",
    "source_documents",
    "documents",
    "document_lines",
)


def _prelude_receipt() -> dict[str, Any]:
    """Before the return request: 3 widgets received on PO-000017 line 1 at 8.00 into WH-SH, the warehouse and
    order the golden GoodsReturnRequested names (derived from the golden GoodsReceived)."""
    envelope = copy.deepcopy(load_example("purchasing.GoodsReceived.v1"))
    envelope["id"] = str(uuid.uuid4())
    data = envelope["data"]
    data.update(
        receipt_number="GRN-000031",
        po_number="PO-000017",
        warehouse_code="WH-SH",
        received_at="2025-03-03T10:00:00+08:00",
    )
    data["lines"] = [
        {
            **data["lines"][0],
            "received_quantity": "3",
            "accepted_quantity": "3",
            "rejected_quantity": "0",
            "unit_cost": "8.000000",
            "unit_cost_base": "8.000000",
        }
    ]
    return envelope


def _snapshot(db: Database) -> dict[str, Any]:
    with db.engine.connect() as conn:
        state: dict[str, Any] = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
        state["balances"] = [
            tuple(r)
            for r in conn.execute(
                text(
                    "SELECT sku, warehouse_code, on_hand, reserved, value, value_fifo FROM stock_balances"
                    " ORDER BY sku, warehouse_code"
                )
            ).all()
        ]
        state["reservations_state"] = [
            tuple(r)
            for r in conn.execute(text("SELECT sku, quantity, consumed, status FROM reservations ORDER BY sku")).all()
        ]
    return state


def _runner(psi_databases: Any) -> tuple[ConsumerRunner, Database]:
    url = psi_databases.create("inventory", SERVICE.migrations)
    settings = SERVICE.load_settings({"INVENTORY_DATABASE_URL": url, "AMQP_URL": "memory://"})
    db = Database(url)
    return ConsumerRunner(settings, db, SERVICE.handlers), db


def _apply_twice(runner: ConsumerRunner, db: Database, envelope: dict[str, Any]) -> None:
    """Apply an envelope as the consumer does, then again: the second is a duplicate and changes nothing."""
    event_type = envelope["type"]
    handler = next(h for h in SERVICE.handlers if event_type in h.event_types)
    parsed = parse_envelope(envelope)
    data = decode_data(event_type, parsed["data"])
    assert runner.apply(handler, runner.queue_for(handler), parsed, data) == "ack", event_type
    after_first = _snapshot(db)
    assert runner.apply(handler, runner.queue_for(handler), parsed, data) == "duplicate", event_type
    assert _snapshot(db) == after_first, f"a second {event_type} changed something"


def _published(db: Database) -> list[tuple[str, dict[str, Any]]]:
    return [(t, body["data"]) for t, body in _envelopes(db)]


def _envelopes(db: Database) -> list[tuple[str, dict[str, Any]]]:
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT event_type, body FROM outbox ORDER BY id")).all()
    return [(r[0], json.loads(r[1])) for r in rows]


def test_every_consumed_type_has_an_example_in_the_story() -> None:
    consumed = {et for handler in SERVICE.handlers for et in handler.event_types}
    assert consumed == set(GOLDEN)
    assert "purchasing.GoodsReturned.v1" not in consumed, "the 'return completed' fact is finance's, not ours"


def test_story_applies_once_and_every_redelivery_changes_nothing(psi_databases: Any) -> None:
    runner, db = _runner(psi_databases)
    for event_type in GOLDEN:
        if event_type == "purchasing.GoodsReturnRequested.v1":
            _apply_twice(runner, db, _prelude_receipt())
        _apply_twice(runner, db, load_example(event_type))

    final = {(row[0], row[1]): row[2:] for row in _snapshot(db)["balances"]}
    # Widgets in WH-SH-01: 98 in − 10 shipped + 2 returned by the customer (+ 1 damaged − 1 written off) = 90;
    # nothing reserved any more.
    # Bolts in WH-SH-01: 500 in − 150 shipped = 350; 200 − 150 = 50 still reserved for the rest of the order.
    # Widgets in WH-SH: 3 in at 8.00 − 2 back to the supplier = 1, worth 24 − 16 = 8.00 both ways.
    assert final[("WIDGET-RED-M", "WH-SH-01")][:2] == (Decimal(90), Decimal(0))
    assert final[("BOLT-M8-50", "WH-SH-01")][:2] == (Decimal(350), Decimal(50))
    assert final[("WIDGET-RED-M", "WH-SH")] == (Decimal(1), Decimal(0), Decimal(8), Decimal(8))
    with db.engine.connect() as conn:
        removed = conn.execute(text("SELECT -sum(value) FROM stock_moves WHERE kind = 'issue'")).scalar_one()
        listed = conn.execute(text("SELECT code, active FROM warehouses ORDER BY code")).all()
    published = _published(db)
    subjects = {(t, body["subject"]) for t, body in _envelopes(db)}
    db.dispose()
    # The golden examples of what the story publishes carry the subject the code publishes (the order number
    # for StockIssued, not the shipment number; the GRN, the return number, the warehouse code).
    for example in (
        "inventory.StockReceived.v1",
        "inventory.StockReserved.v1",
        "inventory.StockIssued.v1",
        "inventory.SupplierReturnIssued.v1",
        "inventory.WarehouseCreated.v1",
    ):
        assert (example, load_example(example)["subject"]) in subjects, example
    # The two warehouses the receipts named were not listed: created inactive, announced like any other.
    assert [tuple(r) for r in listed] == [("WH-SH", False), ("WH-SH-01", False)]
    assert [t for t, _ in published] == [
        "inventory.WarehouseCreated.v1",
        "inventory.StockReceived.v1",
        "inventory.StockReserved.v1",
        "inventory.StockIssued.v1",
        "inventory.ReturnRestocked.v1",
        "inventory.StockAdjusted.v1",
        "inventory.WarehouseCreated.v1",
        "inventory.StockReceived.v1",
        "inventory.SupplierReturnIssued.v1",
    ]
    reserved = next(d for t, d in published if t == "inventory.StockReserved.v1")
    assert reserved["revision"] == 2, "the answer names the revision it answers (the golden confirmation's)"
    written_off = next(d for t, d in published if t == "inventory.StockAdjusted.v1")
    # The damaged widget left at 89.0425 (all 98 came in at that cost) and is written off at it: −89.0425.
    assert (written_off["reason_code"], written_off["document_ref"]) == ("return_damaged", "ADJ-000001")
    assert [(ln["sku"], Decimal(ln["quantity"]), Decimal(ln["value"])) for ln in written_off["lines"]] == [
        ("WIDGET-RED-M", Decimal(-1), Decimal("-89.0425"))
    ]
    assert Decimal(written_off["total_value"]) == Decimal("-89.0425")
    restocked = next(d for t, d in published if t == "inventory.ReturnRestocked.v1")
    # All three came back at the 89.0425 that left (2 resaleable, 1 damaged): 267.1275, then −89.0425 written off.
    assert Decimal(restocked["total_value"]) == Decimal("267.1275")
    assert [(ln["line_no"], Decimal(ln["quantity"]), Decimal(ln["value"])) for ln in restocked["lines"]] == [
        (1, Decimal(2), Decimal("178.085")),
        (2, Decimal(1), Decimal("89.0425")),
    ]
    issued = next(d for t, d in published if t == "inventory.StockIssued.v1")
    # The cost of goods finance will post is exactly what the books removed (no per-unit rounding).
    assert Decimal(issued["total_cost"]) == Decimal(removed)
    assert Decimal(issued["total_cost"]) == sum(Decimal(ln["cost_moving_average"]) for ln in issued["lines"])
    returned = next(d for t, d in published if t == "inventory.SupplierReturnIssued.v1")
    # 2 × 8.00 = 16.00 under both methods: the receipt's own cost
    assert [(ln["line_no"], Decimal(ln["value"]), Decimal(ln["value_fifo"])) for ln in returned["lines"]] == [
        (1, Decimal(16), Decimal(16))
    ]
    assert Decimal(returned["total_value"]) == Decimal(16)


def test_refusals_are_answered_once_and_a_redelivery_changes_nothing(psi_databases: Any) -> None:
    runner, db = _runner(psi_databases)
    _apply_twice(runner, db, load_example("purchasing.GoodsReceived.v1"))  # 98 widgets into WH-SH-01
    too_many = copy.deepcopy(load_example("purchasing.GoodsReturnRequested.v1"))
    too_many["id"] = str(uuid.uuid4())
    too_many["data"].update(warehouse_code="WH-SH-01", po_number="PO-2025-0042")
    too_many["data"]["lines"][0]["quantity"] = "99"  # 99 > 98 on hand
    unreserved = load_example("sales.OrderShipped.v1")  # the order was never confirmed: nothing reserved
    nowhere = copy.deepcopy(too_many)
    nowhere["id"] = str(uuid.uuid4())
    nowhere["data"]["warehouse_code"] = "WH-NOWHERE"
    for envelope in (too_many, unreserved, nowhere):
        _apply_twice(runner, db, envelope)
    with db.engine.connect() as conn:
        moves = conn.execute(text("SELECT kind, count(*) FROM stock_moves GROUP BY kind")).all()
        refused = conn.execute(
            text("SELECT kind, number, status, reason_code FROM source_documents WHERE status = 'rejected' ORDER BY id")
        ).all()
    published = _published(db)
    db.dispose()
    assert [tuple(m) for m in moves] == [("receipt", 2)], "nothing moved for any refusal"
    answers = [
        (
            t.split(".")[1],
            d["reason_code"],
            [(ln["sku"], Decimal(ln["requested_quantity"]), Decimal(ln["available_quantity"])) for ln in d["lines"]],
        )
        for t, d in published
        if "Rejected" in t
    ]
    assert answers == [
        # 99 asked, 98 on hand and unreserved
        ("SupplierReturnRejected", "INSUFFICIENT_STOCK", [("WIDGET-RED-M", Decimal(99), Decimal(98))]),
        # both lines uncovered (nothing reserved); unreserved stock 500 bolts and 98 widgets, in line order
        (
            "ShipmentRejected",
            "NOT_RESERVED",
            [("WIDGET-RED-M", Decimal(10), Decimal(98)), ("BOLT-M8-50", Decimal(150), Decimal(500))],
        ),
        ("SupplierReturnRejected", "UNKNOWN_WAREHOUSE", []),
    ]
    assert [tuple(r) for r in refused] == [
        ("supplier_return", "RTN-000004", "rejected", "INSUFFICIENT_STOCK"),
        ("shipment", "SHP-2025-0201", "rejected", "NOT_RESERVED"),
        ("supplier_return", "RTN-000004", "rejected", "UNKNOWN_WAREHOUSE"),
    ]
