"""Acceptance 2, 3, 5 and the consumer half of 7: exactly-once effects from an at-least-once bus.

Each test runs the real inventory consumer process against real PostgreSQL and RabbitMQ, publishes events the
way purchasing's relay would, and checks the inventory database and the consumer's own /metrics.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from psi_chassis.testing import metric_sum, scrape, wait_for
from psi_chassis.testing.helpers import drain_queue, publish_envelopes, publish_raw, queue_depth
from psi_contracts.topology import dlq_name, exchange_name, queue_name

pytestmark = pytest.mark.integration

QUEUE_HANDLER = "on_purchasing_events"


def _stock(db_url: str, sku: str) -> tuple[Decimal, Decimal, int]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT on_hand, value FROM stock_balances WHERE sku = :sku AND warehouse_code = 'WH1'"),
                {"sku": sku},
            ).first()
            moves = conn.execute(text("SELECT count(*) FROM stock_moves WHERE sku = :sku"), {"sku": sku}).scalar()
    finally:
        engine.dispose()
    if row is None:
        return Decimal(0), Decimal(0), int(moves or 0)
    return Decimal(row.on_hand), Decimal(row.value), int(moves or 0)


def _consumed(stack: Any, key: str, outcome: str) -> float:
    return metric_sum(scrape(stack.metrics_urls[key]), "psi_messages_consumed_total", outcome=outcome)


def test_same_event_delivered_three_times_moves_stock_once(
    stack: Any, database_for: Any, make_goods_received: Any
) -> None:
    db = database_for("inventory")
    stack.consumer("inventory")
    envelope = make_goods_received("SKU-DUP", "7", "2.50")

    publish_envelopes(stack.amqp_url, stack.prefix, [envelope, envelope, envelope])

    wait_for(lambda: _consumed(stack, "inventory-consumer", "duplicate") == 2, message="two duplicates counted")
    assert _consumed(stack, "inventory-consumer", "ack") == 1
    assert _stock(db, "SKU-DUP") == (Decimal("7"), Decimal("17.5"), 1)


def test_consumer_killed_between_commit_and_ack_applies_once(
    stack: Any, database_for: Any, make_goods_received: Any
) -> None:
    db = database_for("inventory")
    crashing = stack.consumer("inventory", key="crashing", PSI_FAULT="consumer_after_commit_before_ack")
    envelope = make_goods_received("SKU-CRASH", "5", "3")

    publish_envelopes(stack.amqp_url, stack.prefix, [envelope])

    assert crashing.wait_exit(timeout=30) == -9, "the fault point kills the consumer with SIGKILL"
    assert _stock(db, "SKU-CRASH") == (Decimal("5"), Decimal("15"), 1), "the effect was committed before the kill"

    stack.consumer("inventory", key="restarted")
    wait_for(lambda: _consumed(stack, "restarted", "duplicate") == 1, message="redelivery recognised as duplicate")
    queue = queue_name("inventory", QUEUE_HANDLER, prefix=stack.prefix)
    wait_for(lambda: queue_depth(stack.amqp_url, queue) == 0, message="queue drained")
    assert _consumed(stack, "restarted", "ack") == 0
    assert _stock(db, "SKU-CRASH") == (Decimal("5"), Decimal("15"), 1)


def test_poison_message_goes_to_dlq_while_good_ones_flow(
    stack: Any, database_for: Any, make_goods_received: Any
) -> None:
    db = database_for("inventory")
    stack.consumer("inventory", PSI_CONSUMER_MAX_ATTEMPTS="3")
    exchange = exchange_name("purchasing", prefix=stack.prefix)
    routing_key = "purchasing.GoodsReceived.v1"

    # Valid by contract, but its value (~1e24) is beyond what the ledger holds: the handler fails on every attempt.
    poison = make_goods_received("SKU-POISON", "999999999999999", "999999999")
    not_json = b"{this is not json"
    invalid = make_goods_received("SKU-INVALID", "1", "1")
    invalid["data"]["lines"][0]["accepted_quantity"] = "-3"
    good = [make_goods_received("SKU-GOOD", "1", "1.25", number=f"GRN-{i}") for i in range(100)]

    publish_envelopes(stack.amqp_url, stack.prefix, [poison])
    publish_raw(stack.amqp_url, exchange, routing_key, [not_json, json.dumps(invalid)])
    publish_envelopes(stack.amqp_url, stack.prefix, good)

    wait_for(lambda: _stock(db, "SKU-GOOD")[0] == 100, timeout=60, message="100 good receipts applied")
    queue = queue_name("inventory", QUEUE_HANDLER, prefix=stack.prefix)
    wait_for(lambda: queue_depth(stack.amqp_url, dlq_name(queue)) == 3, timeout=30, message="3 messages in the DLQ")

    dead = drain_queue(stack.amqp_url, dlq_name(queue))
    reasons = sorted(m.headers["x-psi-dead-letter-reason"] for m in dead)
    assert reasons == ["exhausted", "invalid", "undecodable"]
    exhausted = next(m for m in dead if m.headers["x-psi-dead-letter-reason"] == "exhausted")
    assert json.loads(exhausted.body)["id"] == poison["id"]
    assert exhausted.headers["x-psi-attempt"] == 3
    assert exhausted.headers["x-psi-error"].startswith(("InvalidOperation", "DataError")), exhausted.headers

    assert _stock(db, "SKU-GOOD") == (Decimal("100"), Decimal("125"), 100)
    assert _stock(db, "SKU-POISON") == (Decimal(0), Decimal(0), 0)
    samples = scrape(stack.metrics_urls["inventory-consumer"])
    assert metric_sum(samples, "psi_messages_consumed_total", outcome="ack") == 100
    assert metric_sum(samples, "psi_messages_consumed_total", outcome="retry") == 2
    assert metric_sum(samples, "psi_messages_consumed_total", outcome="dead_letter") == 3
    assert metric_sum(samples, "psi_messages_dead_lettered_total", reason="exhausted") == 1


def test_declared_queue_keeps_events_published_before_the_consumer_starts(
    stack: Any, database_for: Any, make_goods_received: Any
) -> None:
    db = database_for("inventory")
    declared = subprocess.run(
        [sys.executable, "-m", "psi_chassis.cli", "declare", "inventory"],
        env={**os.environ, **stack.env("inventory")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    queue = queue_name("inventory", QUEUE_HANDLER, prefix=stack.prefix)
    assert declared.returncode == 0 and f"declared {queue}" in declared.stdout, declared.stderr

    publish_envelopes(stack.amqp_url, stack.prefix, [make_goods_received("SKU-EARLY", "2", "1")])
    assert queue_depth(stack.amqp_url, queue) == 1, "the event waits in the declared queue"

    stack.consumer("inventory")
    wait_for(lambda: _stock(db, "SKU-EARLY")[0] == 2, message="early event applied once the consumer runs")
    assert _stock(db, "SKU-EARLY") == (Decimal("2"), Decimal("2"), 1)
