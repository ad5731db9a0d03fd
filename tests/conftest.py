"""Cross-service fixtures: real processes (gunicorn APIs, consumers, relays, the gateway) on real PostgreSQL and
RabbitMQ, each test with its own databases and topology prefix."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from psi_chassis.registry import service
from psi_chassis.testing import ServiceProcess, free_port, http_json, wait_for
from psi_chassis.testing import helpers as testing_helpers

ROOT = Path(__file__).resolve().parents[1]
ADMIN_PASSWORD = "psi-test-admin-password"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
APP_MODULES = {
    "purchasing": ("psi_purchasing.app:create_app()", ROOT / "services/purchasing/gunicorn.conf.py"),
    "inventory": ("psi_inventory.app:create_app()", ROOT / "services/inventory/gunicorn.conf.py"),
    "sales": ("psi_sales.app:create_app()", ROOT / "services/sales/gunicorn.conf.py"),
    "finance": ("psi_finance.app:create_app()", ROOT / "services/finance/gunicorn.conf.py"),
    "gateway": ("psi_gateway.app:create_app()", ROOT / "gateway/gunicorn.conf.py"),
}


@dataclass
class Stack:
    """Processes started for one test; URLs and environments by service name."""

    amqp_url: str
    prefix: str
    log_dir: Path
    register: Callable[[Any], Any]
    database_urls: dict[str, str] = field(default_factory=dict)
    api_urls: dict[str, str] = field(default_factory=dict)
    metrics_urls: dict[str, str] = field(default_factory=dict)
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)
    #: Reserved up front: every service needs the gateway's address to fetch the token key set.
    gateway_port: int = field(default_factory=free_port)

    def env(self, name: str, **overrides: str) -> dict[str, str]:
        env = {
            "AMQP_URL": self.amqp_url,
            "PSI_TOPOLOGY_PREFIX": self.prefix,
            "LOG_LEVEL": "INFO",
            "PSI_CONSUMER_RETRY_DELAYS_MS": "100,200,400",
            "PSI_RELAY_POLL_INTERVAL": "0.05",
            "PSI_JWKS_URL": f"http://127.0.0.1:{self.gateway_port}/api/v1/auth/jwks",
            "PSI_ADMIN_PASSWORD": ADMIN_PASSWORD,
            **{f"{svc.upper()}_DATABASE_URL": url for svc, url in self.database_urls.items()},
            **{f"PSI_{svc.upper()}_URL": url for svc, url in self.api_urls.items() if svc != "gateway"},
            **self.extra_env,
        }
        env.update(overrides)
        return env

    def start(self, key: str, process: ServiceProcess, ready: Callable[[], Any] | None = None) -> ServiceProcess:
        self.register(process)
        self.processes[key] = process.start()
        if ready is not None:
            wait_for(lambda: ready() if process.running() else _died(process), timeout=60, message=f"{key} ready")
        return process

    def api(self, name: str, workers: int = 1, **env: str) -> str:
        app, conf = APP_MODULES[name]
        port = self.gateway_port if name == "gateway" else free_port()
        url = f"http://127.0.0.1:{port}"
        argv = [GUNICORN, "-c", str(conf), "--bind", f"127.0.0.1:{port}", "--workers", str(workers), app]
        process = ServiceProcess(f"{name}-api", argv, self.env(name, **env), self.log_dir)
        self.api_urls[name] = url
        # /alive must come from this very service: another process on the port would answer too
        expected = "gateway" if name == "gateway" else name
        self.start(
            f"{name}-api", process, lambda: requests.get(f"{url}/alive", timeout=1).json().get("service") == expected
        )
        return url

    def consumer(self, name: str, key: str | None = None, **env: str) -> ServiceProcess:
        port = free_port()
        metrics = f"http://127.0.0.1:{port}/metrics"
        key = key or f"{name}-consumer"
        self.metrics_urls[key] = metrics
        process = ServiceProcess.psi(
            key,
            ["consume", name],
            self.env(name, **{f"{name.upper()}_CONSUMER_METRICS_PORT": str(port)}, **env),
            self.log_dir,
        )

        def ready() -> bool:
            # Ready once it has declared its queues AND their bindings (it logs "consuming ..." after both):
            # an event published to an exchange before the binding exists has nowhere to go.
            return requests.get(metrics, timeout=1).ok and '"message": "consuming ' in process.logs()

        return self.start(key, process, ready)

    def relay(self, name: str, **env: str) -> ServiceProcess:
        port = free_port()
        metrics = f"http://127.0.0.1:{port}/metrics"
        self.metrics_urls[f"{name}-relay"] = metrics
        process = ServiceProcess.psi(
            f"{name}-relay",
            ["relay", name],
            self.env(name, **{f"{name.upper()}_RELAY_METRICS_PORT": str(port)}, **env),
            self.log_dir,
        )
        return self.start(f"{name}-relay", process, lambda: requests.get(metrics, timeout=1).ok)

    def login(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
        status, body, _ = http_json(
            "POST", f"{self.api_urls['gateway']}/api/v1/auth/token", json={"username": username, "password": password}
        )
        assert status == 200, body
        return str(body["access_token"])

    def client(self, token: str | None = None, base: str = "gateway") -> ApiClient:
        """An HTTP client for the gateway (or a service) that sends the admin's token unless given another."""
        return ApiClient(self.api_urls[base], token if token is not None else self.login())


