"""The consumer runner against the real broker and database, with a toy handler that records what it applied.

Issue 8, points 2 and 3 at the chassis level: nothing that fails while decoding reaches past the DLQ; the
broker's own delivery limit dead-letters instead of dropping; a transient database failure is retried in place,
in order, and the broker connection survives a long wait in the database.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection, Queue
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from psi_chassis import consumer as consumer_module
from psi_chassis.broker import BROKER_DELIVERY_LIMIT, TopologyMismatch, connect
from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.service import Event, EventHandler
from psi_chassis.settings import ServiceSettings
from psi_chassis.testing import wait_for
from psi_chassis.testing.helpers import delete_queues, drain_queue, publish_raw, queue_depth
from psi_contracts.envelope import make_envelope
from psi_contracts.topology import dlq_name, exchange_name

pytestmark = pytest.mark.integration

MIGRATIONS = str(Path(__file__).parent / "toy_service" / "migrations")
EVENT_TYPE = "purchasing.GoodsReceived.v1"
_services = itertools.count(1)


def _record(session: Any, event: Event) -> None:
    session.execute(
        text("INSERT INTO applied (event_id, label) VALUES (:id, :label)"),
        {"id": event.id, "label": event.data["receipt_number"]},
    )


def _envelope(label: str) -> dict[str, Any]:
    from datetime import UTC, datetime
    from decimal import Decimal

    return make_envelope(
        EVENT_TYPE,
        {
            "receipt_id": label,
            "receipt_number": label,
            "po_id": "1",
            "po_number": "PO-1",
            "supplier_id": "1",
            "supplier_code": "SUP",
            "warehouse_code": "WH1",
            "received_at": datetime.now(UTC),
            "currency": "CNY",
            "exchange_rate": Decimal(1),
            "lines": [
                {
                    "line_no": 1,
                    "sku": "SKU-1",
                    "received_quantity": Decimal(1),
                    "accepted_quantity": Decimal(1),
                    "rejected_quantity": Decimal(0),
                    "unit_cost": Decimal(1),
                    "unit_cost_base": Decimal(1),
                }
            ],
        },
        source="purchasing",
    )


class Toy:
    """One toy service: its database, its runner on a thread, and what to look at."""

    def __init__(self, db_url: str, amqp_url: str, prefix: str, **settings: Any) -> None:
        self.service = f"toy{next(_services)}"
        self.db_url = db_url
        self.amqp_url = amqp_url
        self.prefix = prefix
        self.settings = ServiceSettings(
            self.service,
            db_url,
            amqp_url=amqp_url,
            topology_prefix=prefix,
            consumer_retry_delays_ms=(100, 200, 400),
            **settings,
        )
        self.handler = EventHandler("on_things", {EVENT_TYPE: _record})
        self.stop = threading.Event()
        self.db = Database(db_url)
        self.runner = ConsumerRunner(self.settings, self.db, [self.handler], stop=self.stop)
        self.queue = self.runner.queue_for(self.handler)
        self.thread: threading.Thread | None = None

    def declare(self) -> None:
        with connect(self.amqp_url) as conn:
            self.runner.declare_topology(conn.default_channel)

    def start(self) -> None:
        self.thread = threading.Thread(target=self.runner.run_until_stopped, name=self.service, daemon=True)
        self.thread.start()

    def publish(self, bodies: list[str | bytes]) -> None:
        publish_raw(self.amqp_url, exchange_name("purchasing", prefix=self.prefix), EVENT_TYPE, bodies)

    def labels(self) -> list[str]:
        engine = create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return [r[0] for r in conn.execute(text("SELECT label FROM applied ORDER BY seq")).all()]
        finally:
            engine.dispose()

    def metric(self, name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, {"service": self.service, **labels}) or 0.0

    def consumed(self, outcome: str) -> float:
        return self.metric("psi_messages_consumed_total", queue=self.queue, event_type=EVENT_TYPE, outcome=outcome)

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=15)
        self.db.dispose()
        delete_queues(self.amqp_url, [self.queue])


@pytest.fixture
def toy(psi_databases: Any, psi_amqp_url: str, psi_topology_prefix: str) -> Iterator[Callable[..., Toy]]:
    made: list[Toy] = []

    def make(**settings: Any) -> Toy:
        made.append(Toy(psi_databases.create("toy", MIGRATIONS), psi_amqp_url, psi_topology_prefix, **settings))
        return made[-1]

    yield make
    for t in made:
        t.close()


class _Locks:
    """Hold a lock the consumer's transaction will wait for, and cut its backend while it waits."""

    def __init__(self, admin_url: str, db_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.db_url = db_url
        self.db_name = make_url(db_url).database

    def waiting(self) -> int:
        with self.admin.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND wait_event_type = 'Lock'"),
                    {"db": self.db_name},
                ).scalar()
                or 0
            )

    def cut_waiting(self) -> int:
        with self.admin.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                        "WHERE datname = :db AND wait_event_type = 'Lock'"
                    ),
                    {"db": self.db_name},
                ).scalar()
                or 0
            )

    def close(self) -> None:
        self.admin.dispose()


