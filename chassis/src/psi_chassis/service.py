"""What a PSI service declares about itself, so the chassis can run its API, consumer, relay and migrations."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

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


HandlerFn = Callable[[Session, Event], None]


@dataclass(frozen=True)
class EventHandler:
    """One consumer handler: its own queue ``<prefix>.<service>.<name>``, bound to ``event_types``.

    ``handle`` runs inside the consumer's unit of work, after the inbox claim; it must not commit.
    """

    name: str
    event_types: tuple[str, ...]
    handle: HandlerFn


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
