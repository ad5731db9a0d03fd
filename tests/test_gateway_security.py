"""Issue 3 acceptance 1 and 6: the auth matrix, bad tokens, and the request id from client to event.

Every route of the permission table is called with a token of every role, through the gateway and straight at
the service with the same token: the status must be what the table says (denied: 403; allowed: anything but
401/403), and the service must give the same answer as the gateway.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from psi_chassis.testing import http_json
from psi_chassis.testing.tokens import TestKeys, private_pem
from psi_contracts.permissions import PERMISSIONS, ROLES

pytestmark = pytest.mark.integration

KEYS = TestKeys()
PASSWORD = "role-password-1"
_PLACEHOLDER = re.compile(r"<(?:int:)?([a-z_]+)>")


@pytest.fixture
def secured(stack: Any, database_for: Any) -> Any:
    for name in ("purchasing", "inventory", "sales", "finance", "gateway"):
        database_for(name)
    stack.extra_env.update(
        {
            "PSI_JWT_PRIVATE_KEY": private_pem(KEYS),
            "PSI_RATE_LIMIT_PER_USER": "10000/minute",
            "PSI_RATE_LIMIT_PER_IP": "10000/minute",
            "PSI_RATE_LIMIT_LOGIN": "10000/minute",
        }
    )
    stack.api("purchasing")
    stack.api("inventory")
    stack.api("sales")
    stack.api("finance")
    stack.api("gateway")
    status, jwks, _ = http_json("GET", f"{stack.api_urls['gateway']}/api/v1/auth/jwks")
    assert status == 200 and jwks["keys"][0]["alg"] == "EdDSA"
    KEYS.kid = jwks["keys"][0]["kid"]
    return stack


def _concrete(path: str) -> str:
    return _PLACEHOLDER.sub(lambda m: "NO-SUCH-SKU" if m.group(1) == "sku" else "999999", path)


def _role_tokens(stack: Any) -> dict[str, str]:
    admin = stack.client()
    tokens = {}
    for role in ROLES:
        status, user, _ = admin.post(
            "/api/v1/auth/users", json={"username": f"user_{role}", "password": PASSWORD, "roles": [role]}
        )
        assert status == 201 and user["roles"] == [role], user
        tokens[role] = stack.login(f"user_{role}", PASSWORD)
    return tokens


def test_every_route_and_role_gets_what_the_table_says(secured: Any) -> None:
    tokens = _role_tokens(secured)
    mismatches = []
    for permission in PERMISSIONS:
        path = _concrete(permission.path)
        body = {} if permission.method in {"POST", "PATCH"} else None
        for role, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"}
            kwargs = {"json": body} if body is not None else {}
            status, problem, _ = http_json(
                permission.method, f"{secured.api_urls['gateway']}{path}", headers=headers, **kwargs
            )
            allowed = permission.public or role in permission.roles
            expected_ok = status not in (401, 403) if allowed else status == 403
            if not expected_ok or (not allowed and problem.get("code") != "ROLE_NOT_PERMITTED"):
                mismatches.append(("gateway", permission.method, permission.path, role, status, problem))
            if permission.service in secured.api_urls and permission.service != "auth":
                direct, _, _ = http_json(
                    permission.method, f"{secured.api_urls[permission.service]}{path}", headers=headers, **kwargs
                )
                if direct != status:
                    mismatches.append(("direct", permission.method, permission.path, role, direct, status))
    assert not mismatches, mismatches


def test_bad_tokens_are_401_at_the_gateway_and_at_the_service(secured: Any) -> None:
    good = KEYS.token("admin")
    head, payload, signature = good.split(".")
    attacks = {
        "missing": None,
        "garbage": "not-a-token",
        "expired": KEYS.token("admin", ttl=-120),
        # One character of the signature changed (the first: any letter there is still valid base64url).
        "tampered": f"{head}.{payload}.{'B' if signature.startswith('A') else 'A'}{signature[1:]}",
        "alg none": KEYS.forged("none", "admin"),
        "HS256 with the public key": KEYS.forged("HS256", "admin"),
        "wrong issuer": KEYS.token("admin", iss="someone-else"),
        "wrong audience": KEYS.token("admin", aud="another-system"),
        "another key": TestKeys(kid=KEYS.kid).token("admin"),
    }
    targets = {
        "gateway": f"{secured.api_urls['gateway']}/api/v1/purchasing/suppliers",
        "service": f"{secured.api_urls['purchasing']}/api/v1/purchasing/suppliers",
        "gateway-own": f"{secured.api_urls['gateway']}/api/v1/auth/me",
    }
    # What each is told, in PSI's words rather than the JWT library's (issue 8): the same everywhere.
    says = {
        "missing": "needs a Bearer access token",
        "garbage": "malformed",
        "expired": "POST /api/v1/auth/refresh",
        "tampered": "signature does not verify",
        "alg none": "EdDSA",
        "HS256 with the public key": "EdDSA",
        "wrong issuer": "(iss)",
        "wrong audience": "(aud)",
        "another key": "signature does not verify",
    }
    wrong = []
    for name, token in attacks.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for where, url in targets.items():
            status, problem, response = http_json("GET", url, headers=headers)
            if (
                status != 401
                or "Bearer" not in response.headers.get("WWW-Authenticate", "")
                or says[name] not in problem.get("detail", "")
                or "segments" in problem.get("detail", "")
            ):
                wrong.append((name, where, status, problem))
    assert not wrong, wrong
    # The same forged key, used properly, is accepted: the attacks fail for the right reason.
    status, me, _ = http_json("GET", targets["gateway-own"], headers={"Authorization": f"Bearer {good}"})
    assert status == 200 and me["roles"] == ["admin"]


def test_user_admin_refresh_rotation_and_deactivation(secured: Any) -> None:
    admin = secured.client()
    status, user, _ = admin.post(
        "/api/v1/auth/users", json={"username": "clerk", "password": PASSWORD, "roles": ["purchaser"]}
    )
    assert status == 201
    status, duplicate, _ = admin.post(
        "/api/v1/auth/users", json={"username": "clerk", "password": PASSWORD, "roles": ["viewer"]}
    )
    assert (status, duplicate["code"]) == (409, "USERNAME_TAKEN")
    status, tokens, _ = http_json(
        "POST", f"{secured.api_urls['gateway']}/api/v1/auth/token", json={"username": "clerk", "password": PASSWORD}
    )
    assert status == 200 and tokens["roles"] == ["purchaser"]

    refresh_url = f"{secured.api_urls['gateway']}/api/v1/auth/refresh"
    status, renewed, _ = http_json("POST", refresh_url, json={"refresh_token": tokens["refresh_token"]})
    assert status == 200 and renewed["refresh_token"] != tokens["refresh_token"]
    status, replay, _ = http_json("POST", refresh_url, json={"refresh_token": tokens["refresh_token"]})
    assert (status, replay["code"]) == (401, "INVALID_REFRESH_TOKEN"), "a refresh token works once"

    status, changed, _ = admin.call("PATCH", f"/api/v1/auth/users/{user['id']}", json={"active": False})
    assert status == 200 and changed["active"] is False
    status, refused, _ = http_json(
        "POST", f"{secured.api_urls['gateway']}/api/v1/auth/token", json={"username": "clerk", "password": PASSWORD}
    )
    assert (status, refused["code"]) == (401, "INVALID_CREDENTIALS")
    status, _, _ = http_json("POST", refresh_url, json={"refresh_token": renewed["refresh_token"]})
    assert status == 401, "deactivation ends the user's sessions"

    engine = create_engine(secured.database_urls["gateway"])
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE username = 'clerk'")).scalar_one()
    engine.dispose()
    assert PASSWORD not in stored and stored.startswith("scrypt:"), "salted hash, never the password"


def test_request_id_reaches_gateway_and_service_logs_and_the_event(
    secured: Any, known_items: Any, known_warehouses: Any
) -> None:
    known_items("SKU-RID")
    known_warehouses("WH1")
    gw = secured.client()
    status, supplier, _ = gw.post("/api/v1/purchasing/suppliers", json={"code": "RID", "name": "Trace"})
    assert status == 201
    status, po, _ = gw.post(
        "/api/v1/purchasing/purchase-orders",
        json={
            "supplier_id": supplier["id"],
            "warehouse_code": "WH1",
            "lines": [{"sku": "SKU-RID", "quantity": "2", "unit_price": "1.00"}],
        },
    )
    assert status == 201
    gw.post(f"/api/v1/purchasing/purchase-orders/{po['id']}/submit", json={})  # 2 × 1.00: approved at once
    request_id = "client-trace-0042"
    status, receipt, response = gw.post(
        f"/api/v1/purchasing/purchase-orders/{po['id']}/receipts",
        json={"lines": [{"line_no": 1, "received_quantity": "2", "accepted_quantity": "2"}]},
        headers={"X-Request-ID": request_id},
    )
    assert status == 201 and response.headers["X-Request-ID"] == request_id

    def logged(process: str) -> list[dict[str, Any]]:
        return [r for r in secured.processes[process].log_records() if r.get("request_id") == request_id]

    assert any(r.get("upstream") == "purchasing" for r in logged("gateway-api")), "gateway logged it"
    assert any(
        r.get("route") == "/api/v1/purchasing/purchase-orders/<int:po_id>/receipts" for r in logged("purchasing-api")
    ), "the service logged it"
    engine = create_engine(secured.database_urls["purchasing"])
    with engine.connect() as conn:
        correlation = conn.execute(
            text("SELECT correlation_id FROM outbox WHERE event_type = 'purchasing.GoodsReceived.v1'")
        ).scalar_one()
    engine.dispose()
    assert correlation == request_id, "the event carries the request id as its correlation id"
