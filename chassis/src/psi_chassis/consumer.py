"""The consumer runner: its own process, one kombu consumer (on its own channel) per handler queue.

Deliveries are applied in **batches**: each queue's deliveries are collected until ``consumer_batch_size`` of
them are in hand or the first has waited ``consumer_batch_wait_ms``, then the batch is applied:

1. **Per delivery, before the database**: a delivery the broker handed out ``consumer_max_redeliveries`` times
   goes to the DLQ without its body being read; then the body is decoded and validated, and any failure (not
   UTF-8, nested too deep, not JSON, off contract, anything raised) sends it to the DLQ at once.
2. **The batch, in one transaction**: one statement claims every event in the inbox (a duplicate, also inside
   the batch, is skipped), the queue's handlers apply the new ones in delivery order (a batch handler receives
   every consecutive event of its type at once, to write set-based SQL), one commit, then **one ack**
   (``multiple=True``) for the whole batch. Nothing is acked before its commit: a crash at any point redelivers
   what was not acked, and the inbox skips what had been committed.
3. **When the batch fails**: a transient database failure (``psi_chassis.transient``) retries the same batch in
   place, in order, with backoff and heartbeats, until the database answers; anything else rolls the batch back
   and applies it again **message by message**, so one poison message is isolated: it is retried through delay
   queues and finally dead-lettered (``PoisonMessage``: at once), while the others are applied and acked.

Order: a queue is consumed by a single active consumer (declared on the queue), and a batch is applied in
delivery order, so the events of one queue are applied in the order they were published.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from kombu import Connection, Consumer, Exchange, Message, Producer, Queue
from kombu.mixins import ConsumerProducerMixin
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_when_event_set, wait_exponential_jitter

from psi_chassis import faults, metrics
from psi_chassis.broker import (
    BROKER_DELIVERY_LIMIT,
    BrokerKeepalive,
    TopologyMismatch,
    connect,
    dead_letter_queue,
    declare_queue,
    handler_queue,
    is_memory,
    read_in_chunks,
    retry_queue,
)
from psi_chassis.context import set_causation_id, set_request_id
from psi_chassis.db import Database
from psi_chassis.inbox import claim_events
from psi_chassis.message_body import MAX_JSON_NESTING, Rejected, check_nesting, load_body
from psi_chassis.service import Event, EventHandler, PoisonMessage
from psi_chassis.settings import ServiceSettings, SettingsError
from psi_chassis.transient import is_transient
from psi_chassis.types import utcnow
from psi_contracts.envelope import parse_envelope
from psi_contracts.events import decode_data
from psi_contracts.topology import dlq_name, queue_name

__all__ = [
    "ConsumerRunner",
    "PoisonMessage",
    "MAX_JSON_NESTING",
    "check_nesting",
    "is_transient",
    "load_body",
    "_Rejected",
]

_log = logging.getLogger(__name__)
_Rejected = Rejected  # the name the chassis tests know
T = TypeVar("T")

ATTEMPT_HEADER = "x-psi-attempt"
REASON_HEADER = "x-psi-dead-letter-reason"
ERROR_HEADER = "x-psi-error"


@dataclass
class _Delivery:
    """One delivery that passed decoding: the broker message, its envelope and its decoded data."""

    message: Message
    envelope: dict[str, Any]
    data: dict[str, Any]

    def event(self) -> Event:
        env = self.envelope
        return Event(
            id=env["id"],
            type=env["type"],
            source=env["source"],
            time=env["time"],
            data=self.data,
            subject=env.get("subject"),
            correlation_id=env.get("correlationid"),
            causation_id=env.get("causationid"),
            sequence=env.get("sequence"),
        )


@dataclass
class _Buffer:
    """The deliveries of one queue waiting to be applied, and when the first of them arrived."""

    messages: list[Message] = field(default_factory=list)
    since: float = 0.0

    def add(self, message: Message) -> None:
        if not self.messages:
            self.since = time.monotonic()
        self.messages.append(message)

    def take(self) -> list[Message]:
        taken, self.messages = self.messages, []
        return taken


def _header(message: Message, name: str) -> Any:
    return (message.headers or {}).get(name)


class ConsumerRunner(ConsumerProducerMixin):
    """Runs every handler of one service until ``stop`` is set (or ``should_stop``)."""

    def __init__(
        self,
        settings: ServiceSettings,
        db: Database,
        handlers: Sequence[EventHandler],
        stop: threading.Event | None = None,
    ) -> None:
        if settings.consumer_max_redeliveries >= BROKER_DELIVERY_LIMIT:
            raise SettingsError(
                f"PSI_CONSUMER_MAX_REDELIVERIES must stay below the queues' delivery limit, {BROKER_DELIVERY_LIMIT}, "
                f"got {settings.consumer_max_redeliveries}"
            )
        self.settings = settings
        self.db = db
        self.handlers = list(handlers)
        self.connection: Connection = connect(settings.amqp_url, heartbeat=settings.consumer_heartbeat_seconds)
        self._stop = stop or threading.Event()
        self._memory = is_memory(settings.amqp_url)
        self._keepalive = BrokerKeepalive()
        self._amqp: Any = None  # the transport connection kombu consumes on, once connected
        self._live: Connection | None = None  # the kombu connection of the current consume loop
        self._buffers = {handler.name: _Buffer() for handler in self.handlers}
        self._batch_size = max(1, settings.consumer_batch_size)
        self._batch_wait = max(0.0, settings.consumer_batch_wait_ms / 1000)
        self._queues = {handler.name: self.queue_for(handler) for handler in self.handlers}

    # kombu polls should_stop between drain_events calls.
    @property
    def should_stop(self) -> bool:  # type: ignore[override]
        return self._stop.is_set()

    @should_stop.setter
    def should_stop(self, value: bool) -> None:
        if value:
            self._stop.set()

    def queue_for(self, handler: EventHandler) -> str:
        return queue_name(self.settings.service_name, handler.name, prefix=self.settings.topology_prefix)

    def _handler_queue(self, handler: EventHandler) -> Queue:
        return handler_queue(
            self.settings.amqp_url,
            self.settings.topology_prefix,
            self.settings.service_name,
            handler.name,
            handler.event_types,
        )

    # -- connection and topology ----------------------------------------------------------------------------------
    @contextmanager
    def establish_connection(self) -> Iterator[Connection]:
        with super().establish_connection() as conn:
            self._live = conn
            try:
                yield conn
            finally:
                self._live = None
                for buffer in self._buffers.values():
                    buffer.take()  # unacked: the broker hands them out again, in their place

    def get_consumers(self, consumer_cls: Any, channel: Any) -> list[Consumer]:
        # Declared first: a queue left with other arguments by an older version stops the process with
        # TopologyMismatch instead of a restart loop.
        self.declare_topology(channel)
        assert self._live is not None
        # One channel per queue: a batch is acked with one `multiple` ack, which must not reach another queue's
        # deliveries (delivery tags count per channel).
        return [
            Consumer(
                self._live.channel(),
                queues=[self._handler_queue(handler)],
                on_message=partial(self._on_message, handler),
                prefetch_count=max(self.settings.consumer_prefetch, self._batch_size),
                accept=["application/json"],
            )
            for handler in self.handlers
        ]

    def declare_topology(self, channel: Any) -> None:
        """Handler queues with their bindings, their DLQs and delay queues: everything a message may need."""
        for handler in self.handlers:
            q = self._handler_queue(handler)
            for b in q.bindings:
                b.exchange.bind(channel).declare()
            # The DLQ first: the handler queue dead-letters into it.
            declare_queue(dead_letter_queue(self.settings.amqp_url, q.name), channel)
            declare_queue(q, channel)
            if not self._memory:
                for delay in self.settings.consumer_retry_delays_ms:
                    declare_queue(retry_queue(q.name, delay), channel)

    def on_connection_revived(self) -> None:
        _log.info("consumer connected for %s", self.settings.service_name)

    def on_consume_ready(self, connection: Any, channel: Any, consumers: Any, **kwargs: Any) -> None:
        self._amqp = None if self._memory else connection.connection
        if self._amqp is not None:
            read_in_chunks(self._amqp)
        _log.info("consuming %s", ", ".join(self.queue_for(h) for h in self.handlers))

    def on_connection_error(self, exc: Exception, interval: float) -> None:
        metrics.ERRORS.labels(self.settings.service_name, "consumer", type(exc).__name__).inc()
        _log.warning("broker connection error, retrying in %.1fs: %s", interval, exc)

    # -- the loop: collect, then apply a batch when it is full or has waited long enough -------------------------
    def consume(self, limit: Any = None, timeout: Any = None, safety_interval: float = 1, **kwargs: Any) -> Any:
        with self.consumer_context(**kwargs) as (conn, _channel, _consumers):
            while not self.should_stop:
                try:
                    conn.drain_events(timeout=self._time_to_next_flush(safety_interval))
                except TimeoutError:
                    conn.heartbeat_check()
                except OSError:
                    if not self.should_stop:
                        raise
                self._flush_due()
                yield

    def _time_to_next_flush(self, idle: float) -> float:
        waiting = [b.since for b in self._buffers.values() if b.messages]
        if not waiting:
            return idle
        return max(0.0005, min(waiting) + self._batch_wait - time.monotonic())

    def _on_message(self, handler: EventHandler, message: Message) -> None:
        buffer = self._buffers[handler.name]
        buffer.add(message)
        if len(buffer.messages) >= self._batch_size:
            self._flush(handler)

    def _flush_due(self) -> None:
        now = time.monotonic()
        for handler in self.handlers:
            buffer = self._buffers[handler.name]
            if buffer.messages and now - buffer.since >= self._batch_wait:
                self._flush(handler)

    def _flush(self, handler: EventHandler) -> None:
        messages = self._buffers[handler.name].take()
        deliveries = [d for d in (self._admit(handler, m) for m in messages) if d is not None]
        if deliveries:
            self._apply_and_ack_batch(handler, deliveries)

    # -- one delivery, before the database --------------------------------------------------------------------------
    def _admit(self, handler: EventHandler, message: Message) -> _Delivery | None:
        """The decoded delivery, or None when it was dead-lettered (redelivered too often, or undecodable)."""
        queue = self._queues[handler.name]
        event_type = str(message.properties.get("type") or _header(message, "type") or "unknown")
        deliveries = int(_header(message, "x-delivery-count") or 0)
        if deliveries >= self.settings.consumer_max_redeliveries:
            # Checked before the body is read: a body the process dies on must not get another try.
            self._dead_letter(message, queue, event_type, "redelivered", f"delivered {deliveries} times")
            return None
        try:
            envelope, data = self._decode(message, handler)
        except Rejected as rejected:
            self._dead_letter(message, queue, event_type, rejected.reason, str(rejected))
            return None
        return _Delivery(message, envelope, data)

    def _decode(self, message: Message, handler: EventHandler) -> tuple[dict[str, Any], dict[str, Any]]:
        body = load_body(message.body)
        try:
            envelope = parse_envelope(body)
            data = decode_data(envelope["type"], envelope["data"])
        except Exception as exc:  # noqa: BLE001 - whatever validation raises, the message is invalid
            raise Rejected("invalid", f"envelope or data invalid: {type(exc).__name__}: {exc}") from exc
        if envelope["type"] not in handler.subscriptions:
            raise Rejected("invalid", f"{envelope['type']} is not handled by {handler.name}")
        return envelope, data

    # -- a batch ------------------------------------------------------------------------------------------------------
    def _apply_and_ack_batch(self, handler: EventHandler, deliveries: list[_Delivery]) -> None:
        queue = self._queues[handler.name]
        started = time.perf_counter()
        try:
            outcomes = self._in_place(
                queue, f"a batch of {len(deliveries)}", partial(self.apply_batch, handler, queue, deliveries)
            )
        except Exception as exc:  # noqa: BLE001 - a batch that fails is applied again message by message
            if self._stop.is_set() and is_transient(exc):
                _log.warning("stopping before a batch of %d could be applied; it stays in %s", len(deliveries), queue)
                return
            if len(deliveries) == 1:
                self._handle_failure(handler, queue, deliveries[0], exc)
                return
            _log.warning(
                "a batch of %d on %s failed (%s: %s); applying it message by message",
                len(deliveries),
                queue,
                type(exc).__name__,
                str(exc).partition("\n")[0],
            )
            metrics.BATCHES_SPLIT.labels(self.settings.service_name, queue).inc()
            for delivery in deliveries:
                self._apply_and_ack_one(handler, queue, delivery)
            return
        faults.crash_point(self.settings.fault, faults.AFTER_COMMIT_BEFORE_ACK)
        self._ack(deliveries)
        self._count(queue, deliveries, outcomes, time.perf_counter() - started)

    def apply_batch(self, handler: EventHandler, queue: str, deliveries: Sequence[_Delivery]) -> list[str]:
        """Apply decoded deliveries exactly once, in one transaction; "ack" or "duplicate" per delivery."""
        with self.db.unit_of_work() as session:
            claimed = claim_events(session, queue, [(d.envelope["id"], d.envelope["type"]) for d in deliveries])
            outcomes: list[str] = []
            fresh: list[Event] = []
            for delivery in deliveries:
                event_id = delivery.envelope["id"]
                if event_id in claimed:
                    claimed.discard(event_id)  # a second delivery of it in this batch is a duplicate
                    fresh.append(delivery.event())
                    outcomes.append("ack")
                else:
                    outcomes.append("duplicate")
            if fresh:
                handler.apply(session, fresh)
            session.commit()
        return outcomes

    def apply_envelopes(self, handler: EventHandler, envelopes: Sequence[dict[str, Any]]) -> list[str]:
        """Decode ``envelopes`` as deliveries would be and apply them as one batch (tests and tools)."""
        deliveries = []
        for body in envelopes:
            envelope = parse_envelope(body)
            deliveries.append(_Delivery(None, envelope, decode_data(envelope["type"], envelope["data"])))  # type: ignore[arg-type]
        return self.apply_batch(handler, self.queue_for(handler), deliveries)

    def apply(self, handler: EventHandler, queue: str, envelope: dict[str, Any], data: dict[str, Any]) -> str:
        """Apply one decoded event exactly once (tests and tools): "ack" or "duplicate"."""
        return self.apply_batch(handler, queue, [_Delivery(None, envelope, data)])[0]  # type: ignore[arg-type]

    def _ack(self, deliveries: list[_Delivery]) -> None:
        if self._memory:
            for delivery in deliveries:  # the in-process bus ignores `multiple`
                delivery.message.ack()
        else:
            deliveries[-1].message.ack(multiple=True)

    def _count(self, queue: str, deliveries: list[_Delivery], outcomes: list[str], elapsed: float) -> None:
        service = self.settings.service_name
        metrics.BATCH_SIZE.labels(service, queue).observe(len(deliveries))
        per_delivery = elapsed / len(deliveries)
        now = utcnow()
        for delivery, outcome in zip(deliveries, outcomes, strict=True):
            event_type = delivery.envelope["type"]
            metrics.MESSAGES_CONSUMED.labels(service, queue, event_type, outcome).inc()
            metrics.HANDLER_DURATION.labels(service, queue, event_type).observe(per_delivery)
            if outcome == "ack":
                lag = (now - delivery.envelope["time"]).total_seconds()
                metrics.MESSAGE_LAG.labels(service, event_type).observe(max(lag, 0.0))

    # -- one message at a time: after a batch failed --------------------------------------------------------------
    def _apply_and_ack_one(self, handler: EventHandler, queue: str, delivery: _Delivery) -> None:
        started = time.perf_counter()
        try:
            outcomes = self._in_place(
                queue, f"event {delivery.envelope['id']}", partial(self.apply_batch, handler, queue, [delivery])
            )
        except Exception as exc:  # noqa: BLE001 - every failure is logged, counted and retried or dead-lettered
            if self._stop.is_set() and is_transient(exc):
                return  # not acked: the broker hands it out again, in its place
            self._handle_failure(handler, queue, delivery, exc)
            return
        faults.crash_point(self.settings.fault, faults.AFTER_COMMIT_BEFORE_ACK)
        delivery.message.ack()
        self._count(queue, [delivery], outcomes, time.perf_counter() - started)

    def _handle_failure(self, handler: EventHandler, queue: str, delivery: _Delivery, exc: Exception) -> None:
        event_type, event_id = delivery.envelope["type"], delivery.envelope["id"]
        if isinstance(exc, PoisonMessage):
            _log.error("handler %s rejected event %s: %s", handler.name, event_id, exc)
            self._dead_letter(delivery.message, queue, event_type, "poison", str(exc))
            return
        set_request_id(delivery.envelope.get("correlationid"))
        set_causation_id(event_id)
        try:
            _log.error("handler %s failed on event %s", handler.name, event_id, exc_info=exc)
        finally:
            set_request_id(None)
            set_causation_id(None)
        self._retry_or_dead_letter(delivery.message, queue, event_type, exc)

    # -- transient database failures: again, in place --------------------------------------------------------------
    def _in_place(self, queue: str, what: str, work: Callable[[], T]) -> T:
        """``work``, again and again while the database fails transiently, until it succeeds or we stop.

        The deliveries stay in hand (unacked, first in line) all the while, so nothing behind them overtakes
        them; the broker connection is kept alive meanwhile. Any other failure is raised at once.
        """
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            wait=wait_exponential_jitter(
                multiplier=0.1, max=self.settings.consumer_in_place_retry_max_delay, jitter=0.1
            ),
            stop=stop_when_event_set(self._stop),
            sleep=self._stop.wait,
            before_sleep=partial(self._log_in_place_retry, queue, what),
            reraise=True,
        )
        stalled = metrics.CONSUMER_STALLED_SINCE.labels(self.settings.service_name, queue)
        try:
            with self._keepalive.busy(self._amqp):
                result = retrying(work)
        finally:
            stalled.set(0)
        attempts = retrying.statistics.get("attempt_number", 1)
        if attempts > 1:
            _log.info("%s on %s applied on attempt %d, after the database came back", what, queue, attempts)
        return result

    def _log_in_place_retry(self, queue: str, what: str, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        kind = type(exc).__name__ if exc else "unknown"
        if state.attempt_number == 1:
            metrics.CONSUMER_STALLED_SINCE.labels(self.settings.service_name, queue).set(time.time())
        metrics.RETRIED_IN_PLACE.labels(self.settings.service_name, queue, kind).inc()
        wait = state.next_action.sleep if state.next_action else 0.0
        _log.warning(
            "database unavailable for %s on %s (attempt %d, %s: %s); applying it again in %.1fs",
            what,
            queue,
            state.attempt_number,
            kind,
            str(exc).partition("\n")[0],
            wait,
        )

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
        """kombu's run() survives connection errors only; anything else is logged, counted, and the loop restarts.

        A queue left with other arguments by an older version (``TopologyMismatch``) is the one exception: no
        restart can fix it, so it is logged and raised, and the process exits until the queue is migrated.
        """
        try:
            while not self._stop.is_set():
                try:
                    self.run()
                except TopologyMismatch:
                    _log.critical("cannot consume: a queue has to be migrated first", exc_info=True)
                    raise
                except Exception as exc:  # noqa: BLE001 - the consumer must outlive any single failure
                    metrics.ERRORS.labels(self.settings.service_name, "consumer", type(exc).__name__).inc()
                    _log.exception("consumer loop failed; restarting")
                    self._stop.wait(1.0)
        finally:
            self._keepalive.close()
