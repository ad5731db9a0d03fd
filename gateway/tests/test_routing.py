"""Gateway routing against a fake upstream: no real service, database or broker is needed.

The fake upstream is a tiny Flask app served by werkzeug on a free port; it records every request it receives
(method, raw target, headers, body) so the tests can check what the gateway forwarded.
"""

from __future__ import annotations

import gzip
import json
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, request
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.serving import make_server

from psi_gateway.app import create_app
from psi_gateway.config import DEFAULT_SERVICE_URLS, load_settings
from psi_gateway.routes import ROUTES, RouteTable

PROBLEM_422 = json.dumps(
    {
        "type": "about:blank",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": "The request failed validation; see errors.",
        "code": "VALIDATION_FAILED",
        "errors": {"name": ["Missing data for required field."]},
        "request_id": "from-upstream",
    }
).encode()
ADMIN_PASSWORD = "routing-admin-secret"
SLOW_SECONDS = 1.5
READ_TIMEOUT = 0.3


@dataclass
class Upstream:
    url: str
    seen: list[dict[str, Any]] = field(default_factory=list)

    def only_request(self) -> dict[str, Any]:
        assert len(self.seen) == 1, self.seen
        return self.seen[0]


def _fake_service(seen: list[dict[str, Any]]) -> Flask:
    app = Flask("fake_upstream")

    @app.before_request
    def _record() -> None:
        seen.append(
            {
                "method": request.method,
                "target": request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI"),
                "headers": {k.lower(): v for k, v in request.headers.items()},
                "body": request.get_data(),
            }
        )

    @app.post("/api/v1/purchasing/suppliers")
    def invalid_supplier() -> Response:
        return Response(PROBLEM_422, status=422, content_type="application/problem+json")

    @app.post("/api/v1/purchasing/purchase-orders")
    def created_po() -> Response:
        body = b'{"id": 7, "status": "draft"}'
        response = Response(body, status=201, content_type="application/json")
        response.headers["Location"] = f"{request.host_url}api/v1/purchasing/purchase-orders/7"
        response.headers["X-Upstream"] = "fake"
        return response

    @app.get("/api/v1/purchasing/suppliers/<int:supplier_id>")
    def slow_supplier(supplier_id: int) -> Response:
        time.sleep(SLOW_SECONDS)
        return Response(b'{"id": %d}' % supplier_id, content_type="application/json")

    @app.get("/api/v1/inventory/stock/<sku>")
    def compressed(sku: str) -> Response:
        payload = gzip.compress(json.dumps({"sku": sku}).encode())
        return Response(payload, content_type="application/json", headers={"Content-Encoding": "gzip"})

    @app.route("/api/v1/<path:rest>", methods=["GET", "HEAD", "POST"])
    def echo(rest: str) -> Response:
        return Response(b'{"echo": true, "items": []}', content_type="application/json; charset=utf-8")

    @app.get("/alive")
    def alive() -> Response:
        return Response(b'{"status": "alive"}', content_type="application/json")

    return app


