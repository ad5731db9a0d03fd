"""The consumer runner: its own process, one kombu consumer per handler queue.

For each delivery: decode and validate (failures go straight to the DLQ), then in one transaction claim the event
in the inbox and apply the handler, commit, and only then ack. A duplicate is acked and skipped. A handler that
raises is retried through delay queues with backoff; after ``consumer_max_attempts`` the message goes to the DLQ
and the queue keeps flowing. A message redelivered too many times (the process died on it again and again) is
dead-lettered too, so one poison message cannot crash-loop a consumer.

Retries are counted in our own ``x-psi-attempt`` header rather than in ``x-death``: the header is written by us
when the copy is scheduled, works the same on the in-process bus, and does not depend on how a broker version
reports deaths.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from functools import partial
from typing import Any

from kombu import Connection, Consumer, Exchange, Message, Producer, Queue
from kombu.mixins import ConsumerProducerMixin
from marshmallow import ValidationError

from psi_chassis import faults, metrics
from psi_chassis.broker import connect, dead_letter_queue, handler_queue, is_memory, retry_queue
from psi_chassis.context import set_causation_id, set_request_id
from psi_chassis.db import Database
from psi_chassis.inbox import claim_event
from psi_chassis.service import Event, EventHandler
from psi_chassis.settings import ServiceSettings
from psi_chassis.types import utcnow
from psi_contracts.envelope import parse_envelope
from psi_contracts.events import UnknownEventType, decode_data
from psi_contracts.topology import dlq_name, queue_name

_log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-psi-attempt"
REASON_HEADER = "x-psi-dead-letter-reason"
ERROR_HEADER = "x-psi-error"


class PoisonMessage(Exception):
    """Raised by a handler when retrying cannot help (the event contradicts this service's data for good)."""


class _Rejected(Exception):
    """A delivery that must go to the DLQ without touching the database."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def _to_event(envelope: dict[str, Any], data: dict[str, Any]) -> Event:
    return Event(
        id=envelope["id"],
        type=envelope["type"],
        source=envelope["source"],
        time=envelope["time"],
        data=data,
        subject=envelope.get("subject"),
        correlation_id=envelope.get("correlationid"),
        causation_id=envelope.get("causationid"),
        sequence=envelope.get("sequence"),
    )


class ConsumerRunner(ConsumerProducerMixin):
    """Runs every handler of one service until ``stop`` is set (or ``should_stop``)."""

    def __init__(
        self,
        settings: ServiceSettings,
        db: Database,
        handlers: Sequence[EventHandler],
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.handlers = list(handlers)
        self.connection: Connection = connect(settings.amqp_url)
        self._stop = stop or threading.Event()
        self._memory = is_memory(settings.amqp_url)

    # kombu polls should_stop between drain_events calls (at most every second).
    @property
    def should_stop(self) -> bool:  # type: ignore[override]
        return self._stop.is_set()

    @should_stop.setter
    def should_stop(self, value: bool) -> None:
        if value:
            self._stop.set()

    def queue_for(self, handler: EventHandler) -> str:
        return queue_name(self.settings.service_name, handler.name, prefix=self.settings.topology_prefix)

    # -- topology -------------------------------------------------------------------------------------------------
    def get_consumers(self, consumer_cls: Any, channel: Any) -> list[Consumer]:
        consumers = []
        for handler in self.handlers:
            queue = handler_queue(
                self.settings.amqp_url,
                self.settings.topology_prefix,
                self.settings.service_name,
                handler.name,
                handler.event_types,
            )
            consumers.append(
                consumer_cls(
                    queues=[queue],
                    on_message=partial(self._on_message, handler),
                    prefetch_count=self.settings.consumer_prefetch,
                    accept=["application/json"],
                )
            )
        return consumers

    def declare_topology(self, channel: Any) -> None:
        """Handler queues with their bindings, their DLQs and delay queues: everything a message may need."""
        for handler in self.handlers:
            q = handler_queue(
                self.settings.amqp_url,
                self.settings.topology_prefix,
                self.settings.service_name,
                handler.name,
                handler.event_types,
            )
            for b in q.bindings:
                b.exchange.bind(channel).declare()
            q.bind(channel).declare()
            dead_letter_queue(self.settings.amqp_url, q.name).bind(channel).declare()
            if not self._memory:
                for delay in self.settings.consumer_retry_delays_ms:
                    retry_queue(q.name, delay).bind(channel).declare()

    def on_connection_revived(self) -> None:
        _log.info("consumer connected for %s", self.settings.service_name)

    def on_consume_ready(self, connection: Any, channel: Any, consumers: Any, **kwargs: Any) -> None:
        self.declare_topology(channel)
        _log.info("consuming %s", ", ".join(self.queue_for(h) for h in self.handlers))

    def on_connection_error(self, exc: Exception, interval: float) -> None:
        metrics.ERRORS.labels(self.settings.service_name, "consumer", type(exc).__name__).inc()
        _log.warning("broker connection error, retrying in %.1fs: %s", interval, exc)

    # -- one delivery ----------------------------------------------------------------------------------------------
    def _decode(self, message: Message, handler: EventHandler) -> tuple[dict[str, Any], dict[str, Any]]:
        try:
            body = json.loads(message.body)
        except (ValueError, TypeError) as exc:
            raise _Rejected("undecodable", f"body is not JSON: {exc}") from exc
        try:
            envelope = parse_envelope(body)
            data = decode_data(envelope["type"], envelope["data"])
        except (ValidationError, UnknownEventType, KeyError, TypeError) as exc:
            raise _Rejected("invalid", f"envelope or data invalid: {exc}") from exc
        if envelope["type"] not in handler.event_types:
            raise _Rejected("invalid", f"{envelope['type']} is not handled by {handler.name}")
        return envelope, data

    def _on_message(self, handler: EventHandler, message: Message) -> None:
        queue = self.queue_for(handler)
        started = time.perf_counter()
        event_type = str(message.properties.get("type") or message.headers.get("type") or "unknown")
        try:
            envelope, data = self._decode(message, handler)
        except _Rejected as rejected:
            self._dead_letter(message, queue, event_type, rejected.reason, str(rejected))
            return
        event_type = envelope["type"]
        headers = message.headers or {}
        deliveries = int(headers.get("x-delivery-count") or 0)
        if deliveries >= self.settings.consumer_max_redeliveries:
            self._dead_letter(message, queue, event_type, "redelivered", f"delivered {deliveries} times")
            return
        set_request_id(envelope.get("correlationid"))
        set_causation_id(envelope["id"])
        try:
            try:
                outcome = self.apply(handler, queue, envelope, data)
            except PoisonMessage as exc:
                _log.error("handler %s rejected event %s: %s", handler.name, envelope["id"], exc)
                self._dead_letter(message, queue, event_type, "poison", str(exc))
                return
            except Exception as exc:  # noqa: BLE001 - every failure is logged, counted and retried or dead-lettered
                _log.exception("handler %s failed on event %s", handler.name, envelope["id"])
                self._retry_or_dead_letter(message, queue, event_type, exc)
                return
            faults.crash_point(self.settings.fault, faults.AFTER_COMMIT_BEFORE_ACK)
            message.ack()
            metrics.MESSAGES_CONSUMED.labels(self.settings.service_name, queue, event_type, outcome).inc()
            metrics.HANDLER_DURATION.labels(self.settings.service_name, queue, event_type).observe(
                time.perf_counter() - started
            )
            if outcome == "ack":
                lag = (utcnow() - envelope["time"]).total_seconds()
                metrics.MESSAGE_LAG.labels(self.settings.service_name, event_type).observe(max(lag, 0.0))
        finally:
            set_request_id(None)
            set_causation_id(None)

    def apply(self, handler: EventHandler, queue: str, envelope: dict[str, Any], data: dict[str, Any]) -> str:
        """Apply one decoded event exactly once: inbox claim and handler in one transaction; "ack" or "duplicate"."""
        with self.db.unit_of_work() as session:
            if not claim_event(session, queue, envelope["id"], envelope["type"]):
                session.rollback()
                return "duplicate"
            handler.handle(session, _to_event(envelope, data))
            session.commit()
        return "ack"

    # -- retry and dead letter -----------------------------------------------------------------------------------
    def _republish(self, message: Message, routing_key: str, headers: dict[str, Any], declare: list[Queue]) -> None:
        producer: Producer = self.producer
        producer.publish(
            message.body,
            exchange=Exchange(""),
            routing_key=routing_key,
            content_type=message.content_type or "application/json",
            content_encoding=message.content_encoding or "utf-8",
            headers=headers,
            message_id=message.properties.get("message_id"),
            correlation_id=message.properties.get("correlation_id"),
            type=message.properties.get("type"),
            delivery_mode=2,
            declare=declare,
            retry=True,
            retry_policy={"max_retries": 5, "interval_start": 0.2, "interval_step": 0.5, "interval_max": 3},
        )

    def _retry_or_dead_letter(self, message: Message, queue: str, event_type: str, exc: Exception) -> None:
        headers = dict(message.headers or {})
        attempt = int(headers.get(ATTEMPT_HEADER) or 1)
        error = f"{type(exc).__name__}: {exc}"[:1000]
        if attempt >= self.settings.consumer_max_attempts:
            self._dead_letter(message, queue, event_type, "exhausted", error)
            return
        delays = self.settings.consumer_retry_delays_ms
        delay = delays[min(attempt - 1, len(delays) - 1)]
        headers.update({ATTEMPT_HEADER: attempt + 1, ERROR_HEADER: error})
        headers.pop("x-death", None)
        if self._memory:
            # The in-process bus has no TTL or dead-lettering: back off briefly here, then requeue directly.
            self._stop.wait(min(delay / 1000, 0.5))
            self._republish(message, queue, headers, [])
        else:
            rq = retry_queue(queue, delay)
            self._republish(message, rq.name, headers, [rq])
        message.ack()
        metrics.MESSAGES_CONSUMED.labels(self.settings.service_name, queue, event_type, "retry").inc()

    def _dead_letter(self, message: Message, queue: str, event_type: str, reason: str, detail: str) -> None:
        _log.error("dead-lettering delivery from %s (%s): %s", queue, reason, detail)
        headers = dict(message.headers or {})
        headers.update({REASON_HEADER: reason, ERROR_HEADER: detail[:1000], "x-psi-original-queue": queue})
        headers.pop("x-death", None)
        self._republish(message, dlq_name(queue), headers, [dead_letter_queue(self.settings.amqp_url, queue)])
        message.ack()
        metrics.DEAD_LETTERED.labels(self.settings.service_name, queue, reason).inc()
        metrics.MESSAGES_CONSUMED.labels(self.settings.service_name, queue, event_type, "dead_letter").inc()

    def run_until_stopped(self) -> None:
        """kombu's run() survives connection errors only; anything else is logged, counted, and the loop restarts."""
        while not self._stop.is_set():
            try:
                self.run()
            except Exception as exc:  # noqa: BLE001 - the consumer must outlive any single failure
                metrics.ERRORS.labels(self.settings.service_name, "consumer", type(exc).__name__).inc()
                _log.exception("consumer loop failed; restarting")
                self._stop.wait(1.0)
