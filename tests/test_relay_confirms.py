"""The relay waits for the broker's confirms of a whole batch, and marks published only what was confirmed.

A queue with ``x-max-length: 2`` and ``x-overflow: reject-publish`` makes RabbitMQ nack every message past the
second: the relay must mark exactly the confirmed prefix as published, record the error on the first refused row,
and publish the rest on a later pass, in order, once there is room.
"""

from __future__ import annotations

from typing import Any

import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import select

from psi_chassis.db import Database
from psi_chassis.messaging_tables import OUTBOX
from psi_chassis.outbox import record_event
from psi_chassis.relay import OutboxRelay, PublishNotConfirmed
from psi_chassis.settings import ServiceSettings

pytestmark = pytest.mark.integration


def _rows(db: Database) -> list[Any]:
    with db.unit_of_work() as session:
        return list(
            session.execute(
                select(OUTBOX.c.id, OUTBOX.c.published_at, OUTBOX.c.attempts, OUTBOX.c.last_error).order_by(OUTBOX.c.id)
            ).all()
        )


def test_only_the_confirmed_prefix_of_a_batch_is_marked_published(
    database_for: Any, stack: Any, make_goods_received: Any
) -> None:
    db = Database(database_for("purchasing"))
    for number in ("GRN-1", "GRN-2", "GRN-3", "GRN-4"):
        envelope = make_goods_received("SKU-NACK", "1", "2", number=number)
        with db.unit_of_work() as session:
            record_event(session, envelope["type"], envelope["data"], source="purchasing")
            session.commit()
    exchange = Exchange(f"{stack.prefix}.purchasing.events", type="topic", durable=True)
    full_after_two = Queue(
        f"{stack.prefix}.nack-sink",
        exchange,
        routing_key="#",
        durable=True,
        queue_arguments={"x-max-length": 2, "x-overflow": "reject-publish"},
    )
    settings = ServiceSettings(
        service_name="purchasing",
        database_url=db.url,
        amqp_url=stack.amqp_url,
        topology_prefix=stack.prefix,
        relay_batch_size=10,
        relay_confirm_timeout=5,
    )
    relay = OutboxRelay(settings, db)
    with Connection(stack.amqp_url) as conn:
        channel = conn.channel()
        queue = full_after_two.bind(channel)
        queue.declare()
        try:
            with pytest.raises(PublishNotConfirmed):
                relay.publish_batch()
            rows = _rows(db)
            # The first two were confirmed; the third was nacked (queue full) and the fourth comes after it.
            assert [r.published_at is not None for r in rows] == [True, True, False, False]
            assert rows[2].attempts == 1 and "not confirmed" in rows[2].last_error
            assert rows[3].attempts == 0

            relay._drop_connection()  # what the run loop does after a failed pass
            drained = [queue.get(no_ack=True) for _ in range(2)]
            assert all(m is not None for m in drained)
            assert relay.publish_batch() == 2  # room again: the rest go out, in order
            assert all(r.published_at is not None for r in _rows(db))
            receipts = [queue.get(no_ack=True).payload["data"]["receipt_number"] for _ in range(2)]
            assert receipts == ["GRN-3", "GRN-4"]
        finally:
            relay._drop_connection()
            queue.delete()
            exchange.bind(channel).delete()
            db.dispose()
