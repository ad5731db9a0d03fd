"""Sales' integration fixtures: the API on a fresh PostgreSQL database, called as a user of a given role."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import insert, text

from psi_chassis.app import create_service_app
from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.testing.tokens import TestKeys
from psi_chassis.types import utcnow
from psi_contracts.envelope import make_envelope, parse_envelope
from psi_sales.adapters.tables import items, warehouses
from psi_sales.app import SERVICE

KEYS = TestKeys()
S = "/api/v1/sales"


class Api:
    def __init__(self, client: Any, db: Database, runner: ConsumerRunner) -> None:
        self.client, self.db, self.runner = client, db, runner

    def deliver(self, event_type: str, data: dict[str, Any], event_id: str | None = None) -> list[str]:
        """Hand an event to sales' consumer (its unit of work, inbox and handlers), as a delivery would."""
        envelope = make_envelope(event_type, data, source=event_type.split(".")[0], event_id=event_id)
        (handler,) = [h for h in SERVICE.handlers if event_type in h.subscriptions]
        return self.runner.apply_envelopes(handler, [parse_envelope(envelope)])

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """The data of every event of ``event_type`` sales recorded in its outbox, oldest first."""
        with self.db.engine.connect() as conn:
            bodies = conn.execute(
                text("SELECT body FROM outbox WHERE event_type = :t ORDER BY id"), {"t": event_type}
            ).scalars()
            return [json.loads(body)["data"] for body in bodies]

    def execute(self, sql: str, **params: Any) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(text(sql), params)

    def call(self, method: str, path: str, body: Any = None, role: str = "admin") -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {KEYS.token(role, sub=role, name=role)}"}  # the user is named as the role
        response = self.client.open(S + path, method=method, json=body, headers=headers)
        return response.status_code, response.get_json()

    def ok(self, method: str, path: str, body: Any = None, role: str = "admin") -> Any:
        status, answer = self.call(method, path, body, role)
        assert status in (200, 201), (status, answer)
        return answer

    def count(self, *tables: str) -> tuple[int, ...]:
        with self.db.engine.connect() as conn:
            return tuple(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in tables)

    def rows(self) -> dict[str, Any]:
        with self.db.engine.connect() as conn:
            return {
                table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
                for table in ("customers", "customer_classes", "customer_status_changes")
            } | {"versions": conn.execute(text("SELECT coalesce(sum(version), 0) FROM customers")).scalar()}


def _api(psi_databases: Any, **env: str) -> tuple[Api, Database]:
    url = psi_databases.create("sales", SERVICE.migrations)
    settings = SERVICE.load_settings({"SALES_DATABASE_URL": url, "AMQP_URL": "memory://", **env})
    db = Database(url)
    app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=KEYS.verifier())
    return Api(app.test_client(), db, ConsumerRunner(settings, db, SERVICE.handlers)), db


@pytest.fixture
def api(psi_databases: Any) -> Any:
    """The sales API on an empty database (base currency CNY)."""
    api, db = _api(psi_databases, PSI_BASE_CURRENCY="CNY")
    yield api
    db.dispose()


@pytest.fixture
def priced(psi_databases: Any, request: Any) -> Any:
    """The API with a class-B customer, the replica's items and warehouses, two price lists and four rules:

    general list CNY: WIDGET 1+ at 100, 10+ at 95; class B list: WIDGET 20+ at 92; rules: class B 5 %, WIDGET 20+ 3 %,
    gadgets 10 % in December 2026, gadgets 20 % in November 2026; manual cap 5 %.
    """
    env = getattr(request, "param", {})
    api, db = _api(psi_databases, PSI_BASE_CURRENCY="CNY", SALES_MAX_MANUAL_DISCOUNT_PERCENT="5", **env)
    now = utcnow()
    with db.unit_of_work() as session:
        for sku, category, active in (("WIDGET", "gadgets", True), ("GIZMO", "gadgets", True), ("OLD", None, False)):
            session.execute(
                insert(items).values(
                    sku=sku,
                    name=sku,
                    unit_of_measure="pcs",
                    category=category,
                    active=active,
                    version=1,
                    updated_at=now,
                )
            )
        for code, active in (("WH1", True), ("SHUT", False)):
            session.execute(insert(warehouses).values(code=code, name=code, active=active, version=1, updated_at=now))
        session.commit()
    api.ok("POST", "/customer-classes", {"code": "B", "name": "B class"})
    api.customer = api.ok("POST", "/customers", {"code": "SHOP", "name": "Shop", "channel": "store", "class_code": "B"})
    api.ok(
        "POST",
        "/price-lists",
        {
            "name": "Standard",
            "scope": "general",
            "currency": "CNY",
            "lines": [
                {"sku": "WIDGET", "unit_price": "100.00"},
                {"sku": "WIDGET", "min_quantity": "10", "unit_price": "95"},
            ],
        },
    )
    api.ok(
        "POST",
        "/price-lists",
        {
            "name": "B list",
            "scope": "class",
            "class_code": "B",
            "currency": "CNY",
            "lines": [{"sku": "WIDGET", "min_quantity": "20", "unit_price": "92"}],
        },
    )
    gadgets = {"kind": "promotion", "category": "gadgets"}
    api.rules = {
        "class": api.ok(
            "POST", "/discount-rules", {"name": "class B", "kind": "class_discount", "percent": "5", "class_code": "B"}
        ),
        "break": api.ok(
            "POST",
            "/discount-rules",
            {"name": "20+ widgets", "kind": "quantity_break", "percent": "3", "sku": "WIDGET", "min_quantity": "20"},
        ),
        "december": api.ok(
            "POST",
            "/discount-rules",
            {
                **gadgets,
                "name": "December gadgets",
                "percent": "10",
                "valid_from": "2026-12-01",
                "valid_to": "2026-12-31",
            },
        ),
        "november": api.ok(
            "POST",
            "/discount-rules",
            {
                **gadgets,
                "name": "November gadgets",
                "percent": "20",
                "valid_from": "2026-11-01",
                "valid_to": "2026-11-30",
            },
        ),
    }
    yield api
    db.dispose()
