"""kombu connections and the PSI topology (DESIGN.md §3).

Handler queues are durable quorum queues that carry everything the broker must know about them as queue
arguments, declared by ``psi declare`` and by every consumer start (the arguments are the one source of truth;
no policy is needed, see deploy/rabbitmq/policies.sh):

* ``x-single-active-consumer``: a second consumer process on the queue is a hot standby, never a competitor, so
  the queue is applied in order;
* ``x-dead-letter-exchange ""`` and ``x-dead-letter-routing-key <queue>.dlq`` with ``x-delivery-limit``: the
  broker's own safety net. The consumer dead-letters by itself (it publishes to the DLQ with confirms, then
  acks); if it never gets that far (it dies on every delivery), RabbitMQ moves the message to the same DLQ
  after ``BROKER_DELIVERY_LIMIT`` returns instead of dropping it;
* ``x-dead-letter-strategy at-least-once`` (which needs ``x-overflow reject-publish``): that move is confirmed
  by the DLQ before the message leaves the queue, so a broker failure in between cannot lose it.

Arguments cannot change on an existing queue: declaring a queue that exists with other arguments fails with
``TopologyMismatch`` (deploy/README.md says how to migrate). Delay queues for retries are classic queues whose
TTL dead-letters the message back to its handler queue through the default exchange. On the in-process
``memory://`` bus none of this exists and queues are declared without arguments.
"""

from __future__ import annotations

import errno
import functools
import logging
import threading
import types
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from kombu import Connection, Exchange, Queue, binding

from psi_contracts.topology import dlq_name, exchange_name, producer_of, queue_name, retry_queue_name

_log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 5
#: Returns of one message to its handler queue after which RabbitMQ dead-letters it to ``<queue>.dlq``. It is part
#: of the queue's arguments (changing it means re-creating the queue) and stays above the consumer's own limit,
#: ``PSI_CONSUMER_MAX_REDELIVERIES`` (10 by default), so the broker acts only when the consumer cannot.
BROKER_DELIVERY_LIMIT = 20
MIGRATION_HELP = "deploy/README.md#upgrading-handler-queues-to-their-arguments"


class TopologyMismatch(RuntimeError):
    """A queue exists with other arguments than this version declares: it must be migrated, not guessed at."""


def is_memory(url: str) -> bool:
    return url.startswith("memory://")


def connect(url: str, heartbeat: int = HEARTBEAT_SECONDS) -> Connection:
    """A connection with publisher confirms, a connect timeout and heartbeats (none of which apply in memory)."""
    if is_memory(url):
        return Connection(url)
    return Connection(
        url,
        heartbeat=heartbeat,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        transport_options={"confirm_publish": True, "max_retries": 3},
    )


def check_broker(url: str) -> None:
    """Raise unless the broker accepts a connection within the connect timeout (used by /health)."""
    if is_memory(url):
        return
    with connect(url) as conn:
        conn.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT_SECONDS)


@functools.cache
def event_exchange(producer: str, prefix: str) -> Exchange:
    """The producer's topic exchange (one object per name: the relay publishes to it for every event)."""
    return Exchange(exchange_name(producer, prefix=prefix), type="topic", durable=True)


@functools.cache
def exchange_for_event(event_type: str, prefix: str) -> Exchange:
    return event_exchange(producer_of(event_type), prefix)


def _quorum(url: str) -> dict[str, Any]:
    return {} if is_memory(url) else {"x-queue-type": "quorum"}


def handler_queue_arguments(url: str, queue: str) -> dict[str, Any]:
    """The arguments of a handler queue (see the module docstring); none on the in-process bus."""
    if is_memory(url):
        return {}
    return {
        "x-queue-type": "quorum",
        "x-single-active-consumer": True,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dlq_name(queue),
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
        "x-delivery-limit": BROKER_DELIVERY_LIMIT,
    }


def handler_queue(url: str, prefix: str, service: str, handler: str, event_types: Iterable[str]) -> Queue:
    """The durable queue of one handler, bound to each event type on its producer's exchange."""
    bindings = [binding(exchange_for_event(et, prefix), routing_key=et) for et in sorted(set(event_types))]
    name = queue_name(service, handler, prefix=prefix)
    return Queue(name, bindings=bindings, durable=True, queue_arguments=handler_queue_arguments(url, name))


def dead_letter_queue(url: str, queue: str) -> Queue:
    return Queue(
        dlq_name(queue), exchange=Exchange(""), routing_key=dlq_name(queue), durable=True, queue_arguments=_quorum(url)
    )


