"""The only module of the gateway that reads the environment.

Every setting comes from an environment mapping (``os.environ`` unless one is passed), so tests and the
embedded runner can build settings from a plain dict.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from urllib.parse import urlsplit

from psi_chassis.settings import SettingsError, env_float, env_int, env_str

#: Where each service listens when nothing else is configured (the ports of ``deploy``/gunicorn).
DEFAULT_SERVICE_URLS: Mapping[str, str] = MappingProxyType(
    {
        "purchasing": "http://127.0.0.1:8001",
        "sales": "http://127.0.0.1:8002",
        "inventory": "http://127.0.0.1:8003",
        "finance": "http://127.0.0.1:8004",
        "reporting": "http://127.0.0.1:8005",
    }
)
DEFAULT_CONNECT_TIMEOUT = 2.0
DEFAULT_READ_TIMEOUT = 10.0
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


def service_url_variable(service: str) -> str:
    """``PSI_<SERVICE>_URL``: the environment variable naming a service's base URL."""
    return f"PSI_{service.upper()}_URL"


def normalize_base_url(name: str, url: str) -> str:
    """Check that ``url`` is an absolute http(s) base URL and drop any trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.query or parts.fragment:
        raise SettingsError(f"{name} must be an absolute http(s) URL without query or fragment, got {url!r}")
    return url.strip().rstrip("/")


@dataclass(frozen=True)
class GatewaySettings:
    """What the gateway needs: where each service lives, how long to wait for it, and how much to accept."""

    service_urls: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SERVICE_URLS))
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    log_level: str = "INFO"
    # Set by the start-up script for gunicorn (metrics aggregated over workers); empty otherwise.
    prometheus_multiproc_dir: str = ""
    # Identity: the gateway's own database (users, refresh tokens, signing key, idempotency keys).
    database_url: str = "sqlite:///var/gateway.db"
    jwt_issuer: str = "psi-gateway"
    jwt_audience: str = "psi"
    access_token_ttl: int = 900
    refresh_token_ttl: int = 14 * 24 * 3600
    #: PEM of the Ed25519 signing key; empty: a key generated once and kept in the gateway database.
    jwt_private_key_pem: str = ""
    admin_username: str = "admin"
    admin_password: str = ""
    # Rate limits ("<n>/<period>", the `limits` notation) and their storage (redis://... shared by workers).
    rate_limit_storage: str = "memory://"
    rate_limit_per_user: str = "600/minute"
    rate_limit_per_ip: str = "1200/minute"
    rate_limit_login: str = "20/minute"
    # Resilience: GET retries and one circuit breaker per service.
    get_retries: int = 2
    breaker_failures: int = 5
    breaker_reset_seconds: float = 30.0
    idempotency_ttl_seconds: int = 24 * 3600
    #: An unanswered claim on an Idempotency-Key counts as in flight this long, then as "outcome unknown".
    idempotency_lease_seconds: int = 60
    #: How often each worker purges expired idempotency keys and dead refresh tokens (0: never by itself).
    purge_interval_seconds: float = 600.0
    #: How many proxies in front of the gateway append to X-Forwarded-For (0: use the TCP peer).
    trusted_proxies: int = 0

    def __post_init__(self) -> None:
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise SettingsError("gateway timeouts must be positive")
        if self.max_body_bytes <= 0:
            raise SettingsError("PSI_GATEWAY_MAX_BODY_BYTES must be positive")
        if self.purge_interval_seconds < 0:
            raise SettingsError("PSI_GATEWAY_PURGE_INTERVAL_SECONDS must be 0 (off) or positive")

    def with_service_urls(self, service_urls: Mapping[str, str]) -> GatewaySettings:
        """These settings with exactly ``service_urls`` as the services (any other is not configured)."""
        urls = {name: normalize_base_url(f"service URL of {name}", url) for name, url in service_urls.items()}
        return replace(self, service_urls=urls)


def load_settings(env: Mapping[str, str] | None = None) -> GatewaySettings:
    """Read the gateway settings from ``env`` (default: the process environment)."""
    env = os.environ if env is None else env
    urls = {}
    for service, default in DEFAULT_SERVICE_URLS.items():
        variable = service_url_variable(service)
        urls[service] = normalize_base_url(variable, env_str(env, variable, "") or default)
    return GatewaySettings(
        service_urls=urls,
        connect_timeout=env_float(env, "PSI_GATEWAY_CONNECT_TIMEOUT", DEFAULT_CONNECT_TIMEOUT),
        read_timeout=env_float(env, "PSI_GATEWAY_READ_TIMEOUT", DEFAULT_READ_TIMEOUT),
        max_body_bytes=env_int(env, "PSI_GATEWAY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
        log_level=env_str(env, "LOG_LEVEL", "INFO") or "INFO",
        prometheus_multiproc_dir=env_str(env, "PROMETHEUS_MULTIPROC_DIR", ""),
        database_url=env_str(env, "GATEWAY_DATABASE_URL", "sqlite:///var/gateway.db"),
        jwt_issuer=env_str(env, "PSI_JWT_ISSUER", "psi-gateway"),
        jwt_audience=env_str(env, "PSI_JWT_AUDIENCE", "psi"),
        access_token_ttl=env_int(env, "PSI_ACCESS_TOKEN_TTL", 900),
        refresh_token_ttl=env_int(env, "PSI_REFRESH_TOKEN_TTL", 14 * 24 * 3600),
        jwt_private_key_pem=_private_key(env),
        admin_username=env_str(env, "PSI_ADMIN_USERNAME", "admin"),
        admin_password=env_str(env, "PSI_ADMIN_PASSWORD", ""),
        rate_limit_storage=env_str(env, "PSI_RATE_LIMIT_STORAGE", "")
        or env_str(env, "PSI_REDIS_URL", "")
        or "memory://",
        rate_limit_per_user=env_str(env, "PSI_RATE_LIMIT_PER_USER", "600/minute"),
        rate_limit_per_ip=env_str(env, "PSI_RATE_LIMIT_PER_IP", "1200/minute"),
        rate_limit_login=env_str(env, "PSI_RATE_LIMIT_LOGIN", "20/minute"),
        get_retries=env_int(env, "PSI_GATEWAY_GET_RETRIES", 2),
        breaker_failures=env_int(env, "PSI_GATEWAY_BREAKER_FAILURES", 5),
        breaker_reset_seconds=env_float(env, "PSI_GATEWAY_BREAKER_RESET_SECONDS", 30.0),
        idempotency_ttl_seconds=env_int(env, "PSI_IDEMPOTENCY_TTL_SECONDS", 24 * 3600),
        idempotency_lease_seconds=env_int(env, "PSI_IDEMPOTENCY_LEASE_SECONDS", 60),
        purge_interval_seconds=env_float(env, "PSI_GATEWAY_PURGE_INTERVAL_SECONDS", 600.0),
        trusted_proxies=env_int(env, "PSI_TRUSTED_PROXIES", 0),
    )


def _private_key(env: Mapping[str, str]) -> str:
    """The signing key from PSI_JWT_PRIVATE_KEY (PEM) or the file named by PSI_JWT_PRIVATE_KEY_FILE."""
    pem = env_str(env, "PSI_JWT_PRIVATE_KEY", "")
    path = env_str(env, "PSI_JWT_PRIVATE_KEY_FILE", "")
    if not pem and path:
        try:
            with open(path, encoding="utf-8") as handle:
                pem = handle.read()
        except OSError as exc:
            raise SettingsError(f"PSI_JWT_PRIVATE_KEY_FILE {path!r} cannot be read: {exc}") from exc
    return pem
