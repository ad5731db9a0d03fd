"""Business metrics of the finance service (the HTTP and messaging metrics come from the chassis)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

EVENTS_PARKED = Counter(
    "psi_finance_events_parked_total",
    "Events finance could not post yet and keeps in parked_events (a foreign-currency document without an exchange"
    " rate for its date), by event type.",
    ["event_type"],
)
INVENTORY_RECONCILIATION_DIFFERENCE = Gauge(
    "psi_finance_inventory_reconciliation_difference",
    "The largest absolute difference, over the warehouses, between the books' Inventory and inventory's"
    " valuation as its events state it (base currency); 0 when they agree.",
    multiprocess_mode="max",
)
