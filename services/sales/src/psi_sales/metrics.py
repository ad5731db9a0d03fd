"""Business metrics of the sales service (the HTTP and messaging metrics come from the chassis)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

SAGA_ANSWERS_IGNORED = Counter(
    "psi_sales_saga_answers_ignored_total",
    "Inventory answers that changed nothing: to an older revision of the order, or to an order no longer"
    " waiting for one (a repeat); by event type and the order's status.",
    ["event_type", "status"],
)
BACKORDERS_RETRIED = Counter(
    "psi_sales_backorders_retried_total",
    "Backordered orders that asked inventory again (by: stock_received, hand).",
    ["trigger"],
)
RESERVATION_REPLIES_OVERDUE = Gauge(
    "psi_sales_reservation_replies_overdue",
    "Confirmed orders whose reservation inventory has not answered within SALES_RESERVATION_REPLY_TIMEOUT_SECONDS.",
    multiprocess_mode="max",
)
SHIPMENTS_REFUSED = Counter(
    "psi_sales_shipments_refused_total",
    "Shipments inventory refused to issue (inventory.ShipmentRejected.v1), taken back off their order.",
)
