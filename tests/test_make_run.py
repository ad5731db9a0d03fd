"""Acceptance 8: `make run` serves the purchase-to-stock flow on SQLite and the in-process bus, and Ctrl-C stops it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from psi_chassis.testing import http_json, wait_for
from psi_chassis.testing.helpers import free_port_block

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def embedded(tmp_path: Path) -> Any:
    port = free_port_block(6)  # the gateway, then the five services on the next ports
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL") and k != "AMQP_URL"}
    env.pop("PSI_ADMIN_PASSWORD", None)  # a fresh var/: make run creates the admin and prints the password
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}", f"VAR={tmp_path / 'var'}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        gateway = wait_for(
            lambda: (
                next((m.group(1) for ln in list(lines) if (m := re.search(r"Gateway: (http://\S+)", ln))), None)
                if proc.poll() is None
                else pytest.fail("make run exited:\n" + "".join(lines))
            ),
            timeout=120,
            message="make run to print the gateway URL",
        )
        printed = wait_for(
            lambda: next((m.group(1) for ln in list(lines) if (m := re.search(r"admin / (\S+)", ln))), None),
            timeout=10,
            message="the first admin's password",
        )
        status, tokens, _ = http_json(
            "POST", f"{gateway}/api/v1/auth/token", json={"username": "admin", "password": printed}
        )
        assert status == 200, tokens
        yield gateway, proc, lines, tmp_path / "var", {"Authorization": f"Bearer {tokens['access_token']}"}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_make_run_serves_the_flow_and_stops_cleanly(embedded: Any) -> None:
    gw, proc, lines, var, auth = embedded
    status, supplier, _ = http_json(
        "POST", f"{gw}/api/v1/purchasing/suppliers", json={"code": "EMB", "name": "Emb"}, headers=auth
    )
    assert status == 201, supplier
    status, item, _ = http_json(
        "POST", f"{gw}/api/v1/inventory/items", json={"sku": "SKU-EMB", "name": "Emb item"}, headers=auth
    )
    assert status == 201, item
    status, warehouse, _ = http_json(
        "POST", f"{gw}/api/v1/inventory/warehouses", json={"code": "MAIN", "name": "Main"}, headers=auth
    )
    assert status == 201, warehouse
    order = {
        "supplier_id": supplier["id"],
        "warehouse_code": "MAIN",
        "lines": [{"sku": "SKU-EMB", "quantity": "3", "unit_price": "9.99"}],
    }

    def accepted() -> Any:
        # 422 UNKNOWN_SKU / UNKNOWN_WAREHOUSE until inventory's ItemCreated and WarehouseCreated reach purchasing
        code, body, _ = http_json("POST", f"{gw}/api/v1/purchasing/purchase-orders", json=order, headers=auth)
        assert code in (201, 422), body
        return body if code == 201 else None

    po = wait_for(accepted, timeout=30, message="the new item and warehouse in purchasing's replicas")
    # 3 × 9.99 = 29.97 <= 5,000: submitting approves it automatically (first approval tier)
    status, submitted, _ = http_json(
        "POST", f"{gw}/api/v1/purchasing/purchase-orders/{po['id']}/submit", json={}, headers=auth
    )
    assert status == 200 and submitted["status"] == "approved", submitted
    status, receipt, _ = http_json(
        "POST",
        f"{gw}/api/v1/purchasing/purchase-orders/{po['id']}/receipts",
        json={
            "lines": [{"line_no": 1, "received_quantity": "3", "accepted_quantity": "3", "rejected_quantity": "0"}],
        },
        headers=auth,
    )
    assert status == 201, receipt

    def stock() -> Any:
        code, body, _ = http_json("GET", f"{gw}/api/v1/inventory/stock/SKU-EMB", headers=auth)
        # the warehouse exists, so the item has a zero balance row there until the receipt is booked
        return body if code == 200 and Decimal(body["on_hand"]) > 0 else None

    body = wait_for(stock, timeout=30, message="stock visible through the embedded gateway")
    assert Decimal(body["on_hand"]) == 3 and Decimal(body["value"]) == Decimal("29.97")
    assert all((var / f"{db}.db").exists() for db in ("inventory", "purchasing", "gateway")), "SQLite under var/"

    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=30)
    wait_for(lambda: any("stopped." in ln for ln in lines), timeout=10, message="clean shutdown message")


def test_make_run_keeps_the_terminal_short_and_logs_to_var(embedded: Any) -> None:
    """Issue 8 point 19: the JSON logs go to var/logs/, the banner comes last, and the password is kept in var/."""
    gw, proc, lines, var, auth = embedded
    # Some traffic, so every part of the system has logged something by now.
    status, me, _ = http_json("GET", f"{gw}/api/v1/auth/me", headers=auth)
    assert status == 200 and me["username"] == "admin", me
    printed = "".join(lines)
    assert not any(ln.lstrip().startswith("{") for ln in lines), f"JSON log lines on the terminal:\n{printed}"
    banner_start = next(i for i, ln in enumerate(lines) if "PSI is running" in ln)
    banner = lines[banner_start:]
    assert banner[-1].strip() == "Press Ctrl-C to stop.", printed
    assert any(f"{gw}/api/v1/docs" in ln for ln in banner), printed
    password = next(m.group(1) for ln in banner if (m := re.search(r"admin / (\S+)", ln)))
    assert (var / "admin-password").read_text().strip() == password
    assert (var / "admin-password").stat().st_mode & 0o077 == 0, "the password file is readable by others"
    assert len(lines) <= 12, f"the terminal got more than a short banner:\n{printed}"

    log_file = var / "logs" / "psi.log"
    wait_for(lambda: '"/api/v1/auth/me"' in log_file.read_text(), timeout=10, message="the access log in the file")
    records = [json.loads(ln) for ln in log_file.read_text().splitlines() if ln.strip()]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)


def _walkthrough() -> str:
    """The README's "Try it" block, exactly as written."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Try it") :]
    start = section.index("```sh\n") + len("```sh\n")
    return section[start : section.index("\n```", start)]


def test_the_readme_walkthrough_works_pasted_whole_on_a_fresh_make_run(embedded: Any) -> None:
    """Issue 8 point 18: the block runs as a user pastes it (bash, in the repository, against make run's var/),
    stops at the first failed call, and leaves the figures it promises."""
    gw, _proc, _lines, var, auth = embedded
    env = {**os.environ, "GW": gw, "VAR": str(var)}
    run = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", _walkthrough()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, f"the walkthrough failed:\n{run.stderr[-3000:]}\n{run.stdout[-3000:]}"
    assert "HTTP 4" not in run.stderr and "HTTP 5" not in run.stderr, run.stderr
    status, stock, _ = http_json("GET", f"{gw}/api/v1/inventory/stock/WIDGET-RED", headers=auth)
    # 490 accepted x 12.50 = 6,125.00; 3 reserved for SHOP-1001, so 487 available
    assert status == 200 and (Decimal(stock["on_hand"]), Decimal(stock["reserved"])) == (490, 3), stock
    assert Decimal(stock["value"]) == Decimal("6125") == Decimal(stock["value_fifo"])
    status, budgets, _ = http_json("GET", f"{gw}/api/v1/purchasing/budgets?department=office", headers=auth)
    assert status == 200 and Decimal(budgets["items"][0]["committed"]) == Decimal("6250"), budgets
