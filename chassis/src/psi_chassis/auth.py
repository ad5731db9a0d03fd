"""Token verification and role checks, the same in every service as in the gateway.

The gateway issues short-lived access tokens signed with its private Ed25519 key and publishes the public key
set (JWKS). Every service verifies each token itself against that key set and checks the caller's roles
against the permission table in psi_contracts, so a request that reaches a service without passing the gateway
meets exactly the same rules. The algorithm is fixed in code (EdDSA): a token's own header never chooses it,
which closes the ``alg: none`` and "HS256 with the public key" attacks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from flask import Flask, g, request

from psi_chassis.errors import Forbidden, Unauthorized
from psi_contracts.permissions import Permission, is_allowed, lookup

ALGORITHM = "EdDSA"
ACCESS_TOKEN_TYPE = "access"
#: Routes every process serves for operators and tooling, outside the permission table.
OPERATIONAL_ROUTES = frozenset({"/health", "/alive", "/metrics", "/openapi.json"})

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    """The verified caller."""

    user_id: str
    username: str
    roles: frozenset[str]


class TokenVerifier:
    """Verifies access tokens against a JWKS URL (cached, refetched for an unknown key id) or a fixed key set."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        leeway_seconds: int = 10,
    ) -> None:
        if (jwks_url is None) == (jwks is None):
            raise ValueError("give exactly one of jwks_url or jwks")
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway_seconds
        # The key set is cached for 5 minutes (refetched sooner for an unknown key id); single keys are not cached
        # for ever, so a replaced (leaked) key stops being trusted within minutes, without a restart.
        self._client = jwt.PyJWKClient(jwks_url, cache_keys=False, lifespan=300, timeout=5) if jwks_url else None
        self._static = jwt.PyJWKSet.from_dict(dict(jwks)) if jwks is not None else None

    def _key(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        assert self._static is not None
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self._static.keys:
            if key.key_id == kid:
                return key.key
        raise jwt.InvalidTokenError(f"unknown key id {kid!r}")

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key(token),
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("the access token has expired", code="TOKEN_EXPIRED") from exc
        except jwt.PyJWKClientConnectionError as exc:
            _log.error("cannot fetch the token key set: %s", exc)
            raise Unauthorized("the token cannot be checked right now", code="TOKEN_KEYS_UNAVAILABLE") from exc
        except (jwt.InvalidTokenError, jwt.PyJWKClientError, ValueError) as exc:
            raise Unauthorized(f"invalid access token: {exc}", code="INVALID_TOKEN") from exc
        roles = claims.get("roles")
        if claims.get("typ") != ACCESS_TOKEN_TYPE or not isinstance(roles, list):
            raise Unauthorized("not an access token", code="INVALID_TOKEN")
        return Principal(
            user_id=str(claims["sub"]),
            username=str(claims.get("name", claims["sub"])),
            roles=frozenset(str(r) for r in roles),
        )


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authorize(
    permission: Permission | None,
    authorization_header: str | None,
    verifier: TokenVerifier,
    route: str,
) -> Principal | None:
    """Decide one call: None for a public route, the principal when allowed; raises 401 or 403 otherwise.

    A route missing from the permission table is refused (fail closed) and logged: it is a bug in the table.
    """
    if permission is None:
        _log.error("route %s %s is not in the permission table; refusing it", request.method, route)
        raise Forbidden(f"{route} is not open to anyone", code="ROUTE_NOT_PERMITTED")
    if permission.public:
        return None
    token = bearer_token(authorization_header)
    if token is None:
        raise Unauthorized("this route needs a Bearer access token", code="MISSING_TOKEN")
    principal = verifier.verify(token)
    if not is_allowed(permission, principal.roles):
        raise Forbidden(
            f"{request.method} {route} needs one of the roles {', '.join(sorted(permission.roles))}",
            code="ROLE_NOT_PERMITTED",
        )
    return principal


PermissionLookup = Callable[[str, str], Permission | None]


def install_authorization(app: Flask, verifier: TokenVerifier, permissions: PermissionLookup = lookup) -> None:
    """Check every API request of a service against the token and the permission table."""

    @app.before_request
    def _authorize() -> None:
        rule = request.url_rule
        if rule is None or rule.rule in OPERATIONAL_ROUTES or request.method == "OPTIONS":
            return  # unknown paths 404 on their own; operational routes are for operators
        method = "GET" if request.method == "HEAD" else request.method
        g.principal = authorize(
            permissions(method, rule.rule), request.headers.get("Authorization"), verifier, rule.rule
        )
