"""Prometheus metrics shared by every PSI process (names documented in docs/observability.md).

APIs under gunicorn run in multiprocess mode (PROMETHEUS_MULTIPROC_DIR set by the start-up script); the consumer
and the relay are single processes with their own registry and HTTP port.
"""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client import multiprocess as _multiprocess

HTTP_REQUESTS = Counter(
    "psi_http_requests_total",
    "HTTP requests handled, by route template, method and status.",
    ["service", "method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "psi_http_request_duration_seconds",
    "HTTP request duration by route template and method.",
    ["service", "method", "route"],
)
HTTP_IN_PROGRESS = Gauge(
    "psi_http_requests_in_progress",
    "HTTP requests being handled right now.",
    ["service"],
    multiprocess_mode="livesum",
)
MESSAGES_PUBLISHED = Counter(
    "psi_messages_published_total",
    "Events published to the broker and confirmed by it.",
    ["service", "event_type"],
)
MESSAGES_CONSUMED = Counter(
    "psi_messages_consumed_total",
    "Deliveries handled by a consumer, by outcome (ack, duplicate, retry, dead_letter).",
    ["service", "queue", "event_type", "outcome"],
)
HANDLER_DURATION = Histogram(
    "psi_message_handler_duration_seconds",
    "Time to apply one delivery (inbox, handler, commit): its batch's time divided by the batch's size.",
    ["service", "queue", "event_type"],
)
BATCH_SIZE = Histogram(
    "psi_consumer_batch_size",
    "Deliveries applied together in one transaction (after decoding; dead-lettered ones not counted).",
    ["service", "queue"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
BATCHES_SPLIT = Counter(
    "psi_consumer_batches_split_total",
    "Batches that failed (not on the database) and were applied again message by message to isolate the cause.",
    ["service", "queue"],
)
MESSAGE_LAG = Histogram(
    "psi_message_lag_seconds",
    "Now minus the event's envelope time when the consumer commits it: end-to-end latency.",
    ["service", "event_type"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900),
)
DEAD_LETTERED = Counter(
    "psi_messages_dead_lettered_total",
    "Deliveries moved to a dead-letter queue, by reason (undecodable, invalid, exhausted, poison, redelivered).",
    ["service", "queue", "reason"],
)
RETRIED_IN_PLACE = Counter(
    "psi_messages_retried_in_place_total",
    "Attempts to apply a delivery again, in its place, after a transient database failure (by exception class).",
    ["service", "queue", "kind"],
)
CONSUMER_STALLED_SINCE = Gauge(
    "psi_consumer_stalled_since_seconds",
    "Unix time since when the delivery in hand keeps failing on the database (retried in place); 0 when not.",
    ["service", "queue"],
    multiprocess_mode="max",
)
OUTBOX_PENDING = Gauge(
    "psi_outbox_pending_messages",
    "Outbox rows not yet confirmed by the broker.",
    ["service"],
    multiprocess_mode="max",
)
OUTBOX_OLDEST_AGE = Gauge(
    "psi_outbox_oldest_age_seconds",
    "Age of the oldest unpublished outbox row (0 when none).",
    ["service"],
    multiprocess_mode="max",
)
TOKEN_KEY_FETCHES = Counter(
    "psi_token_key_fetches_total",
    "Fetches of the gateway's token key set (JWKS) by a service, by outcome (ok, failed).",
    ["service", "outcome"],
)
ERRORS = Counter(
    "psi_errors_total",
    "Errors handled without crashing the process, by component and kind (each is also logged).",
    ["service", "component", "kind"],
)


def render_latest(multiproc_dir: str = "") -> tuple[bytes, str]:
    """Exposition text for /metrics: aggregated over gunicorn workers when in multiprocess mode."""
    if multiproc_dir:
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def serve_metrics(port: int, addr: str = "127.0.0.1") -> None:
    """Expose this single process's registry on its own port (consumer and relay); port 0 disables it."""
    if port:
        start_http_server(port, addr=addr)


def mark_worker_dead(pid: int, multiproc_dir: str) -> None:
    """gunicorn child_exit hook: drop the dead worker's live gauges."""
    if multiproc_dir:
        _multiprocess.mark_process_dead(pid, path=multiproc_dir)