@pytest.fixture
def locks(psi_pg_admin_url: str) -> Iterator[Callable[[str], _Locks]]:
    made: list[_Locks] = []
    yield lambda db_url: made.append(_Locks(psi_pg_admin_url, db_url)) or made[-1]
    for m in made:
        m.close()


def test_undecodable_bodies_go_to_the_dlq_at_once_and_the_loop_never_restarts(
    toy: Callable[..., Toy], monkeypatch: pytest.MonkeyPatch
) -> None:
    t = toy()
    real_decode = consumer_module.decode_data

    def decode_with_a_bug(event_type: str, data: Any) -> Any:
        if data.get("receipt_number") == "BUG":
            raise AttributeError("'NoneType' object has no attribute 'quantize'")  # what a decoder bug looks like
        return real_decode(event_type, data)

    monkeypatch.setattr(consumer_module, "decode_data", decode_with_a_bug)
    deep = "[" * 100_000 + "]" * 100_000
    bug = json.dumps(_envelope("BUG"))
    good = [json.dumps(_envelope(f"GOOD-{i:02d}")) for i in range(20)]
    t.declare()
    t.publish([deep, b"\xff\xfe not utf-8", bug, *good])
    t.start()

    wait_for(lambda: len(t.labels()) == 20, message="the 20 good events applied")
    assert t.labels() == [f"GOOD-{i:02d}" for i in range(20)], "in publication order"
    wait_for(lambda: queue_depth(t.amqp_url, dlq_name(t.queue)) == 3, message="three dead letters")
    dead = drain_queue(t.amqp_url, dlq_name(t.queue))
    reasons = [(m.headers["x-psi-dead-letter-reason"], m.headers["x-psi-error"].split(":")[0]) for m in dead]
    assert reasons == [
        ("undecodable", "body is nested deeper than 32 levels"),
        ("undecodable", "body is not UTF-8"),
        ("invalid", "envelope or data invalid"),
    ]
    assert "AttributeError" in dead[2].headers["x-psi-error"]
    assert t.thread is not None and t.thread.is_alive()
    assert t.metric("psi_errors_total", component="consumer", kind="RecursionError") == 0
    assert t.metric("psi_messages_dead_lettered_total", queue=t.queue, reason="undecodable") == 2


def test_the_broker_dead_letters_a_message_past_its_delivery_limit_instead_of_dropping_it(
    toy: Callable[..., Toy],
) -> None:
    t = toy()
    t.declare()
    t.publish([json.dumps(_envelope("LOOPING"))])
    deliveries: list[int] = []

    def die_on_it(message: Any) -> None:  # a consumer that fails before it can dead-letter: back to the queue
        deliveries.append(int((message.headers or {}).get("x-delivery-count") or 0))
        message.requeue()

    with Connection(t.amqp_url) as conn:
        with conn.Consumer(Queue(t.queue, no_declare=True), on_message=die_on_it, prefetch_count=1):
            deadline = time.monotonic() + 30
            while queue_depth(t.amqp_url, dlq_name(t.queue)) == 0 and time.monotonic() < deadline:
                try:
                    conn.drain_events(timeout=0.5)
                except TimeoutError:
                    pass
    wait_for(lambda: queue_depth(t.amqp_url, dlq_name(t.queue)) == 1, message="the broker dead-lettered it")
    # The first delivery plus 20 returns, each counted in x-delivery-count (0, 1, ..., 20); the 21st return
    # exceeds the limit of 20 and dead-letters it.
    assert deliveries == list(range(BROKER_DELIVERY_LIMIT + 1))
    assert queue_depth(t.amqp_url, t.queue) == 0
    (dead,) = drain_queue(t.amqp_url, dlq_name(t.queue))
    assert json.loads(dead.body)["data"]["receipt_number"] == "LOOPING"
    death = dead.headers["x-death"][0]
    assert (death["reason"], death["queue"]) == ("delivery_limit", t.queue)


