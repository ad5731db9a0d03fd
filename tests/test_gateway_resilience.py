"""Issue 3 acceptance 2, 3 and 4: a stopped service, idempotent POSTs, and rate limits shared by workers."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from psi_chassis.testing import metric_sum, scrape

pytestmark = pytest.mark.integration


@pytest.fixture
def gateway_stack(stack: Any, database_for: Any) -> Any:
    for name in ("purchasing", "inventory", "gateway"):
        database_for(name)
    return stack


def test_stopped_service_is_503_fast_breaker_opens_and_others_still_work(gateway_stack: Any) -> None:
    stack = gateway_stack
    stack.api("purchasing")
    stack.api("inventory")
    stack.api(
        "gateway",
        PSI_GATEWAY_BREAKER_FAILURES="3",
        PSI_GATEWAY_BREAKER_RESET_SECONDS="300",
        PSI_GATEWAY_CONNECT_TIMEOUT="1",
        PSI_GATEWAY_READ_TIMEOUT="2",
    )
    gw = stack.client()
    assert gw.get("/api/v1/inventory/stock")[0] == 200

    stack.processes["inventory-api"].stop()
    answers = []
    for _ in range(5):
        started = time.monotonic()
        status, problem, _ = gw.get("/api/v1/inventory/stock")
        answers.append((status, problem["code"], time.monotonic() - started))
    assert all(status == 503 for status, _, _ in answers), answers
    assert all(elapsed < 3.0 for _, _, elapsed in answers), "within the connect and read timeouts"
    assert [code for _, code, _ in answers[:3]] == ["SERVICE_UNAVAILABLE"] * 3
    assert [code for _, code, _ in answers[3:]] == ["CIRCUIT_OPEN"] * 2, "the breaker opened after 3 failures"
    samples = scrape(f"{stack.api_urls['gateway']}/metrics")
    assert metric_sum(samples, "psi_gateway_circuit_state", service="inventory") == 2
    assert metric_sum(samples, "psi_gateway_circuit_state", service="purchasing") == 0

    status, page, _ = gw.get("/api/v1/purchasing/suppliers")
    assert status == 200 and page["total"] == 0, "purchasing is unaffected"


def test_idempotency_key_creates_one_document(gateway_stack: Any, known_items: Any, known_warehouses: Any) -> None:
    stack = gateway_stack
    known_items("SKU-IDEM")
    known_warehouses("WH1")
    stack.api("purchasing")
    stack.api("gateway")
    gw = stack.client()
    key = {"Idempotency-Key": "create-supplier-1"}
    body = {"code": "IDEM", "name": "Once Only"}

    first = gw.post("/api/v1/purchasing/suppliers", json=body, headers=key)
    again = gw.post("/api/v1/purchasing/suppliers", json=body, headers=key)
    assert first[0] == again[0] == 201
    assert again[1] == first[1] and again[2].headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first[2].headers
    status, problem, _ = gw.post("/api/v1/purchasing/suppliers", json={**body, "name": "Other"}, headers=key)
    assert (status, problem["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")

    order = {
        "supplier_id": first[1]["id"],
        "warehouse_code": "WH1",
        "lines": [{"sku": "SKU-IDEM", "quantity": "1", "unit_price": "1.00"}],
    }
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(
                lambda _: gw.post(
                    "/api/v1/purchasing/purchase-orders", json=order, headers={"Idempotency-Key": "po-burst-7"}
                ),
                range(8),
            )
        )
    assert {status for status, _, _ in results} == {201}, [r[:2] for r in results]
    assert len({body["id"] for _, body, _ in results}) == 1, "eight concurrent retries, one purchase order"
    status, page, _ = gw.get("/api/v1/purchasing/purchase-orders")
    assert page["total"] == 1
    status, suppliers, _ = gw.get("/api/v1/purchasing/suppliers")
    assert suppliers["total"] == 1


def test_rate_limit_holds_across_two_gunicorn_workers(gateway_stack: Any, tmp_path: Path) -> None:
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("TEST_REDIS_URL is not set: make test exports it when Redis answers")
        pytest.skip("no Redis: set TEST_REDIS_URL")
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    stack = gateway_stack
    stack.api("inventory")
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    stack.api(
        "gateway",
        workers=2,
        PSI_REDIS_URL=redis_url,
        PSI_RATE_LIMIT_PER_USER="20/minute",
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
    )
    gw = stack.client()

    def answered() -> set[str]:
        return {p.name.rsplit("_", 1)[-1] for p in multiproc.glob("counter_*.db")}

    # Which worker accepts a connection is the kernel's choice: send rounds of concurrent requests until both
    # workers have answered some (bounded), then every answer must still fit one shared limit.
    results: list[Any] = []
    for _ in range(15):
        with ThreadPoolExecutor(max_workers=24) as pool:
            results += list(pool.map(lambda _: gw.get("/api/v1/inventory/stock"), range(24)))
        if len(answered()) >= 2:
            break
    assert len(answered()) >= 2, f"both workers answered requests: {answered()}"
    statuses = sorted(status for status, _, _ in results)
    assert statuses.count(200) == 20 and statuses.count(429) == len(results) - 20, statuses
    limited = next(r for r in results if r[0] == 429)
    assert limited[1]["code"] == "RATE_LIMITED" and int(limited[2].headers["Retry-After"]) >= 1
    assert (
        metric_sum(scrape(f"{stack.api_urls['gateway']}/metrics"), "psi_gateway_rate_limited_total", limit="user")
        == len(results) - 20
    )
