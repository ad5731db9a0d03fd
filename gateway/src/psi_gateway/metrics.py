"""Metrics of the gateway itself (the HTTP ones come from psi_chassis.metrics). Documented in docs/observability.md."""

from prometheus_client import Counter, Gauge

CIRCUIT_STATE = Gauge(
    "psi_gateway_circuit_state",
    "Circuit breaker state per service: 0 closed, 1 half-open, 2 open (the worst over live workers).",
    ["service"],
    multiprocess_mode="livemax",
)
RATE_LIMITED = Counter(
    "psi_gateway_rate_limited_total",
    "Requests refused with 429, by the limit that refused them (ip, user, login).",
    ["limit"],
)
IDEMPOTENT_REPLAYS = Counter(
    "psi_gateway_idempotent_replays_total",
    "POSTs answered from the idempotency store instead of reaching a service, by outcome (replayed, conflict, "
    "unknown).",
    ["outcome"],
)
PURGED_ROWS = Counter(
    "psi_gateway_purged_rows_total",
    "Rows deleted by the gateway's purge, by table (idempotency_keys: expired; refresh_tokens: expired or revoked).",
    ["table"],
)
