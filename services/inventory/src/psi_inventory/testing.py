"""Inventory's API on a fresh database, for integration tests: the app, an admin's client, and the reads tests use.

    with inventory_api(psi_databases, warehouses=[("WH-A", True, "fifo")], items=[("SKU-1", True)]) as api:
        api.receive("SKU-1", "WH-A", "10", "2.00")
        status, body = api.post("/adjustments", {...})

Like :mod:`psi_chassis.testing`, it ships with the package so every test module builds the same stack the same
way; a module that needs more (a snapshot of what a refusal must leave alone) subclasses :class:`InventoryApi`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import quote

from flask.testing import FlaskClient
from sqlalchemy import insert, select, text

from psi_chassis.app import create_service_app
from psi_chassis.db import Database
from psi_chassis.testing.tokens import TestKeys
from psi_inventory.adapters import tables
from psi_inventory.adapters.tables import cost_layers, stock_balances
from psi_inventory.app import SERVICE
from psi_inventory.service.ledger import Ledger, Source

API = "/api/v1/inventory"
#: When the seeded master data was made, and the default business time of a seeded receipt.
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class InventoryApi:
    client: FlaskClient
    db: Database

    @property
    def headers(self) -> dict[str, str]:
        """The admin's ``Authorization`` header, for a client of one's own (``client.application.test_client()``)."""
        return {"Authorization": self.client.environ_base["HTTP_AUTHORIZATION"]}

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        response = self.client.post(API + path, json=body if body is not None else {})
        return response.status_code, response.get_json()

    def get(self, path: str, **query: Any) -> tuple[int, Any]:
        qs = "&".join(f"{k}={quote(v.isoformat() if isinstance(v, datetime) else str(v))}" for k, v in query.items())
        response = self.client.get(API + path + (f"?{qs}" if qs else ""))
        return response.status_code, response.get_json()

    def receive(self, sku: str, warehouse: str, quantity: str, unit_cost: str, at: datetime = T0) -> None:
        """Stock booked straight through the ledger (no purchasing), as a receipt at ``at``."""
        with self.db.unit_of_work() as session:
            Ledger(session).receive(
                sku, warehouse, "receipt", Decimal(quantity), Decimal(unit_cost), Source(at, "GRN-SEED")
            )
            session.commit()

    def balance(self, sku: str, warehouse: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        """(on hand, reserved, value, value_fifo); zeros when the row does not exist."""
        with self.db.unit_of_work() as session:
            row = session.execute(
                select(
                    stock_balances.c.on_hand,
                    stock_balances.c.reserved,
                    stock_balances.c.value,
                    stock_balances.c.value_fifo,
                ).where(stock_balances.c.sku == sku, stock_balances.c.warehouse_code == warehouse)
            ).first()
        zero = Decimal(0)
        return (row[0], row[1], row[2], row[3]) if row else (zero, zero, zero, zero)

    def layers(self, sku: str, warehouse: str) -> list[tuple[Decimal, Decimal]]:
        """Open FIFO layers, oldest first: (remaining, unit cost)."""
        with self.db.unit_of_work() as session:
            return [
                (r.remaining, r.unit_cost)
                for r in session.execute(
                    select(cost_layers.c.remaining, cost_layers.c.unit_cost)
                    .where(
                        cost_layers.c.sku == sku, cost_layers.c.warehouse_code == warehouse, cost_layers.c.remaining > 0
                    )
                    .order_by(cost_layers.c.id)
                )
            ]

    def events(self, event_type: str) -> list[dict[str, Any]]:
        """The outbox's envelopes of one type, in the order they were recorded."""
        with self.db.engine.connect() as conn:
            bodies = (
                conn.execute(text("SELECT body FROM outbox WHERE event_type = :t ORDER BY id"), {"t": event_type})
                .scalars()
                .all()
            )
        return [json.loads(body) for body in bodies]


Api = TypeVar("Api", bound=InventoryApi)


@contextmanager
def inventory_api(
    psi_databases: Any,
    *,
    warehouses: Sequence[tuple[str, bool, str]],
    items: Sequence[tuple[str, bool]],
    kind: type[Api] = InventoryApi,
) -> Iterator[Api]:  # type: ignore[assignment]
    """A migrated database with the given warehouses (code, active, valuation method) and items (sku, active), and
    the app over it with an admin's token on every call; ``kind`` is the :class:`InventoryApi` to hand out."""
    url = psi_databases.create("inventory", SERVICE.migrations)
    settings = SERVICE.load_settings({"INVENTORY_DATABASE_URL": url, "AMQP_URL": "memory://"})
    keys = TestKeys()
    db = Database(url)
    app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=keys.verifier())
    with db.unit_of_work() as session:
        session.execute(
            insert(tables.warehouses),
            [
                {
                    "code": code,
                    "name": code,
                    "active": active,
                    "valuation_method": method,
                    "created_at": T0,
                    "updated_at": T0,
                }
                for code, active, method in warehouses
            ],
        )
        session.execute(
            insert(tables.items),
            [
                {
                    "sku": sku,
                    "name": sku,
                    "unit_of_measure": "pcs",
                    "active": active,
                    "version": 1,
                    "created_at": T0,
                    "updated_at": T0,
                }
                for sku, active in items
            ],
        )
        session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys.token('admin')}"
    try:
        yield kind(client, db)
    finally:
        db.dispose()
