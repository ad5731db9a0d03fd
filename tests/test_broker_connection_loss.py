"""Acceptance 4: RabbitMQ drops every connection mid-stream; relay and consumer reconnect by themselves and every
receipt is applied exactly once."""

from __future__ import annotations

import shutil
import subprocess
import threading
from decimal import Decimal
from typing import Any
from urllib.parse import unquote, urlparse

import pytest
from sqlalchemy import create_engine, text

from psi_chassis.db import Database
from psi_chassis.outbox import record_event
from psi_chassis.testing import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EVENTS = 300


def _close_all_connections(amqp_url: str) -> None:
    vhost = unquote(urlparse(amqp_url).path.lstrip("/")) or "/"
    subprocess.run(
        ["rabbitmqctl", "-q", "close_all_connections", "-p", vhost, "psi chaos test"],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


def test_relay_and_consumer_survive_forced_connection_close(
    stack: Any, database_for: Any, make_goods_received: Any
) -> None:
    if shutil.which("rabbitmqctl") is None:
        pytest.skip("rabbitmqctl is needed to close the broker's connections (it is, under make test)")
    purchasing_db = database_for("purchasing")
    inventory_db = database_for("inventory")
    relay = stack.relay("purchasing")
    consumer = stack.consumer("inventory")

    written = threading.Event()
    halfway = threading.Event()

    def write_events() -> None:
        db = Database(purchasing_db)
        try:
            for i in range(EVENTS):
                envelope = make_goods_received("SKU-CHAOS", "1", "2", number=f"GRN-{i}")
                with db.unit_of_work() as session:
                    record_event(session, envelope["type"], envelope["data"], source="purchasing")
                    session.commit()
                if i == EVENTS // 3:
                    halfway.set()
        finally:
            db.dispose()
            written.set()

    writer = threading.Thread(target=write_events)
    writer.start()
    assert halfway.wait(60)
    _close_all_connections(stack.amqp_url)
    wait_for(
        lambda: _count(inventory_db, "SELECT count(*) FROM stock_moves") >= EVENTS // 2,
        timeout=60,
        message="flow resumed after the first close",
    )
    _close_all_connections(stack.amqp_url)
    writer.join(120)
    assert written.is_set()

    wait_for(
        lambda: _count(inventory_db, "SELECT count(*) FROM stock_moves") == EVENTS,
        timeout=120,
        message=f"all {EVENTS} receipts applied",
    )
    wait_for(
        lambda: _count(purchasing_db, "SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0,
        timeout=60,
        message="outbox drained",
    )
    assert relay.running() and consumer.running(), "both processes reconnected instead of dying"
    assert _count(inventory_db, "SELECT count(*) FROM inbox") == EVENTS
    assert _count(inventory_db, "SELECT count(DISTINCT source_event_id) FROM stock_moves") == EVENTS
    engine = create_engine(inventory_db)
    with engine.connect() as conn:
        on_hand, value = conn.execute(text("SELECT on_hand, value FROM stock_balances WHERE sku = 'SKU-CHAOS'")).one()
    engine.dispose()
    assert (Decimal(on_hand), Decimal(value)) == (Decimal(EVENTS), Decimal(2 * EVENTS))
