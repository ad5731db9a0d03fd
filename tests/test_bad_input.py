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
    status, po, _ = gw.post(
        "/api/v1/purchasing/purchase-orders",
        json={
            "supplier_id": supplier["id"],
            "warehouse_code": "WH1",
            "lines": [{"sku": "SKU-1", "quantity": "5", "unit_price": "1.00"}],
        },
    )
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
    (
        "missing supplier",
        "/api/v1/purchasing/purchase-orders",
        {"supplier_id": 999999, "warehouse_code": "WH1", "lines": [{"sku": "S", "quantity": "1", "unit_price": "1"}]},
        422,
        "supplier_id",
    ),
    (
        "negative quantity",
        "/api/v1/purchasing/purchase-orders",
        {
            "supplier_id": "{supplier}",
            "warehouse_code": "WH1",
            "lines": [{"sku": "S", "quantity": "-1", "unit_price": "1"}],
        },
        422,
        "lines",
    ),
    (
        "empty lines",
        "/api/v1/purchasing/purchase-orders",
        {"supplier_id": "{supplier}", "warehouse_code": "WH1", "lines": []},
        422,
        "lines",
    ),
    (
        "negative receipt",
        "/api/v1/purchasing/purchase-orders/{po}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "-2", "accepted_quantity": "-2", "rejected_quantity": "0"}]},
        422,
        "lines",
    ),
    (
        "over receipt",
        "/api/v1/purchasing/purchase-orders/{po}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "6", "accepted_quantity": "6", "rejected_quantity": "0"}]},
        409,
        "OVER_RECEIPT",
    ),
    (
        "unknown po",
        "/api/v1/purchasing/purchase-orders/987654/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "1", "accepted_quantity": "1", "rejected_quantity": "0"}]},
        404,
        "",
    ),
    # Issue 8: syntax-level problems are 400 before anything else looks at the body, gateway and service alike.
    ("330 levels deep (660 bytes)", "/api/v1/purchasing/suppliers", "[" * 330 + "]" * 330, 400, "JSON_TOO_DEEP"),
    (
        "quantity given twice",
        "/api/v1/purchasing/purchase-orders",
        '{"supplier_id": {supplier}, "warehouse_code": "WH1", '
        '"lines": [{"sku": "S", "quantity": "1", "quantity": "1000", "unit_price": "1"}]}',
        400,
        "DUPLICATE_KEY",
    ),
    ("NaN", "/api/v1/purchasing/suppliers", '{"code": "NAN", "name": NaN}', 400, "INVALID_JSON"),
    # Names that only look like names.
    ("zero-width space name", "/api/v1/purchasing/suppliers", {"code": "ZW", "name": "\u200b"}, 422, "name"),
    ("right-to-left override", "/api/v1/purchasing/suppliers", {"code": "RLO", "name": "Acme\u202eLtd"}, 422, "name"),
    ("bell character", "/api/v1/purchasing/suppliers", {"code": "BEL", "name": "Ac\u0007me"}, 422, "name"),
    ("line separator", "/api/v1/purchasing/suppliers", {"code": "LS", "name": "Acme\u2028Ltd"}, 422, "name"),
    ("trailing newline in a name", "/api/v1/purchasing/suppliers", {"code": "NL", "name": "Acme\n"}, 422, "name"),
]


def _fill(value: Any, supplier: int, po: int) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, supplier, po) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, supplier, po) for v in value]
    if value == "{supplier}":
        return supplier
    if isinstance(value, str):
        return value.replace("{po}", str(po)).replace("{supplier}", str(supplier))
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
            {"data": body, "headers": {"Content-Type": "application/json"}} if isinstance(body, str) else {"json": body}
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


def test_gateway_and_service_give_the_same_answer_to_a_broken_body(purchasing_stack: Any) -> None:
    gw = purchasing_stack.client()
    service = purchasing_stack.client(token=gw.token, base="purchasing")
    before = _snapshot(purchasing_stack.database_urls["purchasing"])
    cases = [  # (body, Content-Type, expected status and code)
        ('{"code": "X", "name": ', "application/json", 400, "INVALID_JSON"),
        ("[" * 330 + "]" * 330, "application/json", 400, "JSON_TOO_DEEP"),
        ('{"code": "X", "code": "Y", "name": "Z"}', "application/json", 400, "DUPLICATE_KEY"),
        ('{"code": "X", "name": "Y"}', None, 415, "UNSUPPORTED_MEDIA_TYPE"),
        ('{"code": "X", "name": "Y"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    ]
    wrong = []
    for body, content_type, status, code in cases:
        headers = {"Content-Type": content_type} if content_type else {}
        for where, client in (("gateway", gw), ("service", service)):
            got, problem, response = client.post("/api/v1/purchasing/suppliers", data=body, headers=headers)
            if (got, problem.get("code")) != (status, code) or not response.headers["Content-Type"].startswith(
                "application/problem+json"
            ):
                wrong.append((where, body[:30], content_type, got, problem))
    assert not wrong, wrong
    missing_type = gw.post("/api/v1/purchasing/suppliers", data='{"code": "X", "name": "Y"}')[1]
    assert "Content-Type: application/json" in missing_type["detail"], "the header is named"
    assert _snapshot(purchasing_stack.database_urls["purchasing"]) == before


@pytest.mark.parametrize("where", ["gateway", "purchasing"])
def test_errors_gunicorn_answers_itself_are_problems_too(purchasing_stack: Any, where: str) -> None:
    import requests

    base = purchasing_stack.api_urls[where]
    too_long = requests.get(f"{base}/api/v1/purchasing/suppliers/{'x' * 5000}", timeout=10)  # line > 4094 bytes
    too_many = requests.get(f"{base}/alive", headers={f"X-Filler-{n}": "y" for n in range(120)}, timeout=10)
    for response, status, code in ((too_long, 414, "URI_TOO_LONG"), (too_many, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE")):
        assert response.status_code == status, response.text[:200]
        assert response.headers["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert (problem["status"], problem["code"], problem["type"]) == (status, code, "about:blank")
        assert problem["detail"] and problem["request_id"] == response.headers["X-Request-ID"]
    assert "4094 bytes" in too_long.json()["detail"]
