"""Batched apply (issue 9, acceptance 1): one poison message among 99 good ones in one batch.

The batch fails as a whole, is rolled back, and is applied again message by message: the 99 good ones are
applied exactly once and in their order, the poison one goes to the DLQ, and the queue is empty afterwards.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text

from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.service import Event, EventHandler, PoisonMessage, batched
from psi_chassis.settings import ServiceSettings
from psi_chassis.testing import wait_for
from psi_chassis.testing.helpers import delete_queues, drain_queue, goods_received, publish_raw, queue_depth
from psi_contracts.topology import dlq_name, exchange_name

pytestmark = pytest.mark.integration

EVENT_TYPE = "purchasing.GoodsReceived.v1"


def _toy() -> Any:
    from pathlib import Path

    return str(Path(__file__).parent / "toy_service" / "migrations")


@batched
def _record_batch(session: Any, events: list[Event]) -> None:
    """A set-based toy handler: one INSERT for the batch, refusing it whole if any event is the poison one."""
    if any(e.data["receipt_number"] == "POISON" for e in events):
        raise PoisonMessage("the poison receipt contradicts this service for good")
    session.execute(
        text("INSERT INTO applied (event_id, label) VALUES (:id, :label)"),
        [{"id": e.id, "label": e.data["receipt_number"]} for e in events],
    )


def _labels(db: Database) -> list[str]:
    with db.unit_of_work() as session:
        return [r[0] for r in session.execute(text("SELECT label FROM applied ORDER BY seq")).all()]


def test_one_poison_message_in_a_batch_of_100(psi_databases: Any, psi_amqp_url: str, psi_topology_prefix: str) -> None:
    service = "toybatch"
    db = Database(psi_databases.create("toy", _toy()))
    settings = ServiceSettings(
        service,
        db.url,
        amqp_url=psi_amqp_url,
        topology_prefix=psi_topology_prefix,
        consumer_batch_size=100,
        consumer_batch_wait_ms=2000,
        consumer_retry_delays_ms=(100, 200, 400),
        consumer_max_attempts=2,
    )
    handler = EventHandler("on_things", {EVENT_TYPE: _record_batch})
    stop = threading.Event()
    runner = ConsumerRunner(settings, db, [handler], stop=stop)
    queue = runner.queue_for(handler)
    from psi_chassis.broker import connect

    with connect(psi_amqp_url) as conn:
        runner.declare_topology(conn.default_channel)
    labels = [f"GRN-{i:03d}" if i != 50 else "POISON" for i in range(100)]
    publish_raw(
        psi_amqp_url,
        exchange_name("purchasing", prefix=psi_topology_prefix),
        EVENT_TYPE,
        [json.dumps(goods_received("SKU-1", "1", "1", number=label)) for label in labels],
    )
    wait_for(lambda: queue_depth(psi_amqp_url, queue) == 100, message="100 messages in the queue")
    thread = threading.Thread(target=runner.run_until_stopped, daemon=True)
    thread.start()
    try:
        good = [label for label in labels if label != "POISON"]
        wait_for(lambda: _labels(db) == good, timeout=60, message="the 99 good ones applied, in order")
        wait_for(lambda: queue_depth(psi_amqp_url, dlq_name(queue)) == 1, message="the poison one dead-lettered")
        [dead] = drain_queue(psi_amqp_url, dlq_name(queue))
        assert json.loads(dead.body)["data"]["receipt_number"] == "POISON"
        assert dead.headers["x-psi-dead-letter-reason"] == "poison"
        assert queue_depth(psi_amqp_url, queue) == 0
        sample = REGISTRY.get_sample_value
        # One batch of 100 failed and was split; then each message went alone: 99 applied once each.
        assert sample("psi_consumer_batches_split_total", {"service": service, "queue": queue}) == 1
        assert (
            sample(
                "psi_messages_consumed_total",
                {"service": service, "queue": queue, "event_type": EVENT_TYPE, "outcome": "ack"},
            )
            == 99
        )
        assert _labels(db) == good  # nothing applied twice
    finally:
        stop.set()
        thread.join(timeout=15)
        db.dispose()
        delete_queues(psi_amqp_url, [queue])
