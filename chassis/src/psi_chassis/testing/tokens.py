"""A throwaway Ed25519 key pair that signs tokens for tests of services without a gateway."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from psi_chassis.auth import ACCESS_TOKEN_TYPE, ALGORITHM, TokenVerifier


class TestKeys:
    __test__ = False  # not a pytest test class

    def __init__(self, kid: str = "test-key", issuer: str = "psi-gateway", audience: str = "psi") -> None:
        self.kid = kid
        self.issuer = issuer
        self.audience = audience
        self.private_key = Ed25519PrivateKey.generate()
        public_jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(self.private_key.public_key()))
        self.jwks = {"keys": [{**public_jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}]}

    def verifier(self) -> TokenVerifier:
        return TokenVerifier(issuer=self.issuer, audience=self.audience, jwks=self.jwks)

    def token(self, *roles: str, sub: str = "1", ttl: int = 300, **overrides: Any) -> str:
        claims = self.claims(*roles, sub=sub, ttl=ttl, **overrides)
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM, headers={"kid": self.kid})

    def claims(self, *roles: str, sub: str = "1", ttl: int = 300, **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        return {
            "sub": sub,
            "name": f"user{sub}",
            "roles": list(roles),
            "typ": ACCESS_TOKEN_TYPE,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + ttl,
            **overrides,
        }

    def forged(self, alg: str, *roles: str) -> str:
        """Attack tokens: ``none`` (unsigned) or ``HS256`` keyed with the public key (algorithm confusion)."""
        header = {"alg": alg, "typ": "JWT", "kid": self.kid}
        signing_input = f"{_b64(json.dumps(header))}.{_b64(json.dumps(self.claims(*roles)))}"
        if alg == "none":
            return signing_input + "."
        public_pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def private_pem(keys: TestKeys) -> str:
    """The key as PEM, to hand to a gateway (PSI_JWT_PRIVATE_KEY) whose tokens a test then needs to forge."""
    return keys.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
