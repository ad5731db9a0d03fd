"""What a PSI service declares about itself, so the chassis can run its API, consumer, relay and migrations.

The consumer side is one subscription list per queue (``EventHandler``): ``{event type: handler}``. A handler is
either a plain function of one event, the easy path for rare events, or a function marked :func:`batched`, which
receives every consecutive event of its type in a delivery batch at once so it can write set-based SQL. A queue
may also name a ``context``: a context manager opened once per batch around all its handlers, which is how a
service shares one working set (inventory's stock book: every balance row of the batch locked and loaded by one
statement, written back by one) between the handlers of different event types in one batch.

Nothing here imports the broker: domain and service code may raise :class:`PoisonMessage` without depending on
kombu.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from psi_chassis.context import get_causation_id, get_request_id, set_causation_id, set_request_id
from psi_chassis.settings import ServiceSettings


@dataclass(frozen=True)
class Event:
    """An incoming event as handlers see it: envelope attributes plus ``data`` decoded by the consumer schema."""

    id: str
    type: str
    source: str
    time: datetime
    data: Mapping[str, Any]
    subject: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    sequence: int | None = None


class PoisonMessage(Exception):
    """Raised by a handler when retrying cannot help: the event contradicts this service's data for good.

    Not for business refusals (not enough stock, an unknown document): those are answered with an event the
    producer acts on, so two services never disagree. A poison message is a defect for a human to look at.
    """


F = TypeVar("F", bound=Callable[..., Any])
HandlerFn = Callable[[Any, Event], None]
BatchHandlerFn = Callable[[Any, Sequence[Event]], None]
BatchContext = Callable[[Session, Sequence[Event]], AbstractContextManager[Any]]


def batched(fn: F) -> F:
    """Mark a handler as taking ``(context, events)``: every consecutive event of its type in a batch."""
    fn.__psi_batched__ = True  # type: ignore[attr-defined]
    return fn


def is_batched(fn: Callable[..., Any]) -> bool:
    return bool(getattr(fn, "__psi_batched__", False))


@contextmanager
def caused_by(event: Event) -> Iterator[None]:
    """Events recorded inside the block carry ``event``'s correlation id and name it as their cause."""
    request_id, causation_id = get_request_id(), get_causation_id()
    set_request_id(event.correlation_id)
    set_causation_id(event.id)
    try:
        yield
    finally:
        set_request_id(request_id)
        set_causation_id(causation_id)


@dataclass(frozen=True)
class EventHandler:
    """One consumer queue ``<prefix>.<service>.<name>``, bound to the event types of ``subscriptions``.

    The queue keeps the order of what it is bound to, so types whose order matters to each other (a receipt
    and the return that reverses it) share one queue. Handlers run inside the consumer's unit of work, after
    the inbox claim; they must not commit.
    """

    name: str
    subscriptions: Mapping[str, HandlerFn | BatchHandlerFn]
    context: BatchContext | None = None

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(sorted(self.subscriptions))

    def apply(self, session: Session, events: Sequence[Event]) -> None:
        """Run the handlers for ``events`` (new ones, in delivery order), one run of equal types at a time."""
        opened = self.context(session, events) if self.context is not None else nullcontext(session)
        with opened as context:
            for event_type, run in groupby(events, key=lambda e: e.type):
                handle = self.subscriptions[event_type]
                run_events = list(run)
                if is_batched(handle):
                    handle(context, run_events)
                    continue
                for event in run_events:
                    with caused_by(event):
                        handle(context, event)  # type: ignore[call-arg, arg-type]


@dataclass(frozen=True)
class Watch:
    """A figure of the service's own database that operators alert on (e.g. orders waiting too long for an
    answer): the relay measures it with ``measure`` beside the outbox gauges and sets ``gauge`` (unlabelled)."""

    gauge: Any
    measure: Callable[[Session], float]


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything the chassis needs to know about one service.

    ``load_settings`` is the service's config (the only reader of the environment); ``blueprints`` returns the
    flask-smorest blueprints; ``migrations`` is the Alembic script location as ``package:path``.
    """

    name: str
    title: str
    load_settings: Callable[[Mapping[str, str] | None], ServiceSettings]
    blueprints: Callable[[], list[Any]]
    migrations: str
    handlers: tuple[EventHandler, ...] = ()
    version: str = "0.1.0"
    extra_health_checks: Mapping[str, Callable[[], None]] = field(default_factory=dict)
    watches: tuple[Watch, ...] = ()
