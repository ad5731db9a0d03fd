"""Acceptance 6: bad input gets a clear problem+json 4xx through the gateway and writes nothing; never a 5xx."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

pytestmark = pytest.mark.integration


def _snapshot(url: str) -> dict[str, int]:
    """Row count of every table: a bad request must leave every one of them as it was."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = [t for t in inspect(conn).get_table_names() if t != "alembic_version"]
            return {t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() or 0) for t in tables}
    finally:
        engine.dispose()


@pytest.fixture
def purchasing_stack(stack: Any, database_for: Any, known_items: Any, known_warehouses: Any) -> Any:
    database_for("purchasing")
    known_items("SKU-1", "S")
    known_warehouses("WH1")
    database_for("gateway")
    stack.api("purchasing")
    stack.api("gateway")
    return stack


def _setup(gw: Any) -> tuple[int, int]:
    status, supplier, _ = gw.post("/api/v1/purchasing/suppliers", json={"code": "GOOD", "name": "Good"})
    assert status == 201, supplier
    status, po, _ = gw.post("/api/v1/purchasing/purchase-orders", json={
        "supplier_id": supplier["id"], "warehouse_code": "WH1",
        "lines": [{"sku": "SKU-1", "quantity": "5", "unit_price": "1.00"}],
    })
    assert status == 201, po
    # 5 × 1.00 = 5 <= 5,000: submitting approves it automatically (first approval tier)
    status, approved, _ = gw.post(f"/api/v1/purchasing/purchase-orders/{po['id']}/submit", json={})
    assert status == 200 and approved["status"] == "approved", approved
    return supplier["id"], po["id"]


BAD_REQUESTS: list[tuple[str, str, Any, int, str]] = [
    # (name, path, body, expected status, field or code that must be named)
    ("wrong type", "/api/v1/purchasing/suppliers", {"code": 42, "name": "X"}, 422, "code"),
    ("unknown field", "/api/v1/purchasing/suppliers", {"code": "NEW", "name": "X", "colour": "red"}, 422, "colour"),
    ("missing field", "/api/v1/purchasing/suppliers", {"code": "NEW"}, 422, "name"),
    ("not json", "/api/v1/purchasing/suppliers", "this is not json", 400, ""),
    ("missing supplier", "/api/v1/purchasing/purchase-orders",
     {"supplier_id": 999999, "warehouse_code": "WH1", "lines": [{"sku": "S", "quantity": "1", "unit_price": "1"}]},
     422, "supplier_id"),
    ("negative quantity", "/api/v1/purchasing/purchase-orders",
     {"supplier_id": "{supplier}", "warehouse_code": "WH1",
      "lines": [{"sku": "S", "quantity": "-1", "unit_price": "1"}]}, 422, "lines"),
    ("empty lines", "/api/v1/purchasing/purchase-orders",
     {"supplier_id": "{supplier}", "warehouse_code": "WH1", "lines": []}, 422, "lines"),
    ("negative receipt", "/api/v1/purchasing/purchase-orders/{po}/receipts",
     {"lines": [{"line_no": 1, "received_quantity": "-2", "accepted_quantity": "-2", "rejected_quantity": "0"}]},
     422, "lines"),
    ("over receipt", "/api/v1/purchasing/purchase-orders/{po}/receipts",
     {"lines": [{"line_no": 1, "received_quantity": "6", "accepted_quantity": "6", "rejected_quantity": "0"}]},
     409, "OVER_RECEIPT"),
    ("unknown po", "/api/v1/purchasing/purchase-orders/987654/receipts",
     {"lines": [{"line_no": 1, "received_quantity": "1", "accepted_quantity": "1", "rejected_quantity": "0"}]},
     404, ""),
]


def _fill(value: Any, supplier: int, po: int) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, supplier, po) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, supplier, po) for v in value]
    if value == "{supplier}":
        return supplier
    if isinstance(value, str):
        return value.replace("{po}", str(po))
    return value


def test_bad_input_is_a_problem_and_changes_nothing(purchasing_stack: Any) -> None:
    gw = purchasing_stack.client()
    supplier, po = _setup(gw)
    before = _snapshot(purchasing_stack.database_urls["purchasing"])
    failures = []
    for name, path, body, expected, mention in BAD_REQUESTS:
        path = _fill(path, supplier, po)
        body = _fill(body, supplier, po)
        kwargs: dict[str, Any] = (
            {"data": body, "headers": {"Content-Type": "application/json"}} if isinstance(body, str)
            else {"json": body}
        )
        status, problem, response = gw.post(path, **kwargs)
        ok = (
            status == expected
            and response.headers.get("Content-Type", "").startswith("application/problem+json")
            and isinstance(problem, dict)
            and problem.get("status") == status
            and problem.get("title")
            and problem.get("request_id") == response.headers.get("X-Request-ID")
            and (mention in str(problem.get("errors", {})) or mention == problem.get("code") or not mention)
        )
        if not ok:
            failures.append((name, status, problem))
    assert not failures, failures
    assert _snapshot(purchasing_stack.database_urls["purchasing"]) == before
