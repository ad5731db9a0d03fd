"""Acceptance 7 (API half) and 9: metrics summed over gunicorn workers; ruff clean; each package a wheel alone."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from psi_chassis.testing import metric_sum, scrape

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PACKAGES = {
    "contracts": (
        "psi_contracts",
        ["psi_contracts/examples/purchasing.GoodsReceived.v1.json", "psi_contracts/openapi/inventory.json"],
    ),
    "chassis": ("psi_chassis", ["psi_chassis/testing/plugin.py"]),
    "services/inventory": ("psi_inventory", ["psi_inventory/migrations/versions/0001_initial.py"]),
    "services/purchasing": ("psi_purchasing", ["psi_purchasing/migrations/versions/0001_initial.py"]),
    "gateway": ("psi_gateway", ["psi_gateway/routes.py"]),
}


@pytest.mark.integration
def test_api_metrics_sum_both_gunicorn_workers(stack: Any, database_for: Any, tmp_path: Path) -> None:
    database_for("inventory")
    database_for("gateway")
    multiproc = tmp_path / "prom"
    multiproc.mkdir()
    url = stack.api("inventory", workers=2, PROMETHEUS_MULTIPROC_DIR=str(multiproc))
    stack.api("gateway")
    auth = {"Authorization": f"Bearer {stack.login()}"}
    requests_sent = 120

    def call(_: int) -> int:
        return requests.get(
            f"{url}/api/v1/inventory/stock", params={"page_size": 5}, headers=auth, timeout=10
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(call, range(requests_sent)))
    assert statuses == [200] * requests_sent

    samples = scrape(f"{url}/metrics")
    served = metric_sum(samples, "psi_http_requests_total", route="/api/v1/inventory/stock", method="GET", status="200")
    assert served == requests_sent
    worker_files = {p.name.rsplit("_", 1)[-1] for p in multiproc.glob("counter_*.db")}
    assert len(worker_files) >= 2, f"both workers should have counted requests: {worker_files}"
    durations = metric_sum(samples, "psi_http_request_duration_seconds_count", route="/api/v1/inventory/stock")
    assert durations == requests_sent


def test_ruff_is_clean() -> None:
    result = subprocess.run([str(BIN / "ruff"), "check", "--quiet", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_each_package_builds_a_wheel_on_its_own(package: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(BIN / "pip"),
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT / package),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    module, must_contain = PACKAGES[package]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert f"{module}/__init__.py" in names
    for path in must_contain:
        assert path in names, f"{path} missing from {wheel.name}"
