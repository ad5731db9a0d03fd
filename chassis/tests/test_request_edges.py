"""The edges every PSI API shares (issue 8, points 14-17): the strict JSON loader, the body rules of the request
hook, the text rules, token problems in our own words, the key-set cache, and what a lost database connection
answers. A small service app built with the chassis stands in for a real service."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask import Flask
from flask_smorest import Blueprint
from marshmallow import ValidationError, fields, validate
from sqlalchemy import text

from psi_chassis.api_schemas import StrictSchema, trimmed, trimmed_text
from psi_chassis.app import OUTCOME_HEADER, create_service_app
from psi_chassis.auth import TokenVerifier
from psi_chassis.db import Database
from psi_chassis.jsonbody import MAX_DEPTH, MalformedBody, loads_strict, nesting_depth
from psi_chassis.keyset import KeySetCache
from psi_chassis.service import ServiceDefinition
from psi_chassis.settings import ServiceSettings
from psi_chassis.testing import wait_for
from psi_chassis.testing.tokens import TestKeys
from psi_contracts.permissions import Permission

KEYS = TestKeys()
ROUTES = (
    "/api/v1/things",
    "/api/v1/things/commit-then-fail",
    "/api/v1/things/read-then-fail",
    "/api/v1/things/lose-connection",
)
TABLE = {("POST", path): Permission("POST", path, frozenset({"sales"})) for path in ROUTES}


class _Thing(StrictSchema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), trimmed])
    quantity = fields.String(required=True)


def _app(database_url: str = "sqlite://", verifier: TokenVerifier | None = None) -> Flask:
    blp = Blueprint("things", __name__, url_prefix="/api/v1/things")
    db = Database(database_url)

    @blp.post("")
    @blp.arguments(_Thing)
    @blp.response(201, _Thing)
    def create(body: dict[str, Any]) -> dict[str, Any]:
        return body

    @blp.post("/commit-then-fail")
    def commit_then_fail() -> Any:
        with db.unit_of_work() as session:
            session.execute(text("SELECT 1"))
            session.commit()
        raise RuntimeError("after the commit")

    @blp.post("/read-then-fail")
    def read_then_fail() -> Any:
        with db.unit_of_work() as session:
            session.execute(text("SELECT 1"))
        raise RuntimeError("before any commit")

    @blp.post("/lose-connection")
    def lose_connection() -> Any:
        with db.unit_of_work() as session:
            # The server ends this very connection, as a failover or pg_terminate_backend would.
            session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return {}

    definition = ServiceDefinition(
        name="things",
        title="Things",
        load_settings=lambda env: ServiceSettings("things", database_url),
        blueprints=lambda: [blp],
        migrations="unused:migrations",
    )
    app = create_service_app(
        definition,
        definition.load_settings(None),
        db,
        configure_logs=False,
        verifier=verifier or KEYS.verifier(),
        permissions=lambda method, path: TABLE.get((method, path)),
    )
    app.testing = False  # the real error handlers
    return app


@pytest.fixture(scope="module")
def client() -> Any:
    return _app().test_client()


def _auth(token: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token or KEYS.token('sales')}"}


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert (body["status"], body["code"]) == (status, code), body
    assert body["title"] and body["detail"] and body["request_id"] == response.headers["X-Request-ID"]
    return body


def _post_raw(client: Any, raw: bytes | str, content_type: str | None = "application/json", **kw: Any) -> Any:
    headers = {**_auth(), **kw.pop("headers", {})}
    if content_type:
        headers["Content-Type"] = content_type
    return client.post("/api/v1/things", data=raw, headers=headers, **kw)


# --- the loader itself --------------------------------------------------------------------------------------


def test_nesting_depth_is_measured_without_counting_brackets_in_strings() -> None:
    assert nesting_depth('{"a": [1, {"b": "[[[{{{"}]}') == 3  # object > array > object; the string's 6 don't count
    assert nesting_depth('"a \\" [ still a string"') == 0  # an escaped quote does not end the string
    assert nesting_depth("[" * 330 + "]" * 330) == 330
    assert nesting_depth('["unterminated [[[') == 1  # the open string runs to the end: its brackets don't count


def test_depth_limit_is_exact_and_refused_before_parsing() -> None:
    at_limit = "[" * MAX_DEPTH + "]" * MAX_DEPTH  # 32 levels: accepted
    assert loads_strict(at_limit) == json.loads(at_limit)
    with pytest.raises(MalformedBody) as refused:
        loads_strict("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))  # 33 levels
    assert refused.value.code == "JSON_TOO_DEEP"


def test_a_pathological_string_scans_in_linear_time() -> None:
    # 500,000 escaped quotes and a final lone backslash: a backtracking scan would take hours (n² steps).
    body = '"' + '\\"' * 500_000 + "\\"
    started = time.perf_counter()
    assert nesting_depth(body) == 0
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"quantity": "1", "quantity": "1000"}', "DUPLICATE_KEY"),
        ('{"caf\u00e9": 1, "cafe\u0301": 2}', "DUPLICATE_KEY"),  # the same key once both are NFC
        ('{"a": NaN}', "INVALID_JSON"),
        ('{"a": Infinity}', "INVALID_JSON"),
        ('{"a": 1,}', "INVALID_JSON"),
        ("\ufeff{}", "INVALID_JSON"),  # a byte-order mark is not JSON
        ('{"n": ' + "9" * 5000 + "}", "INVALID_JSON"),  # more digits than Python converts
    ],
)
def test_what_the_loader_refuses(raw: str, code: str) -> None:
    with pytest.raises(MalformedBody) as refused:
        loads_strict(raw.encode())
    assert refused.value.code == code


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(MalformedBody, match="not UTF-8"):
        loads_strict(b'{"name": "\xff"}')


def test_strings_and_keys_come_out_nfc() -> None:
    # "e" + U+0301 (combining acute) is "é" (U+00E9) in NFC, in keys, values and arrays alike.
    parsed = loads_strict('{"cafe\u0301": ["cafe\u0301", {"x": "e\u0301"}]}')
    assert parsed == {"caf\u00e9": ["caf\u00e9", {"x": "\u00e9"}]}


# --- the request hook: before routing and the token check ---------------------------------------------------


def test_deep_body_is_400_before_the_token_check(client: Any) -> None:
    deep = "[" * 330 + "]" * 330  # 660 bytes, 330 levels: a RecursionError and a 500 before the fix
    response = client.post("/api/v1/things", data=deep, content_type="application/json")  # no token at all
    body = _problem(response, 400, "JSON_TOO_DEEP")
    assert "32 levels" in body["detail"]


def test_duplicate_key_is_400_naming_the_key(client: Any) -> None:
    response = _post_raw(client, '{"name": "Bolt", "quantity": "1", "quantity": "1000"}')
    body = _problem(response, 400, "DUPLICATE_KEY")
    assert "'quantity'" in body["detail"]


def test_broken_json_is_400_with_the_position(client: Any) -> None:
    body = _problem(_post_raw(client, '{"name": "Bolt",'), 400, "INVALID_JSON")
    assert "line 1, column 17" in body["detail"], body  # the 17th character is where a key was expected


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_without_json_content_type_is_415_naming_the_header(client: Any, content_type: str | None) -> None:
    response = _post_raw(client, '{"name": "Bolt", "quantity": "1"}', content_type=content_type)
    body = _problem(response, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "Content-Type: application/json" in body["detail"]
    assert ("no Content-Type header" in body["detail"]) == (content_type is None)


def test_nul_stays_422_and_nfc_reaches_the_schema(client: Any) -> None:
    _problem(_post_raw(client, '{"name": "a\\u0000b", "quantity": "1"}'), 422, "INVALID_CHARACTER")
    created = _post_raw(client, json.dumps({"name": "Cafe\u0301", "quantity": "1"}))
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["name"] == "Caf\u00e9"  # stored and answered in NFC


# --- text rules ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "\u200b",  # only a zero-width space
        "\u200bAcme",  # starts with one
        "Acme\ufeff",  # ends with a zero-width no-break space
        "Ac\u0007me",  # BEL, a C0 control
        "Ac\u0085me",  # NEL, a C1 control
        "Acme\nLtd",  # a newline in a name
        "Acme\n",  # a trailing newline (re.match's "$" would let it through)
        "Acme\u2028Ltd",  # line separator
        "Acme\u202eetlum",  # right-to-left override
        "Acme\u2066Ltd",  # left-to-right isolate
        " Acme",
        "",
    ],
)
def test_trimmed_refuses_invisible_and_control_text(name: str) -> None:
    with pytest.raises(ValidationError):
        trimmed(name)


@pytest.mark.parametrize(
    "name",
    [
        "Acme",
        "A",
        "Acme Trading Co.",
        "上海贸易有限公司",
        "\u0645\u062d\u0645\u062f",
        "Caf\u00e9",
        "\U0001f468\u200d\U0001f469",
    ],
)  # ZWJ inside an emoji sequence
def test_trimmed_accepts_real_names(name: str) -> None:
    assert trimmed(name) == name


def test_trimmed_text_allows_line_breaks_inside_only() -> None:
    assert trimmed_text("Damaged in transit.\r\nSee photos.\tRef 7") == "Damaged in transit.\r\nSee photos.\tRef 7"
    for refused in ("Damaged\n", "\nDamaged", "Dam\u0000aged", "Dam\u202eaged", "\u200b"):
        with pytest.raises(ValidationError):
            trimmed_text(refused)


def test_the_schema_field_error_is_a_422_naming_the_field(client: Any) -> None:
    body = _problem(_post_raw(client, json.dumps({"name": "\u200b", "quantity": "1"})), 422, "VALIDATION_FAILED")
    assert set(body["errors"]) == {"name"}


# --- tokens in our words ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "code", "says"),
    [
        ("not-a-token", "INVALID_TOKEN", "malformed"),
        ("a.b.c", "INVALID_TOKEN", "malformed"),
        (KEYS.token("sales", ttl=-60), "TOKEN_EXPIRED", "POST /api/v1/auth/refresh"),
        (KEYS.token("sales", iss="evil"), "INVALID_TOKEN", "(iss)"),
        (KEYS.token("sales", aud="other"), "INVALID_TOKEN", "(aud)"),
        (TestKeys(kid="other-key").token("sales"), "INVALID_TOKEN", "(kid)"),
        (TestKeys().token("sales"), "INVALID_TOKEN", "signature does not verify"),  # same kid, another key
        (KEYS.forged("none", "sales"), "INVALID_TOKEN", "EdDSA"),
        (KEYS.token("sales", typ="refresh"), "INVALID_TOKEN", "not an access token"),
    ],
)
def test_token_problems_are_fixed_helpful_sentences(client: Any, token: str, code: str, says: str) -> None:
    response = client.post("/api/v1/things", json={"name": "x", "quantity": "1"}, headers=_auth(token))
    body = _problem(response, 401, code)
    assert says in body["detail"], body["detail"]
    for library_text in ("Not enough segments", "Signature verification failed", "Invalid issuer", "decode"):
        assert library_text not in body["detail"]


# --- the key-set cache --------------------------------------------------------------------------------------


class _Gateway:
    """A key-set source the test controls: up or down, counting fetches; a clock the test moves."""

    def __init__(self, keys: TestKeys) -> None:
        self.keys = keys
        self.up = True
        self.fetches = 0
        self.now = 1000.0

    def fetch(self, url: str, timeout: float) -> dict[str, Any]:
        self.fetches += 1
        if not self.up:
            raise ConnectionError("gateway down")
        return self.keys.jwks

    def verifier(self) -> TokenVerifier:
        cache = KeySetCache(
            "http://gw/jwks", service="things", ttl=300, retry_interval=10, fetch=self.fetch, clock=lambda: self.now
        )
        return TokenVerifier(issuer="psi-gateway", audience="psi", jwks_url="http://gw/jwks", key_set=cache)


def test_no_key_set_ever_is_503_with_retry_after_then_recovers() -> None:
    gateway = _Gateway(KEYS)
    gateway.up = False
    client = _app(verifier=gateway.verifier()).test_client()  # the app's start-up fetch: fetch 1, failed
    wait_for(lambda: gateway.fetches == 1, timeout=5, message="the start-up fetch ran")
    body = _problem(
        client.post("/api/v1/things", json={"name": "x", "quantity": "1"}, headers=_auth()),
        503,
        "TOKEN_KEYS_UNAVAILABLE",
    )
    assert "Nothing was done" in body["detail"]
    assert client.post("/api/v1/things", json={"name": "x", "quantity": "1"}, headers=_auth()).status_code == 503
    # fetch 2 was the first token's; the second call, inside the 10 s retry interval, did not fetch again
    assert gateway.fetches == 2
    gateway.up = True
    gateway.now += 10  # the retry interval has passed
    ok = client.post("/api/v1/things", json={"name": "x", "quantity": "1"}, headers=_auth())
    assert ok.status_code == 201 and gateway.fetches == 3


def test_a_failed_fetch_at_start_does_not_hold_up_the_first_token() -> None:
    gateway = _Gateway(KEYS)
    gateway.up = False  # the service starts before the gateway
    verifier = gateway.verifier()
    verifier.prefetch()
    wait_for(lambda: gateway.fetches == 1, timeout=5, message="the start-up fetch ran (and failed)")
    gateway.up = True  # the gateway is up a moment later; the clock has not moved
    assert verifier.verify(KEYS.token("sales")).roles == {"sales"}
    assert gateway.fetches == 2


def test_a_failed_refresh_is_not_retried_on_every_request() -> None:
    gateway = _Gateway(KEYS)
    verifier = gateway.verifier()
    verifier.verify(KEYS.token("sales"))  # fetch 1
    gateway.up = False
    gateway.now += 301  # stale
    verifier.verify(KEYS.token("sales"))  # starts refresh 2 (fails)
    wait_for(lambda: gateway.fetches == 2, timeout=5, message="the background refresh ran")
    wait_for(lambda: not verifier.key_set._refreshing, timeout=5, message="the refresh finished")
    for _ in range(20):
        verifier.verify(KEYS.token("sales"))
    assert gateway.fetches == 2, "20 requests within the 10 s retry interval started no refresh"
    gateway.now += 10
    verifier.verify(KEYS.token("sales"))
    wait_for(lambda: gateway.fetches == 3, timeout=5, message="the next refresh after the interval")


def test_stale_keys_stay_in_use_when_a_refresh_fails() -> None:
    gateway = _Gateway(KEYS)
    verifier = gateway.verifier()
    assert verifier.verify(KEYS.token("sales")).roles == {"sales"} and gateway.fetches == 1
    gateway.up = False
    gateway.now += 301  # past the 300 s TTL: a refresh starts in the background, the token is checked meanwhile
    assert verifier.verify(KEYS.token("sales")).roles == {"sales"}
    wait_for(lambda: gateway.fetches == 2, timeout=5, message="the background refresh ran")
    assert verifier.verify(KEYS.token("sales")).user_id == "1", "still accepted with the stale key"


def test_an_unknown_key_id_fetches_at_most_once_per_interval() -> None:
    gateway = _Gateway(KEYS)
    verifier = gateway.verifier()
    verifier.verify(KEYS.token("sales"))  # fetch 1 (a set fetched this moment is not fetched again for 10 s)
    gateway.now += 10
    stranger = TestKeys(kid="made-up").token("sales")
    for _ in range(5):
        with pytest.raises(Exception, match="kid"):
            verifier.verify(stranger)
    assert gateway.fetches == 2, "five unknown-kid tokens inside 10 s: one refetch"
    rotated = TestKeys(kid="new-key")
    gateway.keys = rotated
    gateway.now += 10
    assert verifier.verify(rotated.token("admin")).roles == {"admin"}, "a real new key is picked up"
    assert gateway.fetches == 3


def test_key_fetches_are_counted() -> None:
    from prometheus_client import REGISTRY

    def count(outcome: str) -> float:
        return (
            REGISTRY.get_sample_value("psi_token_key_fetches_total", {"service": "things", "outcome": outcome}) or 0.0
        )

    before_ok, before_failed = count("ok"), count("failed")
    gateway = _Gateway(KEYS)
    verifier = gateway.verifier()
    verifier.verify(KEYS.token("sales"))
    gateway.up = False
    gateway.now += 10
    with pytest.raises(Exception, match="kid"):
        verifier.verify(TestKeys(kid="x").token("sales"))
    assert (count("ok") - before_ok, count("failed") - before_failed) == (1, 1)


# --- a lost database connection, and the outcome header -----------------------------------------------------


@pytest.fixture(scope="module")
def pg_client(psi_pg_admin_url: str) -> Any:
    return _app(psi_pg_admin_url).test_client()


def test_a_lost_database_connection_is_503_with_retry_after(pg_client: Any) -> None:
    response = pg_client.post("/api/v1/things/lose-connection", headers=_auth())
    body = _problem(response, 503, "DATABASE_UNAVAILABLE")
    assert int(response.headers["Retry-After"]) >= 1
    assert "Traceback" not in response.get_data(as_text=True) and "psycopg" not in body["detail"]
    assert response.headers[OUTCOME_HEADER] == "none", "no COMMIT was attempted"


def test_a_5xx_says_nothing_was_written_only_when_no_commit_was_attempted(pg_client: Any) -> None:
    before = pg_client.post("/api/v1/things/read-then-fail", headers=_auth())
    assert before.status_code == 500 and before.headers[OUTCOME_HEADER] == "none"
    after = pg_client.post("/api/v1/things/commit-then-fail", headers=_auth())
    assert after.status_code == 500 and OUTCOME_HEADER not in after.headers
    ok = pg_client.post("/api/v1/things", json={"name": "x", "quantity": "1"}, headers=_auth())
    assert ok.status_code == 201 and OUTCOME_HEADER not in ok.headers


# --- verified tokens are remembered -----------------------------------------------------------------------------


def test_a_remembered_token_is_not_verified_again_but_its_key_still_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    import psi_chassis.auth as auth

    gateway = _Gateway(KEYS)
    verifier = gateway.verifier()
    token = KEYS.token("sales")
    assert verifier.verify(token).roles == {"sales"}
    decoded: list[str] = []
    real_decode = auth.jwt.decode
    monkeypatch.setattr(auth.jwt, "decode", lambda *a, **k: decoded.append("x") or real_decode(*a, **k))
    for _ in range(5):
        assert verifier.verify(token).user_id == "1"
    assert decoded == [], "the same token five more times: its signature was checked once"
    other = KEYS.token("admin", sub="2")
    assert verifier.verify(other).roles == {"admin"} and decoded == ["x"], "another token is verified in full"
    # The gateway withdraws the key: once the key set is refreshed, the remembered token is refused too.
    gateway.keys = TestKeys(kid="new-key")
    gateway.now += 301
    verifier.verify(token)  # stale set: the refresh starts in the background, the old key is used meanwhile
    wait_for(
        lambda: gateway.fetches == 2 and not verifier.key_set._refreshing,
        timeout=5,
        message="the key set was refreshed",
    )
    with pytest.raises(Exception, match="kid"):
        verifier.verify(token)


def test_a_remembered_token_expires_when_its_exp_says() -> None:
    from psi_chassis.auth import Principal, VerifiedTokens

    now = [1000.0]
    remembered = VerifiedTokens(clock=lambda: now[0])
    who = Principal("1", "user1", frozenset({"sales"}))
    remembered.remember("t", who, "k1", expires_at=1010.0)
    assert remembered.get("t") == (who, "k1")
    now[0] = 1009.9
    assert remembered.get("t") == (who, "k1")
    now[0] = 1010.0
    assert remembered.get("t") is None, "at exp + leeway the token must be verified again (and refused)"
    assert remembered.get("t") is None


def test_an_expired_remembered_token_is_refused_as_expired() -> None:
    verifier = TokenVerifier(issuer="psi-gateway", audience="psi", jwks=KEYS.jwks, leeway_seconds=0)
    token = KEYS.token("sales", ttl=1)
    assert verifier.verify(token).roles == {"sales"}
    wait_for(lambda: time.time() > _exp(token), timeout=5, message="the token's exp passed")
    with pytest.raises(Exception, match="expired"):
        verifier.verify(token)


def _exp(token: str) -> float:
    import jwt

    return float(jwt.decode(token, options={"verify_signature": False})["exp"])
