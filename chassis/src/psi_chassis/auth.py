"""Token verification and role checks, the same in every service as in the gateway.

The gateway issues short-lived access tokens signed with its private Ed25519 key and publishes the public key
set (JWKS). Every service verifies each token itself against that key set and checks the caller's roles
against the permission table in psi_contracts, so a request that reaches a service without passing the gateway
meets exactly the same rules. The algorithm is fixed in code (EdDSA): a token's own header never chooses it,
which closes the ``alg: none`` and "HS256 with the public key" attacks. A refused token gets a fixed,
helpful sentence (never the library's own text); how a service keeps the key set is :mod:`psi_chassis.keyset`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from flask import Flask, g, request

from psi_chassis.errors import Forbidden, Unauthorized, Unavailable
from psi_chassis.keyset import KeySetCache, KeysUnavailable, UnknownKey
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


#: What a client is told for each way a token can be wrong: fixed sentences, never a library's own text.
_MALFORMED = "The access token is malformed: it is not a signed JWT (header.payload.signature)."
_BAD_SIGNATURE = "The access token's signature does not verify: it was changed or not signed by PSI."
_WRONG_ISSUER = "The access token was not issued by this system's gateway (iss)."
_WRONG_AUDIENCE = "The access token is meant for another system (aud)."
_UNKNOWN_KEY = "The access token is signed with a key this server does not know (kid); sign in again."
_WRONG_ALGORITHM = "The access token is not signed with EdDSA, the only algorithm PSI accepts."
_NOT_YET_VALID = "The access token is not valid yet (iat or nbf lies in the future); check the clocks."
_NOT_ACCESS = "The token is not an access token; send the access_token from POST /api/v1/auth/token."
_EXPIRED = (
    "The access token has expired; get a new one with POST /api/v1/auth/refresh and your refresh "
    "token (or sign in again with POST /api/v1/auth/token)."
)


def _invalid(detail: str) -> Unauthorized:
    return Unauthorized(detail, code="INVALID_TOKEN")


def _token_problem(exc: jwt.PyJWTError) -> Unauthorized:
    """The client's 401 for a token PyJWT refused, in our words."""
    if isinstance(exc, jwt.ExpiredSignatureError):
        return Unauthorized(_EXPIRED, code="TOKEN_EXPIRED")
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return _invalid(f"The access token lacks the required claim {exc.claim!r}.")
    for kind, detail in (
        (jwt.InvalidSignatureError, _BAD_SIGNATURE),
        (jwt.InvalidIssuerError, _WRONG_ISSUER),
        (jwt.InvalidAudienceError, _WRONG_AUDIENCE),
        (jwt.InvalidAlgorithmError, _WRONG_ALGORITHM),
        (jwt.ImmatureSignatureError, _NOT_YET_VALID),
    ):
        if isinstance(exc, kind):
            return _invalid(detail)
    return _invalid(_MALFORMED)


#: Verified tokens one process remembers at most; past that the memory starts afresh.
REMEMBER_MAX = 10_000


class VerifiedTokens:
    """Tokens already verified: the principal each carries and the key that signed it, until its ``exp`` (plus
    the leeway).

    A client sends the same token with every call for its whole life; checking its signature and claims each
    time was about a tenth of the gateway's CPU per request. Only a token that verified is remembered, under its
    exact text, so a changed byte is a new token and is verified in full. The verifier still looks its key up
    on every call (a dictionary lookup): a key the gateway withdraws stops every token it signed at once, and a
    stale key set is refreshed as before. Plain dict operations (atomic under the GIL): the threads of a worker
    share it without a lock.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._known: dict[str, tuple[Principal, str | None, float]] = {}

    def get(self, token: str) -> tuple[Principal, str | None] | None:
        """(principal, key id) of a remembered token that has not expired, else None."""
        known = self._known.get(token)
        if known is None:
            return None
        if self._clock() >= known[2]:
            self._known.pop(token, None)
            return None
        return known[0], known[1]

    def remember(self, token: str, principal: Principal, kid: str | None, expires_at: float) -> None:
        if len(self._known) >= REMEMBER_MAX:
            self._known.clear()
        self._known[token] = (principal, kid, expires_at)


class TokenVerifier:
    """Verifies access tokens against the gateway's key set at a JWKS URL (:class:`KeySetCache`) or against a
    fixed key set (the gateway's own key, tests); a token that verified is remembered (:class:`VerifiedTokens`)."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        jwks: Mapping[str, Any] | None = None,
        leeway_seconds: int = 10,
        service: str = "unknown",
        key_set: KeySetCache | None = None,
    ) -> None:
        if (jwks_url is None) == (jwks is None):
            raise ValueError("give exactly one of jwks_url or jwks")
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway_seconds
        self.key_set = key_set or (KeySetCache(jwks_url, service=service) if jwks_url else None)
        self._static: dict[str, Any] = {}
        self.verified = VerifiedTokens()
        if jwks is not None:
            self._static = {key.key_id: key.key for key in jwt.PyJWKSet.from_dict(dict(jwks)).keys}

    def prefetch(self) -> None:
        """Start fetching the key set now (in the background), so the first token finds it cached."""
        if self.key_set is not None:
            self.key_set.prefetch()

    def _key(self, kid: str | None) -> Any:
        if self.key_set is None:
            if kid not in self._static:
                raise _invalid(_UNKNOWN_KEY)
            return self._static[kid]
        try:
            return self.key_set.key(kid)
        except UnknownKey:
            raise _invalid(_UNKNOWN_KEY) from None
        except KeysUnavailable:
            raise Unavailable(
                "The token cannot be checked yet: this service has not been able to fetch the gateway's key set. "
                "Nothing was done; try again shortly.",
                code="TOKEN_KEYS_UNAVAILABLE",
                retry_after=self.key_set.retry_after(),
            ) from None

    def verify(self, token: str) -> Principal:
        known = self.verified.get(token)
        if known is not None:
            self._key(known[1])  # the key must still be in the set (and a stale set gets refreshed)
            return known[0]
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            kid = kid if isinstance(kid, str) else None
            claims = jwt.decode(
                token,
                self._key(kid),
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise _token_problem(exc) from None
        except (ValueError, TypeError):  # a header or payload that decodes to something other than an object
            raise _invalid(_MALFORMED) from None
        roles = claims.get("roles")
        if claims.get("typ") != ACCESS_TOKEN_TYPE or not isinstance(roles, list):
            raise _invalid(_NOT_ACCESS)
        principal = Principal(
            user_id=str(claims["sub"]),
            username=str(claims.get("name", claims["sub"])),
            roles=frozenset(str(r) for r in roles),
        )
        exp = claims["exp"]
        if isinstance(exp, int | float):
            self.verified.remember(token, principal, kid, float(exp) + self.leeway)
        return principal


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
