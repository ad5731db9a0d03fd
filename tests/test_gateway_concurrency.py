"""Issue 8 point 1, for real: gunicorn gateway and services, PostgreSQL, many clients at once.

Before the fix the gateway's circuit breaker held a lock for the whole HTTP call, so each gateway worker sent one
call at a time to a service; waiting threads filled its pool, an unrelated GET got no answer, and after a
service restart the service's fetch of the token key set queued behind the very calls it had to verify (401
TOKEN_KEYS_UNAVAILABLE), leaving the gateway answering nothing, /alive included, for minutes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from psi_chassis.testing import http_json, wait_for

pytestmark = pytest.mark.integration

SKU = "SKU-CONC"


@pytest.fixture
def inventory_stack(stack: Any, database_for: Any) -> Any:
    database_for("inventory")
    database_for("gateway")
    return stack


@contextmanager
def item_row_locked(database_url: str) -> Iterator[None]:
    """Hold the item's row lock in a transaction of our own: every PATCH of the item waits inside inventory."""
    engine = create_engine(database_url)
    conn = engine.connect()
    try:
        trans = conn.begin()
        conn.execute(text("SELECT sku FROM items WHERE sku = :sku FOR UPDATE"), {"sku": SKU})
        yield
        trans.rollback()
    finally:
        conn.close()
        engine.dispose()


def waiting_on_locks(database_url: str) -> int:
    """Backends of the database waiting for a lock right now: the PATCHes that are inside inventory."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                    )
                ).scalar()
                or 0
            )
    finally:
        engine.dispose()


def _create_item(gw: Any) -> None:
    status, item, _ = gw.post("/api/v1/inventory/items", json={"sku": SKU, "name": "Concurrency"})
    assert status == 201, item


def _timed_get(url: str, **kwargs: Any) -> tuple[int, float]:
    started = time.monotonic()
    status = requests.get(url, timeout=30, **kwargs).status_code
    return status, time.monotonic() - started


def test_concurrent_calls_reach_the_service_together_and_others_are_answered(inventory_stack: Any) -> None:
    stack = inventory_stack
    stack.api("inventory", workers=8)  # 6 will wait on the lock, 2 stay free
    stack.api("gateway")  # 2 workers x 16 threads
    gw = stack.client()
    _create_item(gw)
    inventory_db = stack.database_urls["inventory"]

    with ThreadPoolExecutor(max_workers=6) as pool, item_row_locked(inventory_db):
        patches = [
            pool.submit(gw.call, "PATCH", f"/api/v1/inventory/items/{SKU}", json={"name": f"Name {n}"})
            for n in range(6)
        ]
        # All six PATCHes inside inventory at once (before the fix: one per gateway worker, so 2).
        wait_for(lambda: waiting_on_locks(inventory_db) == 6, timeout=15, message="6 PATCHes waiting inside inventory")
        status, elapsed = _timed_get(
            f"{stack.api_urls['gateway']}/api/v1/inventory/items/{SKU}", headers={"Authorization": f"Bearer {gw.token}"}
        )
        assert status == 200 and elapsed < 2.0, f"an unrelated GET answered in {elapsed:.2f} s (before: none in 8 s)"
    assert sorted(f.result(timeout=30)[0] for f in patches) == [200] * 6


def test_key_set_and_alive_never_wait_behind_proxied_calls(inventory_stack: Any) -> None:
    stack = inventory_stack
    stack.api("inventory", workers=6)
    # One gateway worker with 2 threads: two PATCHes waiting on the lock take both of them.
    stack.api("gateway", GUNICORN_CMD_ARGS="--threads 2")
    gw = stack.client()
    _create_item(gw)
    gateway = stack.api_urls["gateway"]

    with ThreadPoolExecutor(max_workers=4) as pool, item_row_locked(stack.database_urls["inventory"]):
        patches = [
            pool.submit(gw.call, "PATCH", f"/api/v1/inventory/items/{SKU}", json={"name": f"N{n}"}) for n in range(4)
        ]  # 2 take the gateway's threads, 2 queue behind them
        wait_for(
            lambda: waiting_on_locks(stack.database_urls["inventory"]) == 2,
            timeout=15,
            message="both gateway threads are busy waiting on inventory",
        )
        for path in ("/api/v1/auth/jwks", "/alive", "/metrics"):
            status, elapsed = _timed_get(f"{gateway}{path}")
            assert status == 200 and elapsed < 1.0, f"{path} took {elapsed:.2f} s with every thread busy"
    assert sorted(f.result(timeout=30)[0] for f in patches) == [200] * 4


def _close_wait_sockets(port: int) -> int:
    """Sockets of the gateway's port in CLOSE-WAIT (state 08 in /proc/net/tcp): clients gone, never answered."""
    count = 0
    for table in (Path("/proc/net/tcp"), Path("/proc/net/tcp6")):
        if not table.exists():
            continue
        for line in table.read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "08" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