@dataclass
class ApiClient:
    base_url: str
    token: str

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any, requests.Response]:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return http_json(method, f"{self.base_url}{path}", headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> tuple[int, Any, requests.Response]:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> tuple[int, Any, requests.Response]:
        return self.call("POST", path, **kwargs)


def _died(process: ServiceProcess) -> None:
    raise AssertionError(f"{process.name} exited early:\n{process.logs()[-4000:]}")


@pytest.fixture
def stack(
    psi_databases: Any,
    psi_amqp_url: str,
    psi_topology_prefix: str,
    psi_log_dir: Path,
    psi_processes: Callable[[Any], Any],
) -> Iterator[Stack]:
    yield Stack(amqp_url=psi_amqp_url, prefix=psi_topology_prefix, log_dir=psi_log_dir, register=psi_processes)


@pytest.fixture
def database_for(stack: Stack, psi_databases: Any) -> Callable[[str], str]:
    """Give ``stack`` a fresh migrated database for a service; returns its URL."""

    def make(name: str) -> str:
        migrations = "psi_gateway:migrations" if name == "gateway" else service(name).migrations
        url = psi_databases.create(name, migrations)
        stack.database_urls[name] = url
        return url

    return make


@pytest.fixture
def known_items(stack: Stack) -> Callable[..., None]:
    """Test setup: ``known_items("SKU-1", ...)`` puts active items straight into purchasing's replica of the item
    master, for tests that order SKUs without running inventory and purchasing's ItemCreated consumer
    (purchasing refuses unknown SKUs). Call it after ``database_for("purchasing")``."""
    return lambda *skus: _insert_known_items(stack, *skus)


def _insert_known_items(stack: Stack, *skus: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, text

    engine = create_engine(stack.database_urls["purchasing"])
    try:
        with engine.begin() as conn:
            for sku in skus:
                conn.execute(
                    text(
                        "INSERT INTO items (sku, name, unit_of_measure, active, version, updated_at) "
                        "VALUES (:sku, :sku, 'pcs', true, 1, :now) ON CONFLICT (sku) DO NOTHING"
                    ),
                    {"sku": sku, "now": datetime.now(UTC)},
                )
    finally:
        engine.dispose()


@pytest.fixture
def known_warehouses(stack: Stack) -> Callable[..., None]:
    """Test setup: ``known_warehouses("WH1", ...)`` puts active warehouses straight into purchasing's replica of
    inventory's warehouses, for tests that order into a warehouse without running inventory and purchasing's
    WarehouseCreated consumer (purchasing refuses unknown warehouses). Call it after ``database_for("purchasing")``.
    """
    return lambda *codes: _insert_known_warehouses(stack, *codes)


def _insert_known_warehouses(stack: Stack, *codes: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import create_engine, text

    engine = create_engine(stack.database_urls["purchasing"])
    try:
        with engine.begin() as conn:
            for code in codes:
                conn.execute(
                    text(
                        "INSERT INTO warehouses (code, name, active, valuation_method, version, updated_at) "
                        "VALUES (:code, :code, true, 'moving_average', 1, :now) ON CONFLICT (code) DO NOTHING"
                    ),
                    {"code": code, "now": datetime.now(UTC)},
                )
    finally:
        engine.dispose()


def goods_received(
    sku: str, accepted: str, unit_cost: str, *, warehouse: str = "WH1", rejected: str = "0", number: str = "GRN-T"
) -> dict[str, Any]:
    """A valid purchasing.GoodsReceived.v1 envelope (``psi_chassis.testing.helpers.goods_received``)."""
    return testing_helpers.goods_received(
        sku, accepted, unit_cost, warehouse=warehouse, rejected=rejected, number=number
    )


@pytest.fixture
def make_goods_received() -> Callable[..., dict[str, Any]]:
    return goods_received


@pytest.fixture
def full_stack(stack: Stack, database_for: Callable[[str], str]) -> Stack:
    """Purchasing and inventory with their consumers and relays, and the gateway: the procure-to-stock path."""
    database_for("purchasing")
    database_for("inventory")
    database_for("gateway")
    stack.api("purchasing")
    stack.api("inventory")
    stack.consumer("inventory")
    stack.consumer("purchasing")  # keeps purchasing's replica of the item master (inventory.ItemCreated.v1)
    stack.relay("purchasing")
    stack.relay("inventory")
    stack.api("gateway")
    return stack
