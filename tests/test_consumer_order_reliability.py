"""Issue 8, point 3: a database blip must not reorder a stream, and a second consumer must not either.

Several hundred receipt-then-return pairs go through a real inventory consumer process while the test cuts every
backend of inventory's database with ``pg_terminate_backend``. Then two consumer processes share one queue, one
of them stopped half-way. In both, a return applied before its own receipt would be refused (its SKU never holds
enough stock without that receipt), so any reordering shows up as wrong stock, a dead letter or a refusal.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from kombu import Connection, Exchange, Producer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from psi_chassis.testing import metric_sum, scrape, wait_for
from psi_chassis.testing.helpers import queue_depth
from psi_contracts.envelope import make_envelope
from psi_contracts.topology import dlq_name, exchange_name, producer_of, queue_name

pytestmark = [pytest.mark.integration, pytest.mark.slow]

QUEUE_HANDLER = "on_purchasing_events"
RECEIVED = Decimal(6)
RETURNED = Decimal(5)
UNIT_COST = Decimal("2.50")
PAIRS_PER_SKU = 4
# Per SKU, after its 4 pairs: 4 x (6 - 5) = 4 units on hand, valued 4 x 2.50 = 10.00 (one cost, so moving average
# and FIFO agree). Before its k-th pair (k = 0..3) a SKU holds k <= 3 units, fewer than the 5 a return takes: a
# return applied before its own receipt cannot be issued.
LEFT_PER_SKU = PAIRS_PER_SKU * (RECEIVED - RETURNED)
VALUE_PER_SKU = LEFT_PER_SKU * UNIT_COST


def supplier_return(sku: str, quantity: Decimal, unit_cost: Decimal, number: str) -> dict[str, Any]:
    """The one place that builds a return request (the start of the return saga inventory answers)."""
    return make_envelope(
        "purchasing.GoodsReturnRequested.v1",
        {
            "return_id": str(uuid.uuid4()),
            "return_number": number,
            "po_id": "1",
            "po_number": "PO-T",
            "supplier_id": "1",
            "warehouse_code": "WH1",
            "requested_at": datetime.now(UTC),
            "reason": "damaged",
            "lines": [{"line_no": 1, "sku": sku, "quantity": quantity, "unit_cost_base": unit_cost}],
        },
        source="purchasing",
        subject="PO-T",
    )


def _pairs(make_goods_received: Any, count: int, skus: int) -> list[dict[str, Any]]:
    """``count`` receipt-then-return pairs; pair i books SKU-ORD-<i mod skus>, so each SKU gets count/skus pairs."""
    stream = []
    for i in range(count):
        sku = f"SKU-ORD-{i % skus:03d}"
        stream.append(make_goods_received(sku, str(RECEIVED), str(UNIT_COST), number=f"GRN-{i}"))
        stream.append(supplier_return(sku, RETURNED, UNIT_COST, f"RTN-{i}"))
    return stream


def _publish_in_order(amqp_url: str, prefix: str, envelopes: list[dict[str, Any]]) -> None:
    """Publish on one channel with confirms, as one relay does: the queue receives them in this order."""
    import json

    with Connection(amqp_url, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel())
        for envelope in envelopes:
            exchange = Exchange(exchange_name(producer_of(envelope["type"]), prefix=prefix), type="topic", durable=True)
            producer.publish(
                json.dumps(envelope),
                exchange=exchange,
                routing_key=envelope["type"],
                content_type="application/json",
                content_encoding="utf-8",
                message_id=envelope["id"],
                type=envelope["type"],
                declare=[exchange],
                retry=True,
            )


def _scalar(url: str, sql: str, **params: Any) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def _applied(db_url: str) -> int:
    return int(_scalar(db_url, "SELECT count(*) FROM inbox") or 0)


def _assert_stream_applied_exactly_once(db_url: str, pairs: int, skus: int) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            balances = conn.execute(
                text("SELECT sku, on_hand, value, value_fifo FROM stock_balances ORDER BY sku")
            ).all()
            kinds = dict(conn.execute(text("SELECT kind, count(*) FROM stock_moves GROUP BY kind")).all())
            distinct = conn.execute(
                text("SELECT count(DISTINCT (source_event_id, source_line, kind)) FROM stock_moves")
            ).scalar()
            received_events = conn.execute(
                text("SELECT count(*) FROM outbox WHERE event_type = 'inventory.StockReceived.v1'")
            ).scalar()
            refusals = conn.execute(text("SELECT count(*) FROM outbox WHERE event_type LIKE '%Rejected%'")).scalar()
            issued = conn.execute(
                text("SELECT count(*) FROM outbox WHERE event_type = 'inventory.SupplierReturnIssued.v1'")
            ).scalar()
    finally:
        engine.dispose()
    assert len(balances) == skus
    wrong = [
        (sku, on_hand, value, fifo)
        for sku, on_hand, value, fifo in balances
        if (Decimal(on_hand), Decimal(value), Decimal(fifo)) != (LEFT_PER_SKU, VALUE_PER_SKU, VALUE_PER_SKU)
    ]
    assert wrong == [], f"SKUs whose stock is not 4 units worth 10.00: {wrong[:10]}"
    # One receipt move and one return move per pair, each from its own event: nothing lost, nothing doubled.
    assert kinds == {"receipt": pairs, "supplier_return": pairs}
    assert distinct == 2 * pairs
    assert received_events == pairs, "one StockReceived per receipt applied"
    assert refusals == 0, "no return was refused"
    assert issued == pairs, "every return request answered once with SupplierReturnIssued"


class _Cutter:
    """Cuts every backend of one database, the way a failover or an operator's pg_terminate_backend does.

    A connection of the role that owns the test databases may terminate that role's backends; under
    testcontainers the admin URL is the superuser's.
    """

    def __init__(self, admin_url: str, db_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.db_url = db_url
        self.db_name = make_url(db_url).database
        self.cuts = 0

    def backends_waiting_on_a_lock(self) -> int:
        with self.admin.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND wait_event_type = 'Lock'"),
                    {"db": self.db_name},
                ).scalar()
                or 0
            )

    def cut(self, spare: int | None = None) -> int:
        """Terminate every backend of the database but ``spare``; wait (up to 5 s each) until they are gone."""
        with self.admin.connect() as conn:
            cut = conn.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid() AND pid IS DISTINCT FROM :spare"
                ),
                {"db": self.db_name, "spare": spare},
            ).scalar()
        self.cuts += 1
        return int(cut or 0)

    def cut_while_in_flight(self, publish: Any) -> None:
        """Make sure a transaction of the consumer is open when the cut comes: hold a lock on the inbox (every
        delivery's first write), publish, wait until the consumer's transaction waits for that lock, cut every
        other backend of the database, then let the lock go."""
        locker = create_engine(self.db_url, pool_size=1)
        try:
            with locker.connect() as conn:
                conn.execute(text("LOCK TABLE inbox IN EXCLUSIVE MODE"))
                pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
                publish()
                wait_for(self.backends_waiting_on_a_lock, timeout=30, message="consumer waiting inside a transaction")
                assert self.cut(spare=pid) >= 1, "the consumer's backend was cut"
                conn.rollback()
        finally:
            locker.dispose()

    def close(self) -> None:
        self.admin.dispose()


@pytest.fixture
def cutter(psi_pg_admin_url: str, database_for: Any) -> Iterator[_Cutter]:
    cutter = _Cutter(psi_pg_admin_url, database_for("inventory"))
    yield cutter
    cutter.close()


def _consumed(stack: Any, key: str, name: str = "psi_messages_consumed_total", **labels: str) -> float:
    return metric_sum(scrape(stack.metrics_urls[key]), name, **labels)


def test_receipts_and_returns_stay_in_order_while_the_database_is_cut(
    stack: Any, cutter: _Cutter, make_goods_received: Any
) -> None:
    pairs, skus, batches, cut_batches = 400, 100, 5, 4
    db = cutter.db_url
    consumer = stack.consumer("inventory")
    queue = queue_name("inventory", QUEUE_HANDLER, prefix=stack.prefix)
    dlq = dlq_name(queue)
    stream = _pairs(make_goods_received, pairs, skus)
    per_batch = len(stream) // batches  # 800 messages in 5 batches of 160 (80 pairs), each starting with a receipt

    for b in range(batches):
        batch = stream[b * per_batch : (b + 1) * per_batch]
        expected = (b + 1) * per_batch

        def publish(batch: list[dict[str, Any]] = batch) -> None:
            _publish_in_order(stack.amqp_url, stack.prefix, batch)

        if b < cut_batches:
            # The batch's first message, a receipt, is in flight when every backend is cut; its return is next.
            cutter.cut_while_in_flight(publish)
        else:
            # The last batch flows freely and is cut twice wherever the consumer happens to be.
            publish()
            for share in (0.25, 0.6):
                mark = b * per_batch + int(share * per_batch)
                wait_for(lambda m=mark: _applied(db) >= m, timeout=60, message="the last batch flowing")
                cutter.cut()
        # Applied or dead-lettered: a reordered return must fail the assertions below, not a timeout.
        wait_for(
            lambda e=expected: _applied(db) + queue_depth(stack.amqp_url, dlq) >= e,
            timeout=90,
            message=f"{expected} events handled",
        )

    wait_for(lambda: queue_depth(stack.amqp_url, queue) == 0, message="queue drained")
    assert queue_depth(stack.amqp_url, dlq) == 0, "nothing dead-lettered"
    assert _applied(db) == 2 * pairs
    _assert_stream_applied_exactly_once(db, pairs, skus)
    key = "inventory-consumer"
    assert _consumed(stack, key, outcome="dead_letter") == 0
    assert _consumed(stack, key, outcome="retry") == 0, "nothing left its place for a delay queue"
    # Each cut of an open transaction failed it at least once; the same message was then applied in place.
    assert _consumed(stack, key, "psi_messages_retried_in_place_total") >= cut_batches
    # Counted just after each ack, so it may trail the inbox by the last delivery: poll.
    wait_for(
        lambda: _consumed(stack, key, outcome="ack") + _consumed(stack, key, outcome="duplicate") == 2 * pairs,
        message="every delivery acked",
    )
    assert consumer.running(), "the consumer rode out every cut"
    assert "consumer loop failed" not in consumer.logs()
    assert cutter.cuts == cut_batches + 2


def test_two_consumers_on_one_queue_apply_the_stream_in_order(
    stack: Any, database_for: Any, make_goods_received: Any
) -> None:
    pairs, skus = 200, 50
    db = database_for("inventory")
    first = stack.consumer("inventory", key="first")
    stack.consumer("inventory", key="standby")
    stream = _pairs(make_goods_received, pairs, skus)
    half = len(stream) // 2  # 400 messages: 200 while both run, 200 after the first has stopped

    _publish_in_order(stack.amqp_url, stack.prefix, stream[:half])
    queue = queue_name("inventory", QUEUE_HANDLER, prefix=stack.prefix)
    dlq = dlq_name(queue)
    wait_for(lambda: _applied(db) + queue_depth(stack.amqp_url, dlq) >= half, timeout=90, message="first half handled")
    assert queue_depth(stack.amqp_url, dlq) == 0, "nothing dead-lettered"
    # Single active consumer: the second process is a hot standby and has taken nothing.
    wait_for(lambda: _consumed(stack, "first", outcome="ack") == half, message="the first consumer acked them all")
    assert _consumed(stack, "standby", outcome="ack") == 0

    first.stop()
    _publish_in_order(stack.amqp_url, stack.prefix, stream[half:])
    wait_for(
        lambda: _applied(db) + queue_depth(stack.amqp_url, dlq) >= len(stream),
        timeout=90,
        message="second half handled by the standby",
    )
    assert queue_depth(stack.amqp_url, dlq) == 0
    wait_for(
        lambda: _consumed(stack, "standby", outcome="ack") == len(stream) - half,
        message="the standby acked the second half",
    )
    _assert_stream_applied_exactly_once(db, pairs, skus)
