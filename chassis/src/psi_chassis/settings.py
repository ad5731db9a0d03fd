"""Typed settings read from an environment mapping.

Each service's ``config.py`` is the only module that touches ``os.environ``; it passes the mapping here, so the
chassis itself never reads the process environment and tests can build settings from a plain dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class SettingsError(ValueError):
    """A setting is present but cannot be parsed; refuse to start rather than guess."""


def env_str(env: Mapping[str, str], name: str, default: str) -> str:
    return env.get(name, default)


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc


def env_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be a boolean, got {raw!r}")


def env_int_list(env: Mapping[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return tuple(int(part) for part in raw.split(",") if part.strip())
    except ValueError as exc:
        raise SettingsError(f"{name} must be a comma-separated list of integers, got {raw!r}") from exc


@dataclass(frozen=True)
class ServiceSettings:
    """What the chassis needs to run one service's API, consumer and relay."""

    service_name: str
    database_url: str
    amqp_url: str = "memory://"
    topology_prefix: str = "psi"
    log_level: str = "INFO"
    # Set by the start-up script for gunicorn (never from Python, see docs/observability.md).
    prometheus_multiproc_dir: str = ""
    base_currency: str = "CNY"
    # Access tokens: issued by the gateway, verified here against its key set.
    jwks_url: str = "http://127.0.0.1:8000/api/v1/auth/jwks"
    jwt_issuer: str = "psi-gateway"
    jwt_audience: str = "psi"
    # Consumer
    consumer_prefetch: int = 500
    #: Deliveries of one queue applied in one transaction, and how long the first may wait for the others.
    consumer_batch_size: int = 500
    consumer_batch_wait_ms: int = 20
    consumer_max_attempts: int = 5
    consumer_retry_delays_ms: tuple[int, ...] = (1000, 5000, 30000)
    consumer_max_redeliveries: int = 10
    # A database failure (connection lost, deadlock, lock timeout) is retried in place, backing off up to this.
    consumer_in_place_retry_max_delay: float = 10.0
    consumer_heartbeat_seconds: int = 30
    consumer_metrics_port: int = 0
    metrics_bind: str = "127.0.0.1"
    # Outbox relay
    relay_batch_size: int = 500
    relay_poll_interval: float = 0.2
    relay_metrics_port: int = 0
    relay_confirm_timeout: float = 10.0
    # Testing only: a named crash point (see psi_chassis.faults); empty in production.
    fault: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str], service_name: str, default_database_url: str) -> ServiceSettings:
        """Build settings for ``service_name`` from ``env``.

        ``<SERVICE>_DATABASE_URL`` names the service's own database; everything messaging-related is shared.
        """
        upper = service_name.upper()
        return cls(
            service_name=service_name,
            database_url=env_str(env, f"{upper}_DATABASE_URL", default_database_url),
            amqp_url=env_str(env, "AMQP_URL", "memory://"),
            topology_prefix=env_str(env, "PSI_TOPOLOGY_PREFIX", "psi"),
            log_level=env_str(env, "LOG_LEVEL", "INFO"),
            prometheus_multiproc_dir=env_str(env, "PROMETHEUS_MULTIPROC_DIR", ""),
            base_currency=env_str(env, "PSI_BASE_CURRENCY", "CNY"),
            jwks_url=env_str(env, "PSI_JWKS_URL", "http://127.0.0.1:8000/api/v1/auth/jwks"),
            jwt_issuer=env_str(env, "PSI_JWT_ISSUER", "psi-gateway"),
            jwt_audience=env_str(env, "PSI_JWT_AUDIENCE", "psi"),
            consumer_prefetch=env_int(env, "PSI_CONSUMER_PREFETCH", 500),
            consumer_batch_size=env_int(env, "PSI_CONSUMER_BATCH_SIZE", 500),
            consumer_batch_wait_ms=env_int(env, "PSI_CONSUMER_BATCH_WAIT_MS", 20),
            consumer_max_attempts=env_int(env, "PSI_CONSUMER_MAX_ATTEMPTS", 5),
            consumer_retry_delays_ms=env_int_list(env, "PSI_CONSUMER_RETRY_DELAYS_MS", (1000, 5000, 30000)),
            consumer_max_redeliveries=env_int(env, "PSI_CONSUMER_MAX_REDELIVERIES", 10),
            consumer_in_place_retry_max_delay=env_float(env, "PSI_CONSUMER_IN_PLACE_RETRY_MAX_DELAY", 10.0),
            consumer_heartbeat_seconds=env_int(env, "PSI_CONSUMER_HEARTBEAT_SECONDS", 30),
            consumer_metrics_port=env_int(env, f"{upper}_CONSUMER_METRICS_PORT", 0),
            metrics_bind=env_str(env, "PSI_METRICS_BIND", "127.0.0.1"),
            relay_batch_size=env_int(env, "PSI_RELAY_BATCH_SIZE", 500),
            relay_poll_interval=env_float(env, "PSI_RELAY_POLL_INTERVAL", 0.2),
            relay_metrics_port=env_int(env, f"{upper}_RELAY_METRICS_PORT", 0),
            relay_confirm_timeout=env_float(env, "PSI_RELAY_CONFIRM_TIMEOUT", 10.0),
            fault=env_str(env, "PSI_FAULT", ""),
        )