def retry_queue(queue: str, delay_ms: int) -> Queue:
    """A delay queue: messages wait ``delay_ms`` then return to ``queue`` through the default exchange."""
    return Queue(
        retry_queue_name(queue, delay_ms),
        exchange=Exchange(""),
        routing_key=retry_queue_name(queue, delay_ms),
        durable=True,
        queue_arguments={
            "x-queue-type": "classic",
            "x-message-ttl": delay_ms,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": queue,
        },
    )


def declare_queue(queue: Queue, channel: Any) -> None:
    """Declare ``queue``; a queue that exists with other arguments raises ``TopologyMismatch`` (AMQP 406)."""
    try:
        queue.bind(channel).declare()
    except Exception as exc:
        if getattr(exc, "reply_code", None) != 406:
            raise
        raise TopologyMismatch(
            f"the broker refused to declare queue {queue.name} with {queue.queue_arguments}: {exc}. A queue "
            f"declared by an older version keeps its old arguments; migrate it as {MIGRATION_HELP} describes."
        ) from exc


class BrokerKeepalive:
    """Heartbeats for the consumer's connection while its one thread is busy in the database.

    py-amqp has no heartbeat thread: kombu's consumer loop sends heartbeats between deliveries, so a delivery
    that takes longer than the negotiated timeout (a database outage retried in place, a long lock wait) would
    make RabbitMQ close the connection and hand every unacked delivery out again. While the consumer thread is
    inside ``busy()`` it does not touch the connection, so this thread may write heartbeat frames on it; the lock
    makes leaving ``busy()`` wait for a frame being written, so the two threads never write at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connection: Any = None
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    @contextmanager
    def busy(self, connection: Any) -> Iterator[None]:
        """Keep ``connection`` (a py-amqp connection, or None on the in-process bus) alive for the block."""
        heartbeat = getattr(connection, "heartbeat", None) or 0
        if not heartbeat or not hasattr(connection, "send_heartbeat"):
            yield
            return
        self._start(max(heartbeat / 3, 0.5))
        with self._lock:
            self._connection = connection
        try:
            yield
        finally:
            with self._lock:
                self._connection = None

    def _start(self, interval: float) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._closed = threading.Event()  # a runner started again after close() gets a new thread
            self._thread = threading.Thread(target=self._beat, args=(interval,), name="amqp-keepalive", daemon=True)
            self._thread.start()

    def _beat(self, interval: float) -> None:
        closed = self._closed
        while not closed.wait(interval):
            with self._lock:
                if self._connection is None:
                    continue
                try:
                    self._connection.send_heartbeat()
                except Exception as exc:  # noqa: BLE001 - the consumer thread meets the broken connection itself
                    _log.debug("heartbeat not sent: %s", exc)

    def close(self) -> None:
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


#: How much a consumer's socket read asks for at once (py-amqp asks for exactly the bytes of the frame part it
#: needs: three reads per frame, three frames per message, so nine system calls per delivery).
READ_CHUNK_BYTES = 16 * 1024


def read_in_chunks(amqp_connection: Any) -> None:
    """Make a py-amqp connection read its socket in chunks of up to ``READ_CHUNK_BYTES``.

    py-amqp's ``TCPTransport._read`` already keeps what it read beyond a frame in ``_read_buffer`` for the next
    call; it just never asks for more than the bytes it needs now. This replaces that one method on this one
    transport with the same loop asking for a chunk: a prefetched stream of deliveries then costs one system
    call per chunk instead of nine per message. Everything else (timeouts, the buffer kept on a timeout) is
    py-amqp's. Measured in docs/benchmarks.md; pinned py-amqp 5.4.2.
    """
    transport = getattr(amqp_connection, "transport", None)
    if transport is None or not hasattr(transport, "_quick_recv") or not hasattr(transport, "_read_buffer"):
        return  # not a plain TCP transport (SSL, the in-process bus): leave it as it is
    transport._read = types.MethodType(_chunked_read, transport)


def _chunked_read(
    self: Any, n: int, initial: bool = False, _errnos: tuple[int, ...] = (errno.EAGAIN, errno.EINTR)
) -> bytes:
    """py-amqp 5.4.2's ``TCPTransport._read``, asking the socket for a chunk rather than the exact remainder."""
    recv = self._quick_recv
    rbuf = self._read_buffer
    try:
        while len(rbuf) < n:
            try:
                s = recv(max(n - len(rbuf), READ_CHUNK_BYTES))
            except OSError as exc:
                if exc.errno in _errnos:
                    if initial and self.raise_on_initial_eintr:
                        raise TimeoutError() from None
                    continue
                raise
            if not s:
                raise OSError("Server unexpectedly closed connection")
            rbuf += s
    except:  # noqa: E722 - exactly py-amqp's contract: keep what was read, re-raise anything
        self._read_buffer = rbuf
        raise
    result, self._read_buffer = rbuf[:n], rbuf[n:]
    return result
