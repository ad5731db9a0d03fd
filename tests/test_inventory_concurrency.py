"""Inventory acceptance 1 and 2 against the real API under gunicorn and real PostgreSQL: no overselling on a hot
SKU, all-or-nothing multi-line reservations, and no deadlock for orders that list the same SKUs in opposite
order."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select

from psi_chassis.db import Database
from psi_chassis.testing import http_json
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import items, stock_balances, warehouses
from psi_inventory.service.ledger import Ledger, Source

pytestmark = pytest.mark.integration


@pytest.fixture
def inventory(stack: Any, database_for: Any) -> Any:
    url = database_for("inventory")
    database_for("gateway")
    stack.api("inventory", workers=4)
    stack.api("gateway")
    db = Database(url)
    now = utcnow()
    with db.unit_of_work() as session:
        session.execute(
            insert(warehouses).values(
                code="WH1", name="Main", active=True, valuation_method="moving_average", created_at=now, updated_at=now
            )
        )
        session.execute(
            insert(items),
            [
                {
                    "sku": sku,
                    "name": sku,
                    "unit_of_measure": "pcs",
                    "active": True,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for sku in ("HOT", "X", "Y", "Z")
            ],
        )
        ledger = Ledger(session)
        for sku, quantity in (("HOT", 50), ("X", 20), ("Y", 20), ("Z", 1)):
            ledger.receive(sku, "WH1", "receipt", Decimal(quantity), Decimal("1.5"), Source(now, "SEED"))
        session.commit()
    stack.inventory_db = db
    yield stack
    db.dispose()


def _balances(db: Database) -> dict[str, tuple[Decimal, Decimal]]:
    with db.unit_of_work() as session:
        return {r.sku: (r.on_hand, r.reserved) for r in session.execute(select(stock_balances)).all()}


def _reserve(url: str, token: str, reference: str, lines: list[tuple[str, str]]) -> tuple[int, Any]:
    status, body, _ = http_json(
        "POST",
        f"{url}/api/v1/inventory/reservations",
        headers={"Authorization": f"Bearer {token}"},
        json={"reference": reference, "warehouse_code": "WH1", "lines": [{"sku": s, "quantity": q} for s, q in lines]},
    )
    return status, body


def test_two_hundred_clients_race_for_fifty_units(inventory: Any) -> None:
    url, token = inventory.api_urls["inventory"], inventory.login()
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(lambda i: _reserve(url, token, f"HOT-{i}", [("HOT", "1")]), range(200)))
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 50, 409: 150}, statuses
    refused = {body["code"] for status, body in results if status == 409}
    assert refused == {"INSUFFICIENT_STOCK"}, "no deadlock or serialization error reached a client"
    assert _balances(inventory.inventory_db)["HOT"] == (Decimal(50), Decimal(50))


def test_short_line_reserves_nothing(inventory: Any) -> None:
    url, token = inventory.api_urls["inventory"], inventory.login()
    status, body = _reserve(url, token, "MIXED-1", [("X", "5"), ("Z", "2"), ("Y", "5")])
    assert (status, body["code"]) == (409, "INSUFFICIENT_STOCK")
    assert body["errors"]["short_lines"] == [
        {"line_no": 2, "sku": "Z", "requested_quantity": "2.000000", "available_quantity": "1.000000"}
    ]
    balances = _balances(inventory.inventory_db)
    assert balances["X"] == (Decimal(20), Decimal(0)) and balances["Y"] == (Decimal(20), Decimal(0))
    status, _, _ = http_json(
        "GET", f"{url}/api/v1/inventory/reservations/MIXED-1", headers={"Authorization": f"Bearer {token}"}
    )
    assert status == 404


def test_opposite_line_orders_never_deadlock(inventory: Any) -> None:
    url, token = inventory.api_urls["inventory"], inventory.login()

    def order(i: int) -> tuple[int, Any]:
        lines = [("X", "1"), ("Y", "1")] if i % 2 else [("Y", "1"), ("X", "1")]
        return _reserve(url, token, f"PAIR-{i}", lines)

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(order, range(60)))
    statuses = Counter(status for status, _ in results)
    assert set(statuses) <= {201, 409} and statuses[201] == 20, statuses
    balances = _balances(inventory.inventory_db)
    assert balances["X"] == balances["Y"] == (Decimal(20), Decimal(20)), "every success reserved both lines"
