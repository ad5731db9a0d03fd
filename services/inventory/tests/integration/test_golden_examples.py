"""Consumer side of the contracts: inventory accepts the golden example of every event type it consumes, applies
it once, and treats a second delivery as a duplicate (real PostgreSQL)."""

from __future__ import annotations

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

CONSUMED = sorted({et for handler in SERVICE.handlers for et in handler.event_types})


@pytest.mark.parametrize("event_type", CONSUMED)
def test_golden_example_is_applied_once(event_type: str, psi_databases: Any) -> None:
    url = psi_databases.create("inventory", SERVICE.migrations)
    settings = SERVICE.load_settings({"INVENTORY_DATABASE_URL": url, "AMQP_URL": "memory://"})
    db = Database(url)
    runner = ConsumerRunner(settings, db, SERVICE.handlers)
    handler = next(h for h in SERVICE.handlers if event_type in h.event_types)
    envelope = parse_envelope(load_example(event_type))
    data = decode_data(event_type, envelope["data"])

    assert runner.apply(handler, runner.queue_for(handler), envelope, data) == "ack"
    with db.engine.connect() as conn:
        moves_after_first = conn.execute(text("SELECT count(*), coalesce(sum(quantity), 0) FROM stock_moves")).one()
    assert runner.apply(handler, runner.queue_for(handler), envelope, data) == "duplicate"
    with db.engine.connect() as conn:
        moves_after_second = conn.execute(text("SELECT count(*), coalesce(sum(quantity), 0) FROM stock_moves")).one()
    db.dispose()

    accepted = sum((line["accepted_quantity"] for line in data["lines"] if line["accepted_quantity"] > 0), Decimal(0))
    assert moves_after_first[0] == sum(1 for line in data["lines"] if line["accepted_quantity"] > 0)
    assert Decimal(moves_after_first[1]) == accepted
    assert tuple(moves_after_second) == tuple(moves_after_first)