def test_a_burst_right_after_a_service_restart_leaves_the_gateway_answering(inventory_stack: Any) -> None:
    stack = inventory_stack
    stack.api("inventory", workers=6)
    stack.api("gateway")
    gw = stack.client()
    gateway = stack.api_urls["gateway"]
    assert gw.get("/api/v1/inventory/stock")[0] == 200

    inventory = stack.processes["inventory-api"]
    logged_before = len(inventory.log_records())
    inventory.stop()
    inventory.start()  # same port: the gateway's URL for inventory is unchanged
    wait_for(
        lambda: requests.get(f"{stack.api_urls['inventory']}/alive", timeout=1).ok, timeout=60, message="inventory back"
    )

    headers = {"Authorization": f"Bearer {gw.token}"}
    alive_times: list[float] = []

    def client(_: int) -> tuple[int, str]:
        status, body, _response = http_json("GET", f"{gateway}/api/v1/inventory/stock", headers=headers, timeout=60)
        return status, body.get("code", "") if isinstance(body, dict) else ""

    with ThreadPoolExecutor(max_workers=200) as pool:
        burst = [pool.submit(client, n) for n in range(200)]
        while not all(f.done() for f in burst):
            alive_times.append(_timed_get(f"{gateway}/alive")[1])
        answers = [f.result() for f in burst]

    wrong = [a for a in answers if a[0] != 200]
    assert not wrong, f"{len(wrong)} of 200 not answered 200, e.g. {wrong[:5]} (before: TOKEN_KEYS_UNAVAILABLE)"
    assert max(alive_times) < 2.0, f"/alive took up to {max(alive_times):.2f} s during the burst"
    # Nothing stuck afterwards: no connection left unanswered, and a call is answered at once.
    port = int(gateway.rsplit(":", 1)[1])
    wait_for(lambda: _close_wait_sockets(port) == 0, timeout=10, message="no CLOSE-WAIT sockets at the gateway")
    status, elapsed = _timed_get(f"{gateway}/api/v1/inventory/stock", headers=headers)
    assert status == 200 and elapsed < 1.0

    # Every restarted worker fetched the key set at its start and never failed to since.
    # (A worker still booting when the burst ended fetches a moment later: poll for it with a deadline.)
    def key_set_fetches() -> tuple[list[Any], list[Any]]:
        since_restart = inventory.log_records()[logged_before:]
        return (
            [r for r in since_restart if r.get("message", "").startswith("fetched the token key set")],
            [r for r in since_restart if "cannot fetch the token key set" in r.get("message", "")],
        )

    wait_for(lambda: len(key_set_fetches()[0]) >= 6, timeout=30, message="each of the 6 workers fetched the key set")
    fetched, failed = key_set_fetches()
    assert len(fetched) >= 6 and not failed, (len(fetched), failed[:3])  # 6 workers, one fetch each at start
