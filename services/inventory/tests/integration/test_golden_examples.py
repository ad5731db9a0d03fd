"""Consumer side of the contracts, and inventory acceptance 6: the golden example of every event type inventory
consumes is accepted and applied, in the order of their story, and a second delivery of each changes nothing."""

from __future__ import annotations

import json
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

STORY = [
    "purchasing.GoodsReceived.v1",  # 98 widgets and 500 bolts in
    "sales.OrderConfirmed.v1",  # 10 widgets and 200 bolts reserved
    "sales.OrderShipped.v1",  # 10 widgets and 150 bolts out, from that reservation
    "sales.ReturnReceived.v1",  # 2 widgets back at what they cost
    "purchasing.GoodsReturned.v1",  # 5 widgets back to the supplier
    "sales.OrderCancelled.v1",  # another order cancelled: nothing of it was reserved
]
TABLES = ("stock_balances", "stock_moves", "cost_layers", "reservations", "outbox", "inbox")


def _snapshot(db: Database) -> dict[str, Any]:
    with db.engine.connect() as conn:
        state: dict[str, Any] = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
        state["balances"] = [tuple(r) for r in conn.execute(text(
            "SELECT sku, on_hand, reserved, value, value_fifo FROM stock_balances ORDER BY sku")).all()]
        state["reservations_state"] = [tuple(r) for r in conn.execute(text(
            "SELECT sku, quantity, consumed, status FROM reservations ORDER BY sku")).all()]
    return state


def test_every_consumed_type_has_an_example_in_the_story() -> None:
    consumed = {et for handler in SERVICE.handlers for et in handler.event_types}
    assert consumed == set(STORY)


def test_story_applies_once_and_every_redelivery_changes_nothing(psi_databases: Any) -> None:
    url = psi_databases.create("inventory", SERVICE.migrations)
    settings = SERVICE.load_settings({"INVENTORY_DATABASE_URL": url, "AMQP_URL": "memory://"})
    db = Database(url)
    runner = ConsumerRunner(settings, db, SERVICE.handlers)
    for event_type in STORY:
        handler = next(h for h in SERVICE.handlers if event_type in h.event_types)
        envelope = parse_envelope(load_example(event_type))
        data = decode_data(event_type, envelope["data"])
        assert runner.apply(handler, runner.queue_for(handler), envelope, data) == "ack", event_type
        after_first = _snapshot(db)
        assert runner.apply(handler, runner.queue_for(handler), envelope, data) == "duplicate", event_type
        assert _snapshot(db) == after_first, f"a second {event_type} changed something"

    final = {row[0]: row[1:] for row in _snapshot(db)["balances"]}
    # Widgets: 98 in − 10 shipped + 2 returned − 5 back to the supplier = 85; nothing reserved any more.
    # Bolts: 500 in − 150 shipped = 350; 200 − 150 = 50 still reserved for the rest of the order.
    assert (final["WIDGET-RED-M"][0], final["WIDGET-RED-M"][1]) == (Decimal(85), Decimal(0))
    assert (final["BOLT-M8-50"][0], final["BOLT-M8-50"][1]) == (Decimal(350), Decimal(50))
    with db.engine.connect() as conn:
        published = [r[0] for r in conn.execute(text("SELECT event_type FROM outbox ORDER BY id")).all()]
        issued = json.loads(conn.execute(text(
            "SELECT body FROM outbox WHERE event_type = 'inventory.StockIssued.v1'")).scalar_one())["data"]
        removed = conn.execute(text("SELECT -sum(value) FROM stock_moves WHERE kind = 'issue'")).scalar_one()
    db.dispose()
    # The cost of goods finance will post is exactly what the books removed (no per-unit rounding).
    assert Decimal(issued["total_cost"]) == Decimal(removed)
    assert Decimal(issued["total_cost"]) == sum(Decimal(ln["cost_moving_average"]) for ln in issued["lines"])
    assert published == ["inventory.StockReceived.v1", "inventory.StockReserved.v1", "inventory.StockIssued.v1",
                         "inventory.StockAdjusted.v1"]
