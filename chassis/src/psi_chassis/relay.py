"""The outbox relay: its own process, publishing committed outbox rows with publisher confirms.

Each pass claims up to ``relay_batch_size`` unpublished rows in id order with ``FOR UPDATE SKIP LOCKED`` (so
several relays can run side by side), publishes them, and marks the confirmed ones in the same transaction. A
crash after a confirm and before the commit publishes that row again on the next pass: delivery is at least
once, and every consumer deduplicates through its inbox. Rows are retried forever; the pending count and the
age of the oldest row are exported so an alert fires long before anyone notices missing stock.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from kombu import Connection, Producer
from sqlalchemy import delete, func, select, update
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_when_event_set, wait_exponential_jitter

from psi_chassis import faults, metrics
from psi_chassis.broker import connect, exchange_for_event
from psi_chassis.db import Database
from psi_chassis.messaging_tables import OUTBOX
from psi_chassis.settings import ServiceSettings
from psi_chassis.types import utcnow

_log = logging.getLogger(__name__)

GAUGE_REFRESH_SECONDS = 1.0
PURGE_EVERY_SECONDS = 600.0
PUBLISHED_RETENTION = timedelta(days=7)


class OutboxRelay:
    def __init__(self, settings: ServiceSettings, db: Database, stop: threading.Event | None = None) -> None:
        self.settings = settings
        self.db = db
        self.stop = stop or threading.Event()
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._last_gauges = 0.0
        self._last_purge = 0.0

    # -- broker -----------------------------------------------------------------------------------------------
    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            conn = connect(self.settings.amqp_url)
            conn.ensure_connection(max_retries=3)
            self._connection = conn
            self._producer = Producer(conn.channel())
        return self._producer

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception as exc:  # noqa: BLE001 - closing a dead connection may fail; we reconnect anyway
                _log.debug("closing broken connection failed: %s", exc)
        self._connection = None
        self._producer = None

    def _publish(self, row: Any) -> None:
        producer = self._ensure_producer()
        envelope = json.loads(row.body)
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
            headers={"psi-source": envelope.get("source", self.settings.service_name)},
            declare=[exchange],
            retry=True,
            retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 2},
            confirm_timeout=self.settings.relay_confirm_timeout,
        )

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
            confirmed: list[int] = []
            failure: Exception | None = None
            for row in rows:
                try:
                    self._publish(row)
                except Exception as exc:  # noqa: BLE001 - recorded on the row, then re-raised below
                    failure = exc
                    session.execute(
                        update(OUTBOX)
                        .where(OUTBOX.c.id == row.id)
                        .values(attempts=OUTBOX.c.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000])
                    )
                    break
                confirmed.append(row.id)
                metrics.MESSAGES_PUBLISHED.labels(self.settings.service_name, row.event_type).inc()
            if confirmed:
                session.execute(update(OUTBOX).where(OUTBOX.c.id.in_(confirmed)).values(published_at=utcnow()))
            faults.crash_point(self.settings.fault, faults.AFTER_PUBLISH_BEFORE_COMMIT)
            session.commit()
            published = len(confirmed)
        if failure is not None:
            raise failure
        return published

    def refresh_gauges(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_gauges < GAUGE_REFRESH_SECONDS:
            return
        self._last_gauges = now
        with self.db.unit_of_work() as session:
            count, oldest = session.execute(
                select(func.count(), func.min(OUTBOX.c.created_at)).where(OUTBOX.c.published_at.is_(None))
            ).one()
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
            result = session.execute(
                delete(OUTBOX).where(OUTBOX.c.published_at < utcnow() - PUBLISHED_RETENTION)
            )
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
