"""Chassis rules that need no server: settings parsing, exact decimals, aware datetimes, problem details."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask_smorest import Blueprint
from marshmallow import fields
from sqlalchemy.dialects import postgresql, sqlite

from psi_chassis.api_schemas import StrictSchema
from psi_chassis.app import create_service_app
from psi_chassis.errors import Conflict
from psi_chassis.service import ServiceDefinition
from psi_chassis.settings import ServiceSettings, SettingsError
from psi_chassis.testing.tokens import TestKeys
from psi_chassis.types import ExactDecimal, UTCDateTime
from psi_contracts.permissions import Permission


def test_settings_read_typed_values_with_defaults() -> None:
    s = ServiceSettings.from_env(
        {
            "INVENTORY_DATABASE_URL": "postgresql+psycopg://x/y",
            "PSI_CONSUMER_RETRY_DELAYS_MS": "10, 20",
            "PSI_CONSUMER_PREFETCH": "7",
        },
        "inventory",
        default_database_url="sqlite:///var/inventory.db",
    )
    assert s.database_url == "postgresql+psycopg://x/y"
    assert s.consumer_retry_delays_ms == (10, 20)
    assert s.consumer_prefetch == 7
    assert s.amqp_url == "memory://" and s.topology_prefix == "psi"


def test_settings_refuse_garbage() -> None:
    with pytest.raises(SettingsError, match="PSI_CONSUMER_PREFETCH"):
        ServiceSettings.from_env({"PSI_CONSUMER_PREFETCH": "many"}, "inventory", "sqlite://")


def test_exact_decimal_is_scaled_integer_on_sqlite_and_numeric_on_postgres() -> None:
    column = ExactDecimal()
    lite, pg = sqlite.dialect(), postgresql.dialect()
    assert column.process_bind_param(Decimal("1.2345678"), lite) == 1234568
    assert column.process_result_value(1234568, lite) == Decimal("1.234568")
    assert column.process_bind_param(Decimal("0.1"), pg) == Decimal("0.100000")
    with pytest.raises(TypeError):
        column.process_bind_param(0.1, pg)


def test_utc_datetime_refuses_naive_and_restores_zone() -> None:
    column = UTCDateTime()
    with pytest.raises(TypeError):
        column.process_bind_param(datetime(2026, 1, 1), sqlite.dialect())
    stored = column.process_bind_param(datetime(2026, 1, 1, 8, tzinfo=UTC), sqlite.dialect())
    assert stored.tzinfo is None
    assert column.process_result_value(stored, sqlite.dialect()) == datetime(2026, 1, 1, 8, tzinfo=UTC)


class _Body(StrictSchema):
    name = fields.String(required=True)
    quantity = fields.Decimal(required=True)


def _app() -> object:
    blp = Blueprint("things", __name__, url_prefix="/api/v1/things")

    @blp.post("")
    @blp.arguments(_Body)
    @blp.response(201, _Body)
    def create(body: dict) -> dict:
        if body["name"] == "taken":
            raise Conflict("name taken", code="NAME_TAKEN")
        if body["name"] == "boom":
            raise RuntimeError("secret internals")
        return body

    definition = ServiceDefinition(
        name="things",
        title="Things",
        load_settings=lambda env: ServiceSettings("things", "sqlite://"),
        blueprints=lambda: [blp],
        migrations="unused:migrations",
    )
    return create_service_app(
        definition,
        definition.load_settings(None),
        configure_logs=False,
        verifier=KEYS.verifier(),
        permissions=lambda method, path: TABLE.get((method, path)),
    )


KEYS = TestKeys()
TABLE = {
    ("POST", "/api/v1/things"): Permission("POST", "/api/v1/things", frozenset({"sales"})),
}


class _Client:
    """A test client that sends a valid sales token unless told otherwise."""

    def __init__(self, app: object) -> None:
        self._client = app.test_client()

    def post(self, path: str, *, token: str | None = "default", **kwargs: object) -> object:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {KEYS.token('sales') if token == 'default' else token}"
        return self._client.post(path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: object) -> object:
        return self._client.get(path, **kwargs)


@pytest.fixture
def client() -> _Client:
    app = _app()
    app.testing = False  # exercise the real error handlers
    return _Client(app)


def test_missing_expired_tampered_and_wrong_role_tokens_are_refused(client: _Client) -> None:
    body = {"name": "ok", "quantity": "1"}
    missing = client.post("/api/v1/things", json=body, token=None)
    assert (missing.status_code, missing.get_json()["code"]) == (401, "MISSING_TOKEN")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    expired = client.post("/api/v1/things", json=body, token=KEYS.token("sales", ttl=-60))
    assert (expired.status_code, expired.get_json()["code"]) == (401, "TOKEN_EXPIRED")
    good = KEYS.token("sales")
    head, payload, signature = good.split(".")
    tampered = client.post("/api/v1/things", json=body, token=f"{head}.{payload}.{signature[:-4]}AAAA")
    assert (tampered.status_code, tampered.get_json()["code"]) == (401, "INVALID_TOKEN")
    for attack in (
        KEYS.forged("none", "sales"),
        KEYS.forged("HS256", "sales"),
        KEYS.token("sales", iss="evil"),
        KEYS.token("sales", aud="other"),
        KEYS.token("sales", typ="refresh"),
        TestKeys().token("sales"),
    ):
        refused = client.post("/api/v1/things", json=body, token=attack)
        assert (refused.status_code, refused.get_json()["code"]) == (401, "INVALID_TOKEN"), attack
    forbidden = client.post("/api/v1/things", json=body, token=KEYS.token("viewer"))
    assert (forbidden.status_code, forbidden.get_json()["code"]) == (403, "ROLE_NOT_PERMITTED")
    not_listed = client.get("/api/v1/things")
    assert not_listed.status_code == 405  # the rule exists only for POST


def test_a_route_missing_from_the_table_is_refused() -> None:
    client = _Client(_app())
    listed_nowhere = TABLE.pop(("POST", "/api/v1/things"))
    try:
        response = client.post("/api/v1/things", json={"name": "x", "quantity": "1"})
    finally:
        TABLE[("POST", "/api/v1/things")] = listed_nowhere
    assert (response.status_code, response.get_json()["code"]) == (403, "ROUTE_NOT_PERMITTED")


def test_validation_error_is_problem_json_with_field_errors(client: object) -> None:
    response = client.post("/api/v1/things", json={"name": 3, "extra": 1}, headers={"X-Request-ID": "req-42"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "VALIDATION_FAILED" and body["request_id"] == "req-42"
    assert set(body["errors"]) == {"name", "extra", "quantity"}
    assert response.headers["X-Request-ID"] == "req-42"


def test_domain_conflict_and_unknown_route_are_problems(client: object) -> None:
    conflict = client.post("/api/v1/things", json={"name": "taken", "quantity": "1"})
    assert (conflict.status_code, conflict.get_json()["code"]) == (409, "NAME_TAKEN")
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert missing.get_json()["status"] == 404


def test_crash_is_a_500_problem_without_internals(client: object) -> None:
    response = client.post("/api/v1/things", json={"name": "boom", "quantity": "1"})
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_request_id_is_generated_when_absent_or_malformed(client: object) -> None:
    response = client.post(
        "/api/v1/things", json={"name": "ok", "quantity": "2.5"}, headers={"X-Request-ID": "bad id!"}
    )
    assert response.status_code == 201
    generated = response.headers["X-Request-ID"]
    assert generated != "bad id!" and len(generated) == 32
    assert response.get_json()["name"] == "ok"


def test_nul_characters_are_refused_anywhere(client: _Client) -> None:
    in_body = client.post("/api/v1/things", json={"name": "a\x00b", "quantity": "1"})
    assert (in_body.status_code, in_body.get_json()["code"]) == (422, "INVALID_CHARACTER")
    in_query = client.post("/api/v1/things?x=%00", json={"name": "ok", "quantity": "1"})
    assert (in_query.status_code, in_query.get_json()["code"]) == (422, "INVALID_CHARACTER")
    surrogate = client.post(
        "/api/v1/things", data='{"name": "\\ud800", "quantity": "1"}', headers={"Content-Type": "application/json"}
    )
    assert (surrogate.status_code, surrogate.get_json()["code"]) == (422, "INVALID_CHARACTER")
