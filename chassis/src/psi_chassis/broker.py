"""kombu connections and the PSI topology (DESIGN.md §3).

Main queues are durable quorum queues and declare nothing but their type: dead-lettering is done by the consumer
itself (it publishes to the DLQ with confirms, then acks), and any broker-side safety net is a policy
(deploy/rabbitmq/policies.sh), because x-arguments cannot be changed on an existing queue. Delay queues for retries
are classic queues whose TTL dead-letters the message back to its handler queue through the default exchange.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kombu import Connection, Exchange, Queue, binding

from psi_contracts.topology import dlq_name, exchange_name, producer_of, queue_name, retry_queue_name

HEARTBEAT_SECONDS = 30
CONNECT_TIMEOUT_SECONDS = 5


def is_memory(url: str) -> bool:
    return url.startswith("memory://")


def connect(url: str) -> Connection:
    """A connection with publisher confirms, a connect timeout and heartbeats (none of which apply in memory)."""
    if is_memory(url):
        return Connection(url)
    return Connection(
        url,
        heartbeat=HEARTBEAT_SECONDS,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        transport_options={"confirm_publish": True, "max_retries": 3},
    )


def check_broker(url: str) -> None:
    """Raise unless the broker accepts a connection within the connect timeout (used by /health)."""
    if is_memory(url):
        return
    with connect(url) as conn:
        conn.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT_SECONDS)


def event_exchange(producer: str, prefix: str) -> Exchange:
    return Exchange(exchange_name(producer, prefix=prefix), type="topic", durable=True)


def exchange_for_event(event_type: str, prefix: str) -> Exchange:
    return event_exchange(producer_of(event_type), prefix)


def _quorum(url: str) -> dict[str, Any]:
    return {} if is_memory(url) else {"x-queue-type": "quorum"}


def handler_queue(url: str, prefix: str, service: str, handler: str, event_types: Iterable[str]) -> Queue:
    """The durable queue of one handler, bound to each event type on its producer's exchange."""
    bindings = [binding(exchange_for_event(et, prefix), routing_key=et) for et in sorted(set(event_types))]
    return Queue(
        queue_name(service, handler, prefix=prefix),
        bindings=bindings,
        durable=True,
        queue_arguments=_quorum(url),
    )


def dead_letter_queue(url: str, queue: str) -> Queue:
    return Queue(dlq_name(queue), exchange=Exchange(""), routing_key=dlq_name(queue), durable=True,
                 queue_arguments=_quorum(url))


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
