"""Names of the RabbitMQ topology (DESIGN.md §3), and nothing else.

Only names live here, no kombu: producers, consumers, the relay, deployment policies and tests must agree on
them, and a string function is the one thing they can all import without pulling in a broker client.

* one durable topic exchange per producer: ``psi.<producer>.events``, routing key = event type;
* event type ``<producer>.<EventName>.v<major>``, e.g. ``sales.OrderShipped.v1``;
* one queue per consumer handler: ``psi.<consumer>.<handler>``, e.g. ``psi.inventory.on_goods_received``;
* its dead-letter queue ``<queue>.dlq`` and its delay (retry) queues ``<queue>.retry.<delay_ms>``.

The ``prefix`` (``psi`` by default) lets several isolated stacks, e.g. parallel test runs, share one broker.
"""

from __future__ import annotations

import re

__all__ = [
    "DEFAULT_PREFIX",
    "EVENT_TYPE_PATTERN",
    "exchange_name",
    "producer_of",
    "queue_name",
    "dlq_name",
    "retry_queue_name",
    "validate_event_type",
]

DEFAULT_PREFIX = "psi"

EVENT_TYPE_PATTERN = re.compile(r"^[a-z]+\.[A-Z][A-Za-z]+\.v[0-9]+\Z")
"""``<producer>.<EventName>.v<major>``: lower-case producer, PascalCase event name, integer major version."""

# A single dot-free segment of a name (producer, consumer service, handler). Dots separate segments, so a dot
# inside one would make names ambiguous (``psi.a.b.c``: consumer ``a.b`` or handler ``b.c``?).
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+\Z")
# The prefix may itself be dotted (``acme.psi``) since it is always the leading part.
_PREFIX = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\Z")


def _segment(kind: str, value: str) -> str:
    if not isinstance(value, str) or not _SEGMENT.match(value):
        raise ValueError(f"invalid {kind} {value!r}: use letters, digits, '_' or '-' (no dots, not empty)")
    return value


def _prefix(value: str) -> str:
    if not isinstance(value, str) or not _PREFIX.match(value):
        raise ValueError(f"invalid topology prefix {value!r}")
    return value


def validate_event_type(event_type: str) -> str:
    """Return ``event_type`` if it reads ``<producer>.<EventName>.v<major>``, else raise ``ValueError``.

    The event type is also the routing key, so a malformed one would be published to an exchange nobody binds.
    """
    if not isinstance(event_type, str) or not EVENT_TYPE_PATTERN.match(event_type):
        raise ValueError(
            f"invalid event type {event_type!r}: expected <producer>.<EventName>.v<major>, e.g. 'sales.OrderShipped.v1'"
        )
    return event_type


def producer_of(event_type: str) -> str:
    """The producing service of an event type: ``"purchasing.GoodsReceived.v1"`` -> ``"purchasing"``.

    It picks the exchange an event is published to and a consumer binds to.
    """
    return validate_event_type(event_type).split(".", 1)[0]


def exchange_name(producer: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The producer's durable topic exchange: ``exchange_name("purchasing")`` -> ``"psi.purchasing.events"``.

    One exchange per producer keeps ownership obvious: only purchasing publishes to ``psi.purchasing.events``.
    """
    return f"{_prefix(prefix)}.{_segment('producer', producer)}.events"


def queue_name(consumer: str, handler: str, prefix: str = DEFAULT_PREFIX) -> str:
    """One queue per consumer handler: ``queue_name("inventory", "on_goods_received")`` ->
    ``"psi.inventory.on_goods_received"``.

    One queue per handler (not per service) lets each handler be retried, dead-lettered, scaled and replayed
    on its own.
    """
    return f"{_prefix(prefix)}.{_segment('consumer', consumer)}.{_segment('handler', handler)}"


def dlq_name(queue: str) -> str:
    """The dead-letter queue of ``queue``: ``"psi.inventory.on_goods_received.dlq"``."""
    if not queue:
        raise ValueError("queue name must not be empty")
    return f"{queue}.dlq"


def retry_queue_name(queue: str, delay_ms: int) -> str:
    """The delay queue that holds messages of ``queue`` for ``delay_ms`` before dead-lettering them back.

    One queue per delay because a RabbitMQ message TTL is per queue:
    ``"psi.inventory.on_goods_received.retry.5000"``.
    """
    if not queue:
        raise ValueError("queue name must not be empty")
    if isinstance(delay_ms, bool) or not isinstance(delay_ms, int) or delay_ms <= 0:
        raise ValueError(f"delay_ms must be a positive integer number of milliseconds, got {delay_ms!r}")
    return f"{queue}.retry.{delay_ms}"
