"""pytest plugin (entry point ``pytest11``): real PostgreSQL and RabbitMQ for every PSI test session.

Where they come from, in order: ``TEST_DATABASE_URL`` / ``TEST_AMQP_URL`` (``make test`` sets them after creating
a role and a vhost), else a testcontainer when a Docker engine answers, else a clear failure under ``CI=true`` and
a skip otherwise. Each test session gets its own databases (``psi_t<token>_...``) and each test its own topology
prefix, so runs never see each other's data or messages.
"""

from __future__ import annotations

import itertools
import os
import secrets
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from psi_chassis.migrations import upgrade


def _unavailable(what: str, exc: BaseException | None) -> None:
    reason = f"no {what}: set TEST_{'DATABASE' if what == 'PostgreSQL' else 'AMQP'}_URL or run a Docker engine"
    if exc is not None:
        reason += f" ({type(exc).__name__}: {exc})"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def psi_token() -> str:
    return secrets.token_hex(3)


@pytest.fixture(scope="session")
def psi_pg_admin_url(request: pytest.FixtureRequest) -> str:
    """A URL to a PostgreSQL server with the right to CREATE DATABASE (psycopg 3 driver)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    try:
        from testcontainers.community.postgres import PostgresContainer

        container = PostgresContainer("postgres:15-alpine", driver="psycopg")
        container.start()
    except Exception as exc:  # noqa: BLE001 - reported through _unavailable
        _unavailable("PostgreSQL", exc)
        raise
    request.addfinalizer(container.stop)
    return container.get_connection_url()


@pytest.fixture(scope="session")
def psi_amqp_url(request: pytest.FixtureRequest) -> str:
    url = os.environ.get("TEST_AMQP_URL")
    if url:
        return url
    try:
        from testcontainers.community.rabbitmq import RabbitMqContainer

        container = RabbitMqContainer("rabbitmq:3.13-management")
        container.start()
    except Exception as exc:  # noqa: BLE001 - reported through _unavailable
        _unavailable("RabbitMQ", exc)
        raise
    request.addfinalizer(container.stop)
    host, port = container.get_container_host_ip(), container.get_exposed_port(5672)
    return f"amqp://guest:guest@{host}:{port}/"


class DatabaseFactory:
    """Creates migrated PostgreSQL databases: one template per migration set, then cheap copies of it."""

    def __init__(self, admin_url: str, token: str) -> None:
        self.admin_url = admin_url
        self.token = token
        self._templates: dict[str, str] = {}
        self._created: list[str] = []
        self._counter = itertools.count(1)
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)

    def url_for(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _create(self, name: str, template: str | None = None) -> None:
        with self._admin.connect() as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        self._created.append(name)

    def create(self, service: str, migrations: str) -> str:
        """A fresh database for ``service`` with its migrations applied; returns its URL."""
        if migrations not in self._templates:
            template = f"psi_t{self.token}_{service}_tpl"
            self._create(template)
            upgrade(migrations, self.url_for(template))
            self._templates[migrations] = template
        name = f"psi_t{self.token}_{service}_{next(self._counter)}"
        self._create(name, self._templates[migrations])
        return self.url_for(name)

    def drop_all(self) -> None:
        with self._admin.connect() as conn:
            for name in reversed(self._created):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._admin.dispose()


@pytest.fixture(scope="session")
def psi_databases(psi_pg_admin_url: str, psi_token: str) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(psi_pg_admin_url, psi_token)
    yield factory
    factory.drop_all()


_prefix_counter = itertools.count(1)


@pytest.fixture
def psi_topology_prefix(psi_token: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """Exchange and queue names private to one test (``psit<token>n.<service>.<handler>``).

    After the test (and after its processes have stopped) the services' queues under the prefix are deleted, so
    runs on a shared broker do not pile up queues until it runs out of file handles.
    """
    prefix = f"psit{psi_token}{next(_prefix_counter)}"
    yield prefix
    if "psi_amqp_url" in request.fixturenames:
        from psi_chassis.testing.helpers import delete_service_topology

        try:
            delete_service_topology(request.getfixturevalue("psi_amqp_url"), prefix)
        except Exception as exc:  # noqa: BLE001 - a cleanup failure must not fail the test; say so and go on
            warnings.warn(f"could not delete the test topology under {prefix}: {exc}", stacklevel=1)


@pytest.fixture
def psi_log_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "logs"
    directory.mkdir()
    return directory


@pytest.fixture
def psi_processes(request: pytest.FixtureRequest) -> Iterator[Callable[[Any], Any]]:
    """Register ServiceProcess objects to be stopped after the test; their logs are printed if it failed."""
    started: list[Any] = []

    def register(process: Any) -> Any:
        started.append(process)
        return process

    yield register
    for process in reversed(started):
        process.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for process in started:
            print(f"\n----- log of {process.name} -----\n{process.logs()[-6000:]}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[Any]:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
