"""Business metrics of the finance service (the HTTP and messaging metrics come from the chassis)."""

from __future__ import annotations

from prometheus_client import Counter

EVENTS_PARKED = Counter(
    "psi_finance_events_parked_total",
    "Events finance could not post yet and keeps in parked_events (a foreign-currency document without an exchange"
    " rate for its date), by event type.",
    ["event_type"],
)
