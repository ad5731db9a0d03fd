"""``make run``: every installed service (API, consumer, relay) and the gateway in one process.

Each service gets a SQLite database under ``var/`` and all of them share kombu's in-process memory transport,
so a new user needs nothing but Python. The very same code runs against PostgreSQL and RabbitMQ when
``<SERVICE>_DATABASE_URL`` and ``AMQP_URL`` are set.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from psi_chassis.app import create_service_app
from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.logs import configure_logging
from psi_chassis.migrations import upgrade
from psi_chassis.registry import gateway_factory, installed_services
from psi_chassis.relay import OutboxRelay

_log = logging.getLogger(__name__)


@dataclass
class EmbeddedStack:
    """A running embedded system; ``stop()`` shuts every thread down."""

    gateway_url: str | None
    service_urls: dict[str, str]
    #: Where the JSON logs of every thread go (the terminal only gets errors).
    log_file: Path | None = None
    #: The first admin's password when this start created it (None when the user already existed).
    admin_password: str | None = None
    admin_username: str = "admin"
    stop_event: threading.Event = field(default_factory=threading.Event)
    servers: list[BaseWSGIServer] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    databases: list[Database] = field(default_factory=list)

    def stop(self) -> None:
        self.stop_event.set()
        for server in self.servers:
            server.shutdown()
        for thread in self.threads:
            thread.join(timeout=10)
        for db in self.databases:
            db.dispose()


def _thread(stack: EmbeddedStack, name: str, target: Callable[[], Any]) -> None:
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    stack.threads.append(thread)


def _bind(stack: EmbeddedStack, host: str, port: int, app: Any = None) -> BaseWSGIServer:
    server = make_server(host, port, app or _not_ready, threaded=True)
    stack.servers.append(server)
    return server


def _serve(stack: EmbeddedStack, name: str, server: BaseWSGIServer) -> str:
    _thread(stack, f"{name}-http", server.serve_forever)
    return f"http://{server.host}:{server.server_port}"


def _not_ready(environ: Any, start_response: Any) -> list[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "1")])
    return [b"starting\n"]


def start_embedded(env: Mapping[str, str], var_dir: Path, host: str = "127.0.0.1", port: int = 8000) -> EmbeddedStack:
    """Start everything; ``port`` is the gateway's, services take the following ports (0 picks free ports)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    stack = EmbeddedStack(gateway_url=None, service_urls={}, log_file=var_dir / "logs" / "psi.log")
    configure_logging("psi-embedded", env.get("LOG_LEVEL") or "INFO", log_file=stack.log_file)
    factory = gateway_factory()
    # The gateway's socket comes first: every service needs its address to fetch the token key set.
    gateway_server = _bind(stack, host, port) if factory is not None else None
    gateway_url = f"http://{host}:{gateway_server.server_port}" if gateway_server else None
    shared = {"AMQP_URL": "memory://"}
    if gateway_url:
        shared["PSI_JWKS_URL"] = f"{gateway_url}/api/v1/auth/jwks"
    services = installed_services()
    for offset, (name, definition) in enumerate(services.items(), start=1):
        overrides = {f"{name.upper()}_DATABASE_URL": f"sqlite:///{(var_dir / f'{name}.db').resolve()}"}
        merged = {**overrides, **shared, **env}
        settings = definition.load_settings(merged)
        upgrade(definition.migrations, settings.database_url)
        db = Database(settings.database_url)
        stack.databases.append(db)
        app = create_service_app(definition, settings, db, configure_logs=False)
        stack.service_urls[name] = _serve(stack, name, _bind(stack, host, port + offset if port else 0, app))
        if definition.handlers:
            runner = ConsumerRunner(settings, db, definition.handlers, stop=stack.stop_event)
            _thread(stack, f"{name}-consumer", runner.run_until_stopped)
        relay = OutboxRelay(settings, db, stop=stack.stop_event, watches=definition.watches)
        _thread(stack, f"{name}-relay", relay.run)
    if factory is not None and gateway_server is not None:
        gateway_env = {"GATEWAY_DATABASE_URL": f"sqlite:///{(var_dir / 'gateway.db').resolve()}", **env}
        gateway_app = factory(
            service_urls=stack.service_urls, env=gateway_env, migrate=True, allow_generated_admin_password=True
        )
        stack.admin_password = gateway_app.config.get("PSI_GENERATED_ADMIN_PASSWORD")
        stack.admin_username = gateway_app.config.get("PSI_ADMIN_USERNAME", "admin")
        gateway_server.app = gateway_app
        stack.gateway_url = _serve(stack, "gateway", gateway_server)
    _log.info("embedded stack up: gateway %s, services %s", stack.gateway_url, stack.service_urls)
    return stack
