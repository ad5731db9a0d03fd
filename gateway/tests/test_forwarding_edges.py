"""Issue 8 at the gateway against a fake upstream: concurrent forwarding, what an Idempotency-Key becomes after
each kind of answer, X-Forwarded-For behind a trusted proxy, the service's outcome header, and the body rules
of the gateway's own routes. No real service: a tiny Flask app on a free port plays one, scripted per test."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, request
from flask.testing import FlaskClient
from sqlalchemy import create_engine, insert
from werkzeug.serving import make_server

from psi_chassis.testing import wait_for
from psi_chassis.types import utcnow
from psi_gateway.app import create_app
from psi_gateway.tables import idempotency_keys

ADMIN_PASSWORD = "forwarding-admin-secret"
READ_TIMEOUT = 0.5
SUPPLIERS = "/api/v1/purchasing/suppliers"


@dataclass
class Script:
    """What the fake service answers to POST /suppliers, and what it has seen."""

    status: int = 201
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    posts: int = 0
    inside: int = 0
    most_inside: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    forwarded_for: list[str] = field(default_factory=list)


def _fake_service(script: Script) -> Flask:
    app = Flask("fake_purchasing")

    @app.post(SUPPLIERS)
    def create_supplier() -> Response:
        script.posts += 1
        script.forwarded_for.append(request.headers.get("X-Forwarded-For", ""))
        if script.delay:
            time.sleep(script.delay)
        body = b'{"id": %d}' % script.posts if script.status < 400 else b'{"code": "X", "status": %d}' % script.status
        kind = "application/json" if script.status < 400 else "application/problem+json"
        return Response(body, status=script.status, content_type=kind, headers=script.headers)

    @app.get("/api/v1/purchasing/suppliers/<int:supplier_id>")
    def blocking_read(supplier_id: int) -> Response:
        with script.lock:
            script.inside += 1
            script.most_inside = max(script.most_inside, script.inside)
        script.release.wait(10)
        with script.lock:
            script.inside -= 1
        return Response(b'{"id": %d}' % supplier_id, content_type="application/json")

    return app


@pytest.fixture
def service() -> Iterator[tuple[str, Script]]:
    script = Script()
    server = make_server("127.0.0.1", 0, _fake_service(script), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", script
    script.release.set()
    server.shutdown()
    thread.join(timeout=5)


def _gateway(url: str, **env: str) -> tuple[Flask, str]:
    database = Path(tempfile.mkdtemp(prefix="psi-gw-")) / "gateway.db"
    settings = {
        "PSI_GATEWAY_READ_TIMEOUT": str(READ_TIMEOUT),
        "PSI_GATEWAY_CONNECT_TIMEOUT": "0.5",
        "GATEWAY_DATABASE_URL": f"sqlite:///{database}",
        "PSI_ADMIN_PASSWORD": ADMIN_PASSWORD,
        **env,
    }
    app = create_app(service_urls={"purchasing": url}, env=settings, migrate=True)
    login = app.test_client().post("/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert login.status_code == 200, login.data
    return app, f"sqlite:///{database}"


def _client(app: Flask) -> FlaskClient:
    client = app.test_client()
    login = client.post("/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD})
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {login.get_json()['access_token']}"
    return client


def _post(client: FlaskClient, key: str, body: bytes = b'{"code": "ACME", "name": "Acme"}') -> Any:
    return client.post(SUPPLIERS, data=body, content_type="application/json", headers={"Idempotency-Key": key})


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == code, body
    return body


# --- point 1: no breaker lock around the call ---------------------------------------------------------------


def test_six_concurrent_calls_reach_the_service_together(service: tuple[str, Script]) -> None:
    url, script = service
    app, _ = _gateway(url, PSI_GATEWAY_READ_TIMEOUT="10")
    clients = [_client(app) for _ in range(6)]
    answers: list[int] = []
    threads = [
        threading.Thread(target=lambda c=c: answers.append(c.get(f"{SUPPLIERS}/1").status_code)) for c in clients
    ]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: script.most_inside == 6, timeout=5, message="six calls inside the service at once")
    finally:
        script.release.set()
        for thread in threads:
            thread.join(10)
    assert answers == [200] * 6


# --- Idempotency-Key after each kind of answer --------------------------------------------------------------


def test_a_4xx_releases_the_key_so_a_corrected_retry_goes_through(service: tuple[str, Script]) -> None:
    url, script = service
    client = _client(_gateway(url)[0])
    script.status = 422
    assert _post(client, "k-4xx").status_code == 422
    script.status = 201
    again = _post(client, "k-4xx")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    replay = _post(client, "k-4xx")
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert script.posts == 2, "the 422 and the 201 reached the service; the replay did not"


def test_a_5xx_that_wrote_nothing_releases_the_key(service: tuple[str, Script]) -> None:
    url, script = service
    client = _client(_gateway(url)[0])
    script.status, script.headers = 503, {"PSI-Outcome": "none", "Retry-After": "2"}
    first = _post(client, "k-none")
    assert first.status_code == 503 and first.headers["Retry-After"] == "2"
    assert "PSI-Outcome" not in first.headers, "the service's word to the gateway is not passed on"
    script.status, script.headers = 201, {}
    assert _post(client, "k-none").status_code == 201
    assert script.posts == 2


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_after_a_commit_attempt_makes_every_retry_a_409(service: tuple[str, Script], status: int) -> None:
    url, script = service
    client = _client(_gateway(url)[0])
    script.status = status  # no PSI-Outcome: the service may have committed before failing
    assert _post(client, "k-unknown").status_code == status
    script.status = 201
    started = time.monotonic()
    body = _problem(_post(client, "k-unknown"), 409, "IDEMPOTENCY_OUTCOME_UNKNOWN")
    assert time.monotonic() - started < READ_TIMEOUT, "refused at once, not after waiting for an answer"
    assert "Check whether it was" in body["detail"] and "new key" in body["detail"]
    assert script.posts == 1, "the retry never reached the service"


def test_a_timeout_makes_every_retry_a_409_never_a_second_execution(service: tuple[str, Script]) -> None:
    url, script = service
    # A lease of 0 s: the claim is past its lease at once, where the old rule let a retry take it over.
    client = _client(_gateway(url, PSI_IDEMPOTENCY_LEASE_SECONDS="0")[0])
    script.delay = READ_TIMEOUT * 3  # the service answers after the gateway's read timeout
    _problem(_post(client, "k-slow"), 504, "SERVICE_TIMEOUT")
    script.delay = 0
    body = _problem(_post(client, "k-slow"), 409, "IDEMPOTENCY_OUTCOME_UNKNOWN")
    assert f"within {READ_TIMEOUT} s" in body["detail"]
    assert script.posts == 1


def test_a_claim_left_by_a_dead_worker_is_unknown_after_its_lease(service: tuple[str, Script]) -> None:
    url, script = service
    app, database_url = _gateway(url)
    client = _client(app)
    me = client.get("/api/v1/auth/me").get_json()
    engine = create_engine(database_url)
    from psi_gateway.idempotency import fingerprint

    body = b'{"code": "ACME", "name": "Acme"}'
    with engine.begin() as conn:  # a claim 61 s old without an answer: its worker died mid-request
        conn.execute(
            insert(idempotency_keys).values(
                principal=str(me["id"]),
                key="k-dead",
                fingerprint=fingerprint("POST", SUPPLIERS, b"", body),
                created_at=utcnow() - timedelta(seconds=61),
            )
        )
    engine.dispose()
    answer = _problem(_post(client, "k-dead", body), 409, "IDEMPOTENCY_OUTCOME_UNKNOWN")
    assert "stopped before it got an answer" in answer["detail"]
    assert script.posts == 0


# --- headers ------------------------------------------------------------------------------------------------


def test_behind_a_trusted_proxy_the_proxy_is_appended_not_the_client(service: tuple[str, Script]) -> None:
    url, script = service
    client = _client(_gateway(url, PSI_TRUSTED_PROXIES="1")[0])
    # The proxy (the test client's peer, 127.0.0.1) wrote the client's address 203.0.113.7.
    response = client.post(SUPPLIERS, json={"code": "A", "name": "A"}, headers={"X-Forwarded-For": "203.0.113.7"})
    assert response.status_code == 201
    assert script.forwarded_for == ["203.0.113.7, 127.0.0.1"]


# --- the gateway's own routes: the same body rules as the services ------------------------------------------


TOKEN = "/api/v1/auth/token"


@pytest.fixture
def gateway_only(service: tuple[str, Script]) -> FlaskClient:
    return _gateway(service[0])[0].test_client()


def test_deep_body_at_sign_in_is_400_not_500(gateway_only: FlaskClient) -> None:
    response = gateway_only.post(TOKEN, data="[" * 330 + "]" * 330, content_type="application/json")
    _problem(response, 400, "JSON_TOO_DEEP")


def test_broken_json_at_sign_in_is_400_like_the_services(gateway_only: FlaskClient) -> None:
    _problem(gateway_only.post(TOKEN, data='{"username": ', content_type="application/json"), 400, "INVALID_JSON")


def test_duplicate_key_at_sign_in_is_400(gateway_only: FlaskClient) -> None:
    body = '{"username": "admin", "password": "x", "password": "' + ADMIN_PASSWORD + '"}'
    _problem(gateway_only.post(TOKEN, data=body, content_type="application/json"), 400, "DUPLICATE_KEY")


def test_sign_in_without_content_type_is_415_naming_the_header(gateway_only: FlaskClient) -> None:
    response = gateway_only.post(TOKEN, data='{"username": "admin", "password": "x"}')
    body = _problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "Content-Type: application/json" in body["detail"]


def test_sign_in_with_an_empty_body_names_the_missing_fields(gateway_only: FlaskClient) -> None:
    body = _problem(gateway_only.post(TOKEN, content_type="application/json"), 422, "VALIDATION_FAILED")
    assert set(body["errors"]) == {"username", "password"}


@pytest.mark.parametrize("username", ["clerk\n", "cl\u200berk", "clerk\u202e", " clerk"])
def test_a_username_is_the_whole_value_and_visible(service: tuple[str, Script], username: str) -> None:
    client = _client(_gateway(service[0])[0])
    response = client.post(
        "/api/v1/auth/users", json={"username": username, "password": "long-enough-1", "roles": ["viewer"]}
    )
    assert set(_problem(response, 422, "VALIDATION_FAILED")["errors"]) == {"username"}
