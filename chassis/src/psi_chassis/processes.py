"""Entry points of the three kinds of process a service runs: API (dev server), consumer and relay."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping

from psi_chassis import metrics
from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.logs import configure_logging
from psi_chassis.migrations import upgrade
from psi_chassis.relay import OutboxRelay
from psi_chassis.service import ServiceDefinition

_log = logging.getLogger(__name__)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so a process finishes its current message and exits cleanly."""
    stop = threading.Event()

    def _handler(signum: int, _frame: object) -> None:
        _log.info("signal %s received, stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    return stop


def migrate(definition: ServiceDefinition, env: Mapping[str, str] | None = None) -> None:
    settings = definition.load_settings(env)
    configure_logging(definition.name, settings.log_level)
    upgrade(definition.migrations, settings.database_url)


def declare_topology(definition: ServiceDefinition, env: Mapping[str, str] | None = None) -> list[str]:
    """Declare the service's queues, bindings, DLQs and delay queues, as a deploy step beside ``migrate``.

    Producers publish to exchanges; an event published before its consumer's queue is bound has nowhere to go.
    Declaring at deploy time (and again whenever the consumer starts) closes that window.
    """
    settings = definition.load_settings(env)
    configure_logging(definition.name, settings.log_level)
    runner = ConsumerRunner(settings, Database(settings.database_url), definition.handlers)
    with runner.connection.clone() as conn:
        conn.ensure_connection(max_retries=3)
        runner.declare_topology(conn.default_channel)
    return [runner.queue_for(h) for h in definition.handlers]


def run_consumer(definition: ServiceDefinition, env: Mapping[str, str] | None = None) -> None:
    settings = definition.load_settings(env)
    configure_logging(definition.name, settings.log_level)
    if not definition.handlers:
        _log.info("%s consumes no events; consumer process has nothing to do", definition.name)
        return
    stop = stop_on_signals()
    metrics.serve_metrics(settings.consumer_metrics_port, settings.metrics_bind)
    db = Database(settings.database_url)
    ConsumerRunner(settings, db, definition.handlers, stop=stop).run_until_stopped()
    db.dispose()


def run_relay(definition: ServiceDefinition, env: Mapping[str, str] | None = None) -> None:
    settings = definition.load_settings(env)
    configure_logging(definition.name, settings.log_level)
    stop = stop_on_signals()
    metrics.serve_metrics(settings.relay_metrics_port, settings.metrics_bind)
    db = Database(settings.database_url)
    OutboxRelay(settings, db, stop=stop, watches=definition.watches).run()
    db.dispose()
