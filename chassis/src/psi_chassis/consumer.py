"""The consumer runner: its own process, one kombu consumer per handler queue.

For each delivery, in this order:

1. **Redelivery guard**, before anything reads the body: a message the broker has handed out
   ``consumer_max_redeliveries`` times without an ack (the process died on it each time) goes to the DLQ.
2. **Decode and validate.** A body nested deeper than ``MAX_JSON_NESTING`` is refused before ``json.loads``
   sees it; any failure while decoding or validating (not JSON, not UTF-8, a contract violation, even a
   ``RecursionError``) sends the message to the DLQ at once, with the reason in a header.
3. **Apply**, in one transaction: claim the event in the inbox and run the handler, commit, and only then ack.
   A duplicate is acked and skipped. What happens when it fails depends on why:

   * a **transient database failure** (connection lost, the server shutting down, a deadlock or serialization
     failure, a lock or statement timeout, out of connections) is retried **in place**: the same delivery is
     applied again, with backoff, until the database answers, so the messages behind it never overtake it.
     Meanwhile a helper thread keeps the broker connection alive with heartbeats;
   * ``PoisonMessage`` (the handler says retrying cannot help) sends it to the DLQ at once;
   * anything else (a bug, a constraint the data breaks) is retried through delay queues with backoff; after
     ``consumer_max_attempts`` the message goes to the DLQ and the queue keeps flowing. That retry lets the
     messages behind it go first (docs/architecture.md says what that means for order).

The loop never dies on one message. Retries through delay queues are counted in our own ``x-psi-attempt``
header rather than in ``x-death``: the header is written by us when the copy is scheduled, works the same on the
in-process bus, and does not depend on how a broker version reports deaths.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

import psycopg
from kombu import Connection, Consumer, Exchange, Message, Producer, Queue
from kombu.mixins import ConsumerProducerMixin
from sqlalchemy import exc as sa_exc
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
    retry_queue,
)
from psi_chassis.context import set_causation_id, set_request_id
from psi_chassis.db import Database
from psi_chassis.inbox import claim_event
from psi_chassis.service import Event, EventHandler
from psi_chassis.settings import ServiceSettings, SettingsError
from psi_chassis.types import utcnow
from psi_contracts.envelope import parse_envelope
from psi_contracts.events import decode_data
from psi_contracts.topology import dlq_name, queue_name

_log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-psi-attempt"
REASON_HEADER = "x-psi-dead-letter-reason"
ERROR_HEADER = "x-psi-error"
#: The deepest nesting a message may have. A PSI envelope is four levels deep (envelope, data, lines, a line);
#: anything far deeper is not ours, and Python's json raises RecursionError somewhere past 900 levels.
MAX_JSON_NESTING = 32


class PoisonMessage(Exception):
    """Raised by a handler when retrying cannot help (the event contradicts this service's data for good)."""


class _Rejected(Exception):
    """A delivery that must go to the DLQ without touching the database."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


# -- what a delivery looks like before it is applied ---------------------------------------------------------------
# An escape pair (so an escaped quote is never taken for the end of a string), a quote, or a bracket: one regex
# step each, never backtracking, so the scan is linear in the size of the body whatever it holds.
_JSON_STRUCTURE = re.compile(r'\\.|["\[\]{}]', re.DOTALL)


def check_nesting(text: str, limit: int = MAX_JSON_NESTING) -> None:
    """Refuse a JSON text whose arrays and objects nest deeper than ``limit``, without parsing it.

    ``json.loads`` recurses once per level and raises ``RecursionError`` on a body nested 100,000 deep; this
    linear scan stops at the first bracket past the limit. Brackets inside strings do not count. A text that
    is not JSON at all may pass; ``json.loads`` refuses it next.
    """
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    in_string = False
    for match in _JSON_STRUCTURE.finditer(text):
        token = match.group()
        if token == '"':
            in_string = not in_string
        elif in_string or len(token) == 2:
            continue
        elif token in "[{":
            depth += 1
            if depth > limit:
                raise _Rejected("undecodable", f"body is nested deeper than {limit} levels")
        else:
            depth -= 1


def load_body(body: bytes | str) -> Any:
    """The JSON value of a message body: UTF-8, nested at most ``MAX_JSON_NESTING`` levels, then parsed."""
    try:
        text = body if isinstance(body, str) else bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Rejected("undecodable", f"body is not UTF-8: {exc}") from exc
    check_nesting(text)
    try:
        return json.loads(text)
    except Exception as exc:  # noqa: BLE001 - whatever the parser raises, the body is undecodable
        raise _Rejected("undecodable", f"body is not JSON: {type(exc).__name__}: {exc}") from exc


# -- which failures are the database's, not the message's ----------------------------------------------------------
# SQLSTATE classes and codes that say "the database could not do it now", never "this message is wrong":
# 08 connection exception, 53 insufficient resources (disk full, out of memory, too many connections),
# 58 system error; 40001 serialization failure, 40P01 deadlock, 40003 statement completion unknown,
# 55P03 lock not available (lock_timeout), 57014 query cancelled (statement_timeout), 57P01-57P03 and 57P05
# the server terminating the session (pg_terminate_backend, shutdown, crash recovery, idle timeout).
_TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53", "58"})
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "40003", "55P03", "57014", "57P01", "57P02", "57P03", "57P05"})


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it was raised from, so a handler that wraps a database error is still understood."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _transient_driver_error(error: BaseException) -> bool:
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES or sqlstate in _TRANSIENT_SQLSTATES
    if isinstance(error, psycopg.OperationalError):
        return True  # no SQLSTATE: the client lost or never got a connection ("server closed the connection")
    if isinstance(error, sqlite3.OperationalError):
        return "locked" in str(error) or "busy" in str(error)
    return False


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` says the database could not apply the event now, and the same event will apply later.

    Such a failure is retried in place. A failure of the event itself (bad data, a broken constraint, a bug)
    is not transient: retrying it in place would hold the queue for ever.
    """
    for error in _causes(exc):
        if isinstance(error, sa_exc.DBAPIError):
            if error.connection_invalidated or _transient_driver_error(error.orig):
                return True
        elif isinstance(error, (sa_exc.DisconnectionError, sa_exc.TimeoutError)):
            return True  # a connection the pool found dead, or no connection free within the pool timeout
        elif _transient_driver_error(error):
            return True
    return False


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

    def _handler_queue(self, handler: EventHandler) -> Queue:
        return handler_queue(self.settings.amqp_url, self.settings.topology_prefix, self.settings.service_name,
                             handler.name, handler.event_types)

    # -- topology -------------------------------------------------------------------------------------------------
    def get_consumers(self, consumer_cls: Any, channel: Any) -> list[Consumer]:
        # Declared here, before kombu's consumers declare their queue again: a queue left with other arguments by
        # an older version stops the process with TopologyMismatch instead of a restart loop.
        self.declare_topology(channel)
        return [
            consumer_cls(
                queues=[self._handler_queue(handler)],
                on_message=partial(self._on_message, handler),
                prefetch_count=self.settings.consumer_prefetch,
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
        _log.info("consuming %s", ", ".join(self.queue_for(h) for h in self.handlers))

    def on_connection_error(self, exc: Exception, interval: float) -> None:
        metrics.ERRORS.labels(self.settings.service_name, "consumer", type(exc).__name__).inc()
        _log.warning("broker connection error, retrying in %.1fs: %s", interval, exc)

    # -- one delivery ----------------------------------------------------------------------------------------------
    def _decode(self, message: Message, handler: EventHandler) -> tuple[dict[str, Any], dict[str, Any]]:
        body = load_body(message.body)
        try:
            envelope = parse_envelope(body)
            data = decode_data(envelope["type"], envelope["data"])
        except Exception as exc:  # noqa: BLE001 - whatever validation raises, the message is invalid
            raise _Rejected("invalid", f"envelope or data invalid: {type(exc).__name__}: {exc}") from exc
        if envelope["type"] not in handler.event_types:
            raise _Rejected("invalid", f"{envelope['type']} is not handled by {handler.name}")
        return envelope, data

    def _on_message(self, handler: EventHandler, message: Message) -> None:
        queue = self.queue_for(handler)
        event_type = str(message.properties.get("type") or _header(message, "type") or "unknown")
        deliveries = int(_header(message, "x-delivery-count") or 0)
        if deliveries >= self.settings.consumer_max_redeliveries:
            # Checked before the body is read: a body the process dies on must not get another try.
            self._dead_letter(message, queue, event_type, "redelivered", f"delivered {deliveries} times")
            return
        try:
            envelope, data = self._decode(message, handler)
        except _Rejected as rejected:
            self._dead_letter(message, queue, event_type, rejected.reason, str(rejected))
            return
        set_request_id(envelope.get("correlationid"))
        set_causation_id(envelope["id"])
        try:
            self._apply_and_ack(handler, queue, message, envelope, data)
        finally:
            set_request_id(None)
            set_causation_id(None)

    def _apply_and_ack(self, handler: EventHandler, queue: str, message: Message, envelope: dict[str, Any],
                       data: dict[str, Any]) -> None:
        started = time.perf_counter()
        event_type = envelope["type"]
        try:
            outcome = self._apply_in_place(handler, queue, envelope, data)
        except PoisonMessage as exc:
            _log.error("handler %s rejected event %s: %s", handler.name, envelope["id"], exc)
            self._dead_letter(message, queue, event_type, "poison", str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - every failure is logged, counted and retried or dead-lettered
            if self._stop.is_set() and is_transient(exc):
                # Not acked: the broker hands it out again, in its place, to the next consumer.
                _log.warning("stopping before event %s could be applied; it stays in %s", envelope["id"], queue)
                return
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

    def _apply_in_place(self, handler: EventHandler, queue: str, envelope: dict[str, Any],
                        data: dict[str, Any]) -> str:
        """``apply``, again and again while the database fails transiently, until it succeeds or we stop.

        The delivery stays in hand (unacked, first in line) all the while, so nothing behind it overtakes it;
        the broker connection is kept alive meanwhile. Any other failure is raised at once.
        """
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            wait=wait_exponential_jitter(multiplier=0.1, max=self.settings.consumer_in_place_retry_max_delay,
                                         jitter=0.1),
            stop=stop_when_event_set(self._stop),
            sleep=self._stop.wait,
            before_sleep=partial(self._log_in_place_retry, queue, envelope),
            reraise=True,
        )
        stalled = metrics.CONSUMER_STALLED_SINCE.labels(self.settings.service_name, queue)
        try:
            with self._keepalive.busy(self._amqp):
                outcome = retrying(self.apply, handler, queue, envelope, data)
        finally:
            stalled.set(0)
        attempts = retrying.statistics.get("attempt_number", 1)
        if attempts > 1:
            _log.info("event %s on %s applied on attempt %d, after the database came back (%s)",
                      envelope["id"], queue, attempts, outcome)
        return outcome

    def _log_in_place_retry(self, queue: str, envelope: dict[str, Any], state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        kind = type(exc).__name__ if exc else "unknown"
        if state.attempt_number == 1:
            metrics.CONSUMER_STALLED_SINCE.labels(self.settings.service_name, queue).set(time.time())
        metrics.RETRIED_IN_PLACE.labels(self.settings.service_name, queue, kind).inc()
        wait = state.next_action.sleep if state.next_action else 0.0
        _log.warning("database unavailable for event %s on %s (attempt %d, %s: %s); applying it again in %.1fs",
                     envelope["id"], queue, state.attempt_number, kind, str(exc).partition("\n")[0], wait)

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
