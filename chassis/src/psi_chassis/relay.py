"""The outbox relay: its own process, publishing committed outbox rows with publisher confirms.

Each pass claims up to ``relay_batch_size`` unpublished rows in id order with ``FOR UPDATE SKIP LOCKED`` (so
several relays can run side by side), publishes them all, then waits for the broker's confirms of the whole batch
(publisher confirms in asynchronous mode: one wait per batch instead of one round trip per message), and marks
the confirmed ones in the same transaction. A crash after a confirm and before the commit publishes that row
again on the next pass: delivery is at least once, and every consumer deduplicates through its inbox. Rows are
retried forever; the pending count and the age of the oldest row are exported so an alert fires long before
anyone notices missing stock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from kombu import Connection, Producer
from sqlalchemy import delete, func, select, update
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_when_event_set, wait_exponential_jitter

from psi_chassis import faults, metrics
from psi_chassis.broker import CONNECT_TIMEOUT_SECONDS, HEARTBEAT_SECONDS, connect, exchange_for_event, is_memory
from psi_chassis.db import Database
from psi_chassis.messaging_tables import OUTBOX
from psi_chassis.service import Watch
from psi_chassis.settings import ServiceSettings
from psi_chassis.types import utcnow

_log = logging.getLogger(__name__)

GAUGE_REFRESH_SECONDS = 1.0
PURGE_EVERY_SECONDS = 600.0
PUBLISHED_RETENTION = timedelta(days=7)


class PublishNotConfirmed(Exception):
    """The broker nacked a message, or did not confirm it in time: the row stays pending and is sent again."""


class _Confirms:
    """Publisher confirms of one channel in asynchronous mode: delivery tags count up from 1 per channel."""

    def __init__(self, channel: Any) -> None:
        channel.confirm_select()
        channel.events["basic_ack"].add(self._ack)
        channel.events["basic_nack"].add(self._nack)
        self.sent = 0
        self.acked: set[int] = set()
        self.nacked: set[int] = set()
        self._acked_up_to = 0

    def _ack(self, tag: int, multiple: bool) -> None:
        if multiple:
            self._acked_up_to = max(self._acked_up_to, tag)
        else:
            self.acked.add(tag)

    def _nack(self, tag: int, multiple: bool) -> None:
        if multiple:
            self.nacked.update(t for t in range(1, tag + 1) if not self.confirmed(t))
        else:
            self.nacked.add(tag)

    def next_tag(self) -> int:
        self.sent += 1
        return self.sent

    def confirmed(self, tag: int) -> bool:
        return (tag <= self._acked_up_to or tag in self.acked) and tag not in self.nacked

    def settled(self, tag: int) -> bool:
        return tag in self.nacked or tag <= self._acked_up_to or tag in self.acked


class OutboxRelay:
    def __init__(
        self,
        settings: ServiceSettings,
        db: Database,
        stop: threading.Event | None = None,
        watches: Sequence[Watch] = (),
    ) -> None:
        self.settings = settings
        self.watches = tuple(watches)
        self.db = db
        self.stop = stop or threading.Event()
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._last_gauges = 0.0
        self._last_purge = 0.0

    # -- broker -----------------------------------------------------------------------------------------------
    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            url = self.settings.amqp_url
            if is_memory(url):
                conn = connect(url)
            else:
                # Confirms are waited for per batch (see _Confirms), not per message as confirm_publish would.
                conn = Connection(
                    url,
                    heartbeat=HEARTBEAT_SECONDS,
                    connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    transport_options={"max_retries": 3},
                )
            conn.ensure_connection(max_retries=3)
            channel = conn.channel()
            self._confirms = None if is_memory(url) else _Confirms(channel)
            self._connection = conn
            self._producer = Producer(channel)
        return self._producer

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception as exc:  # noqa: BLE001 - closing a dead connection may fail; we reconnect anyway
                _log.debug("closing broken connection failed: %s", exc)
        self._connection = None
        self._producer = None
        self._confirms = None

    def _publish(self, row: Any) -> int:
        """Send one row; returns its delivery tag (0 on the in-process bus, where there are no confirms)."""
        producer = self._ensure_producer()
        exchange = exchange_for_event(row.event_type, self.settings.topology_prefix)
        producer.publish(
            row.body,
            exchange=exchange,
            routing_key=row.event_type,
            content_type="application/json",
            content_encoding="utf-8",
            message_id=row.event_id,
            correlation_id=row.correlation_id or "",
            type=row.event_type,
            headers={"psi-source": _source_of(row.body, self.settings.service_name)},
            declare=[exchange],
        )
        return self._confirms.next_tag() if self._confirms is not None else 0

    def _await_confirms(self, tags: list[int]) -> None:
        """Wait until the broker settled every tag of the batch (or the confirm timeout passed)."""
        confirms = self._confirms
        if confirms is None or not tags:
            return
        assert self._connection is not None
        deadline = time.monotonic() + self.settings.relay_confirm_timeout
        while not all(confirms.settled(tag) for tag in tags):
            left = deadline - time.monotonic()
            if left <= 0:
                raise PublishNotConfirmed(f"no confirm within {self.settings.relay_confirm_timeout} s")
            try:
                self._connection.drain_events(timeout=min(left, 1.0))
            except TimeoutError:
                continue

    # -- one pass -----------------------------------------------------------------------------------------------
    def publish_batch(self) -> int:
        """Publish one batch; return how many rows were confirmed. Broker errors propagate after bookkeeping."""
        published = 0
        with self.db.unit_of_work() as session:
            rows = session.execute(
                select(OUTBOX.c.id, OUTBOX.c.event_id, OUTBOX.c.event_type, OUTBOX.c.body, OUTBOX.c.correlation_id)
                .where(OUTBOX.c.published_at.is_(None))
                .order_by(OUTBOX.c.id)
                .limit(self.settings.relay_batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            if not rows:
                session.commit()
                return 0
            confirmed, failure = self._send_batch(rows)
            if failure is not None and len(confirmed) < len(rows):
                first_failed = rows[len(confirmed)].id
                session.execute(
                    update(OUTBOX)
                    .where(OUTBOX.c.id == first_failed)
                    .values(attempts=OUTBOX.c.attempts + 1, last_error=f"{type(failure).__name__}: {failure}"[:2000])
                )
            if confirmed:
                session.execute(update(OUTBOX).where(OUTBOX.c.id.in_(confirmed)).values(published_at=utcnow()))
                for row in rows[: len(confirmed)]:
                    metrics.MESSAGES_PUBLISHED.labels(self.settings.service_name, row.event_type).inc()
            faults.crash_point(self.settings.fault, faults.AFTER_PUBLISH_BEFORE_COMMIT)
            session.commit()
            published = len(confirmed)
        if failure is not None:
            raise failure
        return published

    def _send_batch(self, rows: list[Any]) -> tuple[list[int], Exception | None]:
        """Publish ``rows`` in order and wait for their confirms; the ids confirmed, and the failure if any.

        Only a prefix of the batch counts as published: after the first row that failed or was nacked, later
        rows are sent again next pass even if confirmed, so a consumer never sees them ahead of the failed one
        for good (it may see a duplicate, which its inbox drops).
        """
        tags: list[tuple[int, int]] = []
        failure: Exception | None = None
        try:
            for row in rows:
                tags.append((row.id, self._publish(row)))
            self._await_confirms([tag for _, tag in tags])
        except Exception as exc:  # noqa: BLE001 - recorded on the row by the caller, then re-raised
            failure = exc
        confirmed: list[int] = []
        for row_id, tag in tags:
            if self._confirms is not None and not self._confirms.confirmed(tag):
                failure = failure or PublishNotConfirmed(f"outbox row {row_id} was not confirmed by the broker")
                break
            confirmed.append(row_id)
        return confirmed, failure

    def refresh_gauges(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_gauges < GAUGE_REFRESH_SECONDS:
            return
        self._last_gauges = now
        with self.db.unit_of_work() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(OUTBOX.c.created_at)).where(OUTBOX.c.published_at.is_(None))
            ).one()
            for watch in self.watches:
                watch.gauge.set(watch.measure(session))
        metrics.OUTBOX_PENDING.labels(self.settings.service_name).set(count)
        age = 0.0
        if oldest is not None:
            if not isinstance(oldest, datetime):  # min() bypasses the column type on SQLite
                oldest = datetime.fromisoformat(str(oldest))
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=UTC)
            age = max(0.0, (utcnow() - oldest).total_seconds())
        metrics.OUTBOX_OLDEST_AGE.labels(self.settings.service_name).set(age)

    def purge_published(self) -> int:
        """Drop rows confirmed long ago; the outbox is a queue, not an archive (the consumers keep the history)."""
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_SECONDS:
            return 0
        self._last_purge = now
        with self.db.unit_of_work() as session:
            result = session.execute(delete(OUTBOX).where(OUTBOX.c.published_at < utcnow() - PUBLISHED_RETENTION))
            session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    # -- the loop -------------------------------------------------------------------------------------------------
    def _pass(self) -> int:
        try:
            return self.publish_batch()
        except Exception:
            self._drop_connection()
            raise

    def run(self) -> None:
        """Publish until ``stop`` is set. Any failure (broker or database) is logged, counted and retried forever."""
        _log.info("outbox relay started for %s", self.settings.service_name)
        retrying = Retrying(
            retry=retry_if_exception_type(Exception),
            wait=wait_exponential_jitter(multiplier=0.2, max=10),
            stop=stop_when_event_set(self.stop),
            before_sleep=self._log_retry,
            sleep=self.stop.wait,
        )
        while not self.stop.is_set():
            try:
                published = retrying(self._pass)
                retrying(self.refresh_gauges, force=published > 0)
                retrying(self.purge_published)
            except RetryError:  # stop was set while waiting to retry
                break
            if published < self.settings.relay_batch_size:
                self.stop.wait(self.settings.relay_poll_interval)
        self._drop_connection()
        _log.info("outbox relay stopped for %s", self.settings.service_name)

    def _log_retry(self, state: Any) -> None:
        exc = state.outcome.exception() if state.outcome else None
        kind = type(exc).__name__ if exc else "unknown"
        metrics.ERRORS.labels(self.settings.service_name, "relay", kind).inc()
        _log.warning("outbox relay pass failed (attempt %s): %s: %s", state.attempt_number, kind, exc)


def _source_of(body: str, default: str) -> str:
    """The envelope's ``source`` for the AMQP header, read without parsing the whole body again."""
    marker = '"source":"'
    start = body.find(marker)
    if start < 0:
        return default
    start += len(marker)
    end = body.find('"', start)
    return body[start:end] if end > start else default
