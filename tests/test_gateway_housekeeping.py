"""Issue 8 points 19 and 21: `psi users reset-password` for a lost password (against PostgreSQL and against the
`var/gateway.db` of `make run`), and the purge of expired idempotency keys and dead refresh tokens, by the
running gateway and by `psi gateway purge`."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, func, insert, select

from psi_chassis.testing import metric_sum, scrape, wait_for
from psi_chassis.types import utcnow
from psi_gateway.app import create_app
from psi_gateway.tables import idempotency_keys, refresh_tokens

pytestmark = pytest.mark.integration

OLD_PASSWORD = "the-forgotten-password"


def psi(
    *args: str, database_url: str | None = None, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The `psi` command in a process of its own, as an operator would run it."""
    env = {k: v for k, v in os.environ.items() if k != "GATEWAY_DATABASE_URL"}
    if database_url:
        env["GATEWAY_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "psi_chassis.cli", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _gateway_app(database_url: str) -> Any:
    env = {
        "GATEWAY_DATABASE_URL": database_url,
        "PSI_ADMIN_PASSWORD": OLD_PASSWORD,
        "PSI_RATE_LIMIT_LOGIN": "1000/minute",
    }
    return create_app(service_urls={}, env=env, migrate=True)


def _login(app: Any, password: str) -> Any:
    return app.test_client().post("/api/v1/auth/token", json={"username": "admin", "password": password})


def _reset_and_check(app: Any, result: subprocess.CompletedProcess[str], new_password: str | None) -> None:
    """The command succeeded; the new password works, the old one and the old refresh token do not."""
    assert result.returncode == 0, result.stderr
    assert "their refresh tokens are revoked" in result.stdout
    if new_password is None:  # generated: printed once, on its own line
        new_password = result.stdout.rsplit("new password: ", 1)[1].strip()
        assert len(new_password) == 16, new_password  # 12 random bytes in URL-safe base64
    assert _login(app, new_password).status_code == 200
    assert _login(app, OLD_PASSWORD).status_code == 401


def test_reset_password_against_postgresql(database_for: Any) -> None:
    url = database_for("gateway")
    app = _gateway_app(url)
    session = _login(app, OLD_PASSWORD).get_json()

    _reset_and_check(app, psi("users", "reset-password", "admin", database_url=url), None)
    refreshed = app.test_client().post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert (refreshed.status_code, refreshed.get_json()["code"]) == (401, "INVALID_REFRESH_TOKEN")

    typed = "a-password-from-stdin"
    _reset_and_check(
        app, psi("users", "reset-password", "admin", "--password-stdin", database_url=url, stdin=typed + "\n"), typed
    )
    assert "new password" not in psi("users", "list", database_url=url).stdout
    unknown = psi("users", "reset-password", "nobody", database_url=url)
    assert unknown.returncode == 1 and "user nobody does not exist" in unknown.stderr
    short = psi("users", "reset-password", "admin", "--password-stdin", database_url=url, stdin="short\n")
    assert short.returncode == 1 and "8 to 128 characters" in short.stderr


def test_reset_password_against_the_make_run_database(tmp_path: Path) -> None:
    # `make run` (psi dev --var var) keeps the gateway's users in var/gateway.db under the directory it runs in.
    var = tmp_path / "var"
    var.mkdir()
    app = _gateway_app(f"sqlite:///{(var / 'gateway.db').resolve()}")
    assert _login(app, OLD_PASSWORD).status_code == 200

    _reset_and_check(app, psi("users", "reset-password", "admin", cwd=tmp_path), None)  # the default path
    _reset_and_check(
        app,
        psi(
            "gateway",
            "users",
            "reset-password",
            "admin",
            "--var",
            str(var),
            "--password-stdin",
            stdin="another-new-password\n",
        ),
        "another-new-password",
    )
    listed = psi("users", "list", cwd=tmp_path)
    assert listed.returncode == 0 and "admin" in listed.stdout and "active" in listed.stdout
    missing = psi("users", "list", "--var", str(tmp_path / "elsewhere"))
    assert missing.returncode == 1 and "no gateway database" in missing.stderr


# --- purging ------------------------------------------------------------------------------------------------


def _seed_rows(database_url: str) -> None:
    """Two rows of each kind that must go and the ones that must stay (the idempotency TTL is 1 day, a revoked
    refresh token is kept 1 day)."""
    now = utcnow()
    engine = create_engine(database_url)
    with engine.begin() as conn:
        for key, age in (
            ("expired-key", timedelta(days=2)),
            ("older-expired-key", timedelta(days=30)),
            ("fresh-key", timedelta(hours=1)),
        ):
            conn.execute(
                insert(idempotency_keys).values(
                    principal="1", key=key, fingerprint="f" * 64, status=201, body=b"{}", created_at=now - age
                )
            )
        for name, expires, revoked in (
            ("expired", now - timedelta(days=1), None),
            ("revoked-long-ago", now + timedelta(days=5), now - timedelta(days=2)),
            ("revoked-just-now", now + timedelta(days=5), now - timedelta(hours=1)),
            ("live", now + timedelta(days=5), None),
        ):
            conn.execute(
                insert(refresh_tokens).values(
                    token_hash=hashlib.sha256(name.encode()).hexdigest(),
                    user_id=1,
                    expires_at=expires,
                    revoked_at=revoked,
                    created_at=now - timedelta(days=9),
                )
            )
    engine.dispose()


def _left(database_url: str) -> tuple[set[str], int]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        keys = set(conn.execute(select(idempotency_keys.c.key)).scalars())
        tokens = int(conn.execute(select(func.count()).select_from(refresh_tokens)).scalar_one())
    engine.dispose()
    return keys, tokens


def test_the_running_gateway_purges_expired_rows(stack: Any, database_for: Any) -> None:
    url = database_for("gateway")
    gateway = stack.api("gateway", PSI_GATEWAY_PURGE_INTERVAL_SECONDS="1")  # 1 worker
    _seed_rows(url)

    def purged() -> bool:
        requests.get(f"{gateway}/alive", timeout=5)  # the purge rides on a request, after its answer
        return _left(url) == ({"fresh-key"}, 2)  # revoked-just-now and live stay

    wait_for(purged, timeout=20, message="expired keys and dead refresh tokens purged")
    samples = scrape(f"{gateway}/metrics")
    assert metric_sum(samples, "psi_gateway_purged_rows_total", table="idempotency_keys") == 2
    assert metric_sum(samples, "psi_gateway_purged_rows_total", table="refresh_tokens") == 2


def test_purge_command(database_for: Any) -> None:
    url = database_for("gateway")
    _gateway_app(url)  # the first admin (user 1) the refresh tokens belong to
    _seed_rows(url)
    result = psi("gateway", "purge", database_url=url)
    assert result.returncode == 0, result.stderr
    assert "deleted 2 expired idempotency keys and 2 dead refresh tokens" in result.stdout
    assert _left(url) == ({"fresh-key"}, 2)
    again = psi("gateway", "purge", database_url=url)
    assert "deleted 0 expired idempotency keys and 0 dead refresh tokens" in again.stdout