def test_a_transient_database_failure_is_retried_in_place_and_nothing_overtakes_it(
    toy: Callable[..., Toy], locks: Callable[[str], _Locks]
) -> None:
    t = toy()
    lock = locks(t.db_url)
    labels = [f"E-{i:02d}" for i in range(10)]
    t.declare()
    t.start()
    locker = create_engine(t.db_url, pool_size=1)
    try:
        with locker.connect() as conn:
            conn.execute(text("LOCK TABLE applied IN EXCLUSIVE MODE"))  # E-00's insert waits for it
            t.publish([json.dumps(_envelope(label)) for label in labels])
            wait_for(lock.waiting, message="E-00 waiting in its transaction")
            assert lock.cut_waiting() == 1, "E-00's backend cut mid-transaction"
            conn.rollback()
    finally:
        locker.dispose()

    wait_for(lambda: len(t.labels()) == 10, message="all ten applied")
    assert t.labels() == labels, "E-00 was applied first, in its place"
    assert t.metric("psi_messages_retried_in_place_total", queue=t.queue, kind="OperationalError") >= 1
    assert t.consumed("retry") == 0 and t.consumed("dead_letter") == 0
    wait_for(lambda: t.consumed("ack") == 10, message="ten acks counted")
    assert t.metric("psi_consumer_stalled_since_seconds", queue=t.queue) == 0, "not stalled any more"


def test_the_broker_connection_survives_a_delivery_that_waits_on_the_database(
    toy: Callable[..., Toy], locks: Callable[[str], _Locks], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="psi_chassis.consumer")
    t = toy(consumer_heartbeat_seconds=2)
    lock = locks(t.db_url)
    t.declare()
    t.start()
    locker = create_engine(t.db_url, pool_size=1)
    try:
        with locker.connect() as conn:
            conn.execute(text("LOCK TABLE applied IN EXCLUSIVE MODE"))
            t.publish([json.dumps(_envelope("SLOW"))])
            wait_for(lock.waiting, message="the delivery waiting in the database")
            # The fault itself: the delivery waits 8 s, four heartbeat timeouts of 2 s, in which kombu's loop
            # sends no heartbeat; without the keepalive RabbitMQ closes the connection and redelivers.
            time.sleep(8)
            conn.rollback()
    finally:
        locker.dispose()

    wait_for(lambda: t.consumed("ack") == 1, message="applied and acked")
    assert t.labels() == ["SLOW"]
    assert t.consumed("duplicate") == 0, "never redelivered"
    connected = [r for r in caplog.records if r.getMessage() == f"consumer connected for {t.service}"]
    assert len(connected) == 1, "one connection from start to end"
    assert queue_depth(t.amqp_url, t.queue) == 0


def test_a_queue_declared_with_the_old_arguments_stops_the_consumer_until_migrated(toy: Callable[..., Toy]) -> None:
    t = toy()
    with Connection(t.amqp_url) as conn:  # what an older PSI declared: a quorum queue, no other argument
        Queue(t.queue, durable=True, queue_arguments={"x-queue-type": "quorum"}).bind(conn.default_channel).declare()

    with pytest.raises(TopologyMismatch, match="upgrading-handler-queues"):
        t.declare()
    with pytest.raises(TopologyMismatch):
        t.runner.run_until_stopped()  # no restart loop: the process exits

    # The migration: the queue is empty (quorum queues refuse if_empty, so check first), delete it, declare again.
    assert queue_depth(t.amqp_url, t.queue) == 0
    with Connection(t.amqp_url) as conn:
        conn.default_channel.queue_delete(t.queue)
    t.declare()
    t.publish([json.dumps(_envelope("AFTER"))])
    t.start()
    wait_for(lambda: t.labels() == ["AFTER"], message="consuming from the migrated queue")
