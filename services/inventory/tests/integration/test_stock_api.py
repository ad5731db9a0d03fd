"""Stock reports and reservations through the inventory API (Flask test client, real PostgreSQL): answers, and
bad input that gets a problem and changes nothing (inventory acceptance 8, for these routes)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, text

from psi_chassis.app import create_service_app
from psi_chassis.db import Database
from psi_chassis.testing.tokens import TestKeys
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import items, warehouses
from psi_inventory.app import SERVICE
from psi_inventory.service.ledger import Ledger, Source

pytestmark = pytest.mark.integration
KEYS = TestKeys()


@pytest.fixture
def api(psi_databases: Any) -> Any:
    url = psi_databases.create("inventory", SERVICE.migrations)
    settings = SERVICE.load_settings({"INVENTORY_DATABASE_URL": url, "AMQP_URL": "memory://"})
    db = Database(url)
    now = utcnow()
    with db.unit_of_work() as session:
        session.execute(
            insert(warehouses).values(
                code="WH1", name="Main", active=True, valuation_method="moving_average", created_at=now, updated_at=now
            )
        )
        session.execute(
            insert(items).values(
                sku="S1",
                name="Item",
                unit_of_measure="pcs",
                reorder_point=Decimal(8),
                reorder_quantity=Decimal(30),
                active=True,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        Ledger(session).receive(
            "S1", "WH1", "receipt", Decimal(10), Decimal(2), Source(datetime(2026, 3, 1, tzinfo=UTC), "GRN-1")
        )
        session.commit()
    app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=KEYS.verifier())
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {KEYS.token('admin')}"
    client.db = db
    yield client
    db.dispose()


def _rows(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("reservations", "stock_moves", "outbox")
        } | {"reserved": conn.execute(text("SELECT sum(reserved) FROM stock_balances")).scalar()}


def test_as_of_low_stock_and_reservation_round_trip(api: Any) -> None:
    before = api.get("/api/v1/inventory/stock-as-of?at=2026-02-28T00:00:00Z&sku=S1")
    after = api.get("/api/v1/inventory/stock-as-of?at=2026-03-02T00:00:00%2B08:00&sku=S1")
    assert before.get_json()["total"] == 0
    assert after.get_json()["items"][0] | {"as_of": None} == {
        "sku": "S1",
        "warehouse_code": "WH1",
        "on_hand": "10.000000",
        "value": "20.000000",
        "value_fifo": "20.000000",
        "in_transit": "0.000000",
        "in_transit_value": "0.000000",
        "in_transit_value_fifo": "0.000000",
        "as_of": None,
    }

    reserved = api.post(
        "/api/v1/inventory/reservations",
        json={"reference": "WEB-1", "warehouse_code": "WH1", "lines": [{"sku": "S1", "quantity": "3"}]},
    )
    assert reserved.status_code == 201 and reserved.headers["Location"].endswith("/reservations/WEB-1")
    assert reserved.get_json()["lines"][0]["status"] == "active"
    low = api.get("/api/v1/inventory/low-stock").get_json()
    assert [(i["sku"], i["available"], i["reorder_quantity"]) for i in low["items"]] == [
        ("S1", "7.000000", "30.000000")
    ]  # 10 on hand − 3 reserved = 7 < reorder point 8
    again = api.post(
        "/api/v1/inventory/reservations",
        json={"reference": "WEB-1", "warehouse_code": "WH1", "lines": [{"sku": "S1", "quantity": "1"}]},
    )
    assert (again.status_code, again.get_json()["code"]) == (409, "RESERVATION_EXISTS")
    released = api.post("/api/v1/inventory/reservations/WEB-1/release")
    assert released.get_json()["lines"][0]["status"] == "released"
    assert api.get("/api/v1/inventory/low-stock").get_json()["total"] == 0
    stock = api.get("/api/v1/inventory/stock/S1").get_json()
    assert (stock["on_hand"], stock["reserved"], stock["value"]) == ("10.000000", "0.000000", "20.000000")


@pytest.mark.parametrize(
    "path,body,status,mention",
    [
        (
            "/api/v1/inventory/reservations",
            {"reference": "R", "warehouse_code": "WH1", "lines": [{"sku": "S1", "quantity": "-1"}]},
            422,
            "quantity",
        ),
        (
            "/api/v1/inventory/reservations",
            {"reference": "R", "warehouse_code": "WH1", "lines": [{"sku": "S1", "quantity": "0"}]},
            422,
            "quantity",
        ),
        ("/api/v1/inventory/reservations", {"reference": "R", "warehouse_code": "WH1", "lines": []}, 422, "lines"),
        (
            "/api/v1/inventory/reservations",
            {"reference": "R", "warehouse_code": "WH1", "colour": "red", "lines": [{"sku": "S1", "quantity": "1"}]},
            422,
            "colour",
        ),
        (
            "/api/v1/inventory/reservations",
            {"reference": "R", "warehouse_code": "WH1", "lines": [{"sku": "NO-SUCH", "quantity": "1"}]},
            422,
            "NO-SUCH",
        ),
        (
            "/api/v1/inventory/reservations",
            {"reference": "R", "warehouse_code": "WH1", "lines": [{"sku": "S1", "quantity": "11"}]},
            409,
            "short_lines",
        ),
    ],
)
def test_bad_reservations_are_problems_and_change_nothing(
    api: Any, path: str, body: Any, status: int, mention: str
) -> None:
    before = _rows(api.db)
    response = api.post(path, json=body)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert mention in response.get_data(as_text=True)
    assert _rows(api.db) == before


@pytest.mark.parametrize("query", ["", "?at=2026-03-01", "?at=yesterday", "?at=2026-03-01T00:00:00"])
def test_as_of_needs_an_aware_time(api: Any, query: str) -> None:
    response = api.get(f"/api/v1/inventory/stock-as-of{query}")
    assert response.status_code == 422 and "at" in response.get_json()["errors"]