@pytest.fixture(scope="module")
def upstream_server() -> Iterator[Upstream]:
    seen: list[dict[str, Any]] = []
    server = make_server("127.0.0.1", 0, _fake_service(seen), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Upstream(url=f"http://127.0.0.1:{server.server_port}", seen=seen)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def upstream(upstream_server: Upstream) -> Upstream:
    upstream_server.seen.clear()
    return upstream_server


@pytest.fixture
def dead_url() -> str:
    """A port nothing listens on (bound, read and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _gateway(service_urls: dict[str, str], **env: str) -> FlaskClient:
    """A gateway on its own SQLite identity store, with a client signed in as the first admin."""
    database = Path(tempfile.mkdtemp(prefix="psi-gw-")) / "gateway.db"
    settings = {
        "PSI_GATEWAY_READ_TIMEOUT": str(READ_TIMEOUT),
        "PSI_GATEWAY_CONNECT_TIMEOUT": "0.5",
        "GATEWAY_DATABASE_URL": f"sqlite:///{database}",
        "PSI_ADMIN_PASSWORD": ADMIN_PASSWORD,
        **env,
    }
    client = create_app(service_urls=service_urls, env=settings, migrate=True).test_client()
    login = client.post("/api/v1/auth/token", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert login.status_code == 200, login.data
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {login.get_json()['access_token']}"
    return client


@pytest.fixture
def client(upstream: Upstream) -> FlaskClient:
    return _gateway({"inventory": upstream.url, "purchasing": upstream.url})


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == "about:blank"
    assert body["title"] and body["detail"]
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


# --- pass-through -------------------------------------------------------------------------------------------


def test_problem_json_422_passes_through_unchanged(client: FlaskClient, upstream: Upstream) -> None:
    sent = b'{"name": "", "note": "caf\xc3\xa9"}'
    response = client.post("/api/v1/purchasing/suppliers", data=sent, content_type="application/json")

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert response.data == PROBLEM_422
    seen = upstream.only_request()
    assert seen["method"] == "POST"
    assert seen["body"] == sent
    assert seen["headers"]["content-type"] == "application/json"


def test_created_with_headers_and_location_made_relative(client: FlaskClient, upstream: Upstream) -> None:
    response = client.post("/api/v1/purchasing/purchase-orders", data=b"{}", content_type="application/json")

    assert response.status_code == 201
    assert response.content_type == "application/json"
    assert response.get_json() == {"id": 7, "status": "draft"}
    assert response.headers["Location"] == "/api/v1/purchasing/purchase-orders/7"
    assert response.headers["X-Upstream"] == "fake"


def test_get_body_and_content_type_pass_through(client: FlaskClient, upstream: Upstream) -> None:
    response = client.get("/api/v1/purchasing/purchase-orders/12/receipts")

    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert response.data == b'{"echo": true, "items": []}'
    assert upstream.only_request()["target"] == "/api/v1/purchasing/purchase-orders/12/receipts"


def test_compressed_body_is_not_decoded_on_the_way(client: FlaskClient, upstream: Upstream) -> None:
    response = client.get("/api/v1/inventory/stock/SKU-1", headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.data)) == {"sku": "SKU-1"}
    assert upstream.only_request()["headers"]["accept-encoding"] == "gzip"


def test_head_on_a_get_route(client: FlaskClient, upstream: Upstream) -> None:
    response = client.head("/api/v1/inventory/stock")

    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == str(len(b'{"echo": true, "items": []}'))
    assert upstream.only_request()["method"] == "HEAD"


def test_query_string_and_request_id_forwarded_and_echoed(client: FlaskClient, upstream: Upstream) -> None:
    query = "sku=A%2FB&warehouse_code=WH%201&page=2&page=3&q=caf%C3%A9"
    response = client.get(f"/api/v1/inventory/stock?{query}", headers={"X-Request-ID": "req-123:abc.DEF_9"})

    assert response.status_code == 200
    assert response.data == b'{"echo": true, "items": []}'
    assert response.headers["X-Request-ID"] == "req-123:abc.DEF_9"
    seen = upstream.only_request()
    assert seen["target"] == f"/api/v1/inventory/stock?{query}"
    assert seen["headers"]["x-request-id"] == "req-123:abc.DEF_9"


def test_invalid_request_id_is_replaced_by_a_generated_one(client: FlaskClient, upstream: Upstream) -> None:
    response = client.get("/api/v1/inventory/stock", headers={"X-Request-ID": "not valid <script>"})

    generated = response.headers["X-Request-ID"]
    assert response.status_code == 200
    assert generated != "not valid <script>"
    assert len(generated) == 32 and all(c in "0123456789abcdef" for c in generated)
    assert upstream.only_request()["headers"]["x-request-id"] == generated


def test_request_id_is_generated_when_missing(client: FlaskClient, upstream: Upstream) -> None:
    first = client.get("/api/v1/inventory/stock").headers["X-Request-ID"]
    second = client.get("/api/v1/inventory/stock").headers["X-Request-ID"]

    assert first and second and first != second
    assert [s["headers"]["x-request-id"] for s in upstream.seen] == [first, second]


def test_identity_and_hop_by_hop_headers_are_stripped(client: FlaskClient, upstream: Upstream) -> None:
    headers = {
        "X-User-Id": "1",
        "X-User-Roles": "admin",
        "X-PSI-Roles": "admin",
        "X-Psi-Authenticated": "yes",
        "Remote-User": "root",
        "Keep-Alive": "timeout=5",
        "X-Custom-Hop": "secret",
        "Connection": "X-Custom-Hop",
        "Proxy-Authorization": "Basic Zm9vOmJhcg==",
        "Accept": "application/json",
        "X-Forwarded-For": "10.0.0.9",
    }
    response = client.get("/api/v1/inventory/stock", headers=headers)

    assert response.status_code == 200
    assert response.data == b'{"echo": true, "items": []}'
    seen = upstream.only_request()["headers"]
    for stripped in ("x-user-id", "x-user-roles", "x-psi-roles", "x-psi-authenticated", "remote-user"):
        assert stripped not in seen
    for stripped in ("keep-alive", "x-custom-hop", "proxy-authorization"):
        assert stripped not in seen
    # The client's own (verified) token travels on: each service checks it again.
    assert seen["authorization"] == client.environ_base["HTTP_AUTHORIZATION"]
    assert seen["accept"] == "application/json"
    assert seen["x-forwarded-for"] == "10.0.0.9, 127.0.0.1"
    assert "cookie" not in seen


# --- not routed ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/inventory/bins",
        "/api/v1/inventory/stock/",
        "/api/v1//inventory/stock",
        "/api/v1/inventory/stock/..",
        "/api/v1/purchasing/suppliers/abc",
        "/api/v1/sales/invoices",
        "/api/v2/inventory/stock",
        "/nothing-here",
    ],
)
def test_unknown_route_is_404_problem(client: FlaskClient, upstream: Upstream, path: str) -> None:
    response = client.get(path)

    body = _problem(response, 404, "NOT_FOUND")
    assert body["title"] == "Not Found"
    assert path in body["detail"]
    assert upstream.seen == []


def test_wrong_method_is_405_problem_with_allow(client: FlaskClient, upstream: Upstream) -> None:
    response = client.delete("/api/v1/purchasing/suppliers")

    body = _problem(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "GET, HEAD, POST"
    assert "DELETE" in body["detail"] and "GET, HEAD, POST" in body["detail"]
    assert upstream.seen == []


def test_post_on_a_get_only_route_is_405(client: FlaskClient, upstream: Upstream) -> None:
    response = client.post("/api/v1/inventory/stock", data=b"{}", content_type="application/json")

    _problem(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "GET, HEAD"
    assert upstream.seen == []


# --- failures -----------------------------------------------------------------------------------------------


def test_upstream_down_is_503_problem(dead_url: str) -> None:
    client = _gateway({"inventory": dead_url})
    response = client.get("/api/v1/inventory/stock", headers={"X-Request-ID": "down-1"})

    body = _problem(response, 503, "SERVICE_UNAVAILABLE")
    assert body["request_id"] == "down-1"
    assert "inventory" in body["detail"]


def test_service_not_configured_is_503_problem(upstream: Upstream) -> None:
    client = _gateway({"purchasing": upstream.url})
    response = client.get("/api/v1/inventory/stock")

    body = _problem(response, 503, "SERVICE_UNAVAILABLE")
    assert "not configured" in body["detail"]
    assert upstream.seen == []


def test_slow_upstream_is_504_problem(client: FlaskClient, upstream: Upstream) -> None:
    started = time.perf_counter()
    response = client.get("/api/v1/purchasing/suppliers/5")
    elapsed = time.perf_counter() - started

    body = _problem(response, 504, "SERVICE_TIMEOUT")
    assert "purchasing" in body["detail"] and str(READ_TIMEOUT) in body["detail"]
    assert elapsed < SLOW_SECONDS


def test_oversized_body_is_413_problem(client: FlaskClient, upstream: Upstream) -> None:
    limit = load_settings({}).max_body_bytes
    response = client.post("/api/v1/purchasing/suppliers", data=b"x" * (limit + 1), content_type="application/json")

    body = _problem(response, 413, "REQUEST_ENTITY_TOO_LARGE")
    assert str(limit) in body["detail"]
    assert upstream.seen == []


def test_body_at_the_limit_is_forwarded(client: FlaskClient, upstream: Upstream) -> None:
    limit = 2048
    small = _gateway({"purchasing": upstream.url}, PSI_GATEWAY_MAX_BODY_BYTES=str(limit))
    # A JSON string of exactly the limit: 2 quotes + 2046 letters = 2048 bytes.
    at_limit = b'"' + b"y" * (limit - 2) + b'"'
    response = small.post("/api/v1/purchasing/purchase-orders", data=at_limit, content_type="application/json")

    assert response.status_code == 201
    assert response.get_json() == {"id": 7, "status": "draft"}
    assert upstream.only_request()["body"] == at_limit
    too_big = small.post("/api/v1/purchasing/purchase-orders", data=at_limit + b" ", content_type="application/json")
    assert _problem(too_big, 413, "REQUEST_ENTITY_TOO_LARGE")["detail"].endswith(f"{limit} bytes.")


# --- the gateway's own pages --------------------------------------------------------------------------------


def test_alive_and_landing_page(client: FlaskClient) -> None:
    alive = client.get("/alive")
    assert alive.status_code == 200
    assert alive.get_json() == {"status": "alive", "service": "gateway"}

    landing = client.get("/")
    assert landing.status_code == 200
    assert landing.mimetype == "text/plain"
    assert "/api/v1/" in landing.get_data(as_text=True)


def test_health_reports_each_service(upstream: Upstream, dead_url: str) -> None:
    client = _gateway({"inventory": upstream.url, "purchasing": dead_url})
    response = client.get("/health")

    assert response.status_code == 200
    body = response.get_json()
    assert body["service"] == "gateway"
    assert body["status"] == "degraded"
    assert body["services"]["inventory"] == {"status": "up"}
    assert body["services"]["purchasing"] == {"status": "down", "reason": "unreachable"}


def _request_counts(text: str) -> dict[tuple[str, str, str], float]:
    counts = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "psi_http_requests_total" and sample.labels["service"] == "gateway":
                counts[(sample.labels["method"], sample.labels["route"], sample.labels["status"])] = sample.value
    return counts


def test_metrics_are_labelled_by_route_template(client: FlaskClient, upstream: Upstream) -> None:
    template = "/api/v1/purchasing/purchase-orders/<int:po_id>/receipts"
    before = _request_counts(client.get("/metrics").get_data(as_text=True))
    client.get("/api/v1/purchasing/purchase-orders/31/receipts")
    client.get("/api/v1/no/such/route")

    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    after = _request_counts(text)
    assert after[("GET", template, "200")] == before.get(("GET", template, "200"), 0) + 1
    assert after[("GET", "<unmatched>", "404")] == before.get(("GET", "<unmatched>", "404"), 0) + 1
    assert not any("/31/" in route for _, route, _ in after)
    assert not any(route == "/metrics" for _, route, _ in after)


# --- the table itself ---------------------------------------------------------------------------------------


def test_every_route_points_at_a_known_service() -> None:
    table = RouteTable()
    assert table.routes == ROUTES
    assert set(table.services) <= set(DEFAULT_SERVICE_URLS)
    matched = table.match("POST", "/api/v1/purchasing/purchase-orders/42/approve")
    assert matched.route.service == "purchasing"
    assert matched.arguments == {"po_id": 42}


def test_duplicate_routes_are_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        RouteTable([ROUTES[0], ROUTES[0]])
