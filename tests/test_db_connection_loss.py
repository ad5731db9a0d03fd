"""Issue 8 point 16, for real: the service's database connections are cut while clients create documents.

A thread terminates every connection purchasing has to its database (``pg_terminate_backend``) again and again
while purchase orders are created through the gateway, each with its own ``Idempotency-Key`` and retried until
it has a definite answer. A lost connection must be a 503 problem with ``Retry-After`` (not a bare 500), and no
retry may create a second order: a request that failed before any COMMIT releases its key (the service says
``PSI-Outcome: none``), one that failed during or after its COMMIT leaves the key "outcome unknown" (409).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.integration

ORDERS = 40
ATTEMPTS = 12


class ConnectionCutter:
    """Terminates the backends of one database, over and over, until stopped; counts what it cut."""

    def __init__(self, database_url: str, every_seconds: float = 0.05) -> None:
        self.engine = create_engine(database_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.every = every_seconds
        self.cut = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self.engine.connect() as conn:
            while not self.stop.wait(self.every):  # pacing of the fault, not a synchronisation
                self.cut += int(
                    conn.execute(
                        text(
                            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    ).scalar()
                    or 0
                )

    def __enter__(self) -> ConnectionCutter:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(10)
        self.engine.dispose()


def _order(supplier_id: int, n: int) -> dict[str, Any]:
    # Order n is told apart by its quantity: n + 1 pieces.
    return {
        "supplier_id": supplier_id,
        "warehouse_code": "WH1",
        "lines": [{"sku": "SKU-CUT", "quantity": str(n + 1), "unit_price": "1.00"}],
    }


def _settle(gw: Any, supplier_id: int, n: int) -> list[tuple[int, str, dict[str, str]]]:
    """POST order n with its key until the answer is definite; every answer, in order."""
    answers = []
    for _ in range(ATTEMPTS):
        status, body, response = gw.post(
            "/api/v1/purchasing/purchase-orders",
            json=_order(supplier_id, n),
            headers={"Idempotency-Key": f"cut-order-{n}"},
        )
        code = body.get("code", "") if isinstance(body, dict) else ""
        answers.append((status, code, dict(response.headers)))
        if status == 201 or code == "IDEMPOTENCY_OUTCOME_UNKNOWN":
            break
    return answers


def test_cut_connections_are_503s_and_no_retry_creates_a_second_order(
    stack: Any, database_for: Any, known_items: Any, known_warehouses: Any
) -> None:
    purchasing_db = database_for("purchasing")
    known_items("SKU-CUT")
    known_warehouses("WH1")
    database_for("gateway")
    stack.extra_env.update({"PSI_RATE_LIMIT_PER_USER": "100000/minute", "PSI_RATE_LIMIT_PER_IP": "100000/minute"})
    stack.api("purchasing", workers=2)
    stack.api("gateway")
    gw = stack.client()
    status, supplier, _ = gw.post("/api/v1/purchasing/suppliers", json={"code": "CUT", "name": "Cut Ltd"})
    assert status == 201, supplier

    with ConnectionCutter(purchasing_db) as cutter, ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda n: _settle(gw, supplier["id"], n), range(ORDERS)))
    assert cutter.cut > 0

    answers = [a for per_order in results for a in per_order]
    unavailable = [a for a in answers if a[0] == 503]
    wrong = [
        a[:2]
        for a in answers
        if a[0] != 201
        and a[1] != "IDEMPOTENCY_OUTCOME_UNKNOWN"
        and not (
            a[0] == 503
            and a[2].get("Content-Type", "").startswith("application/problem+json")
            and int(a[2].get("Retry-After", "0")) >= 1
            and a[1] == "DATABASE_UNAVAILABLE"
        )
    ]
    assert not wrong, f"answers that are neither 201, a 503 problem with Retry-After, nor 409 unknown: {wrong[:10]}"
    assert unavailable, "the cuts hit some requests (else this test proves nothing)"
    assert not any("PSI-Outcome" in a[2] for a in answers), "the service's outcome header never reaches a client"

    engine = create_engine(purchasing_db)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT l.quantity, count(*) FROM purchase_order_lines l GROUP BY l.quantity")).all()
    engine.dispose()
    per_quantity = {int(Decimal(quantity)): count for quantity, count in rows}
    created = {n for n, per_order in enumerate(results) if per_order[-1][0] == 201}
    assert created, "some orders got through between the cuts"
    assert all(count == 1 for count in per_quantity.values()), f"an order created twice: {per_quantity}"
    assert {q - 1 for q in per_quantity} >= created, "every order answered 201 exists, once"
    # An order that ended in "outcome unknown" exists at most once (its first attempt may have committed).
    replay = gw.post(
        "/api/v1/purchasing/purchase-orders",
        json=_order(supplier["id"], min(created)),
        headers={"Idempotency-Key": f"cut-order-{min(created)}"},
    )
    assert replay[0] == 201 and replay[2].headers["Idempotent-Replayed"] == "true"
