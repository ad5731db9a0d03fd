"""The inbox: the record of which events a consumer has applied, written in the same transaction as the effect."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from psi_chassis.bulk import insert_rows
from psi_chassis.messaging_tables import INBOX
from psi_chassis.types import utcnow


def claim_event(session: Session, consumer: str, event_id: str, event_type: str) -> bool:
    """Insert ``(consumer, event_id)``; False when it was already there, i.e. the delivery is a duplicate."""
    return event_id in claim_events(session, consumer, [(event_id, event_type)])


def claim_events(session: Session, consumer: str, events: Sequence[tuple[str, str]]) -> set[str]:
    """Claim a batch of ``(event id, event type)`` with one statement; returns the ids that were new.

    On PostgreSQL a concurrent claim of the same event waits on the unique key until the first transaction ends,
    then sees the conflict: two deliveries of one event can never both apply. An id twice in the batch is
    claimed once (the caller treats its second delivery as a duplicate).
    """
    unique: dict[str, str] = {}
    for event_id, event_type in events:
        unique.setdefault(event_id, event_type)
    if not unique:
        return set()
    now = utcnow()
    rows = [
        {"consumer": consumer, "event_id": eid, "event_type": etype, "received_at": now}
        for eid, etype in unique.items()
    ]
    # RETURNING, not rowcount: the driver's rowcount for ON CONFLICT DO NOTHING is not reliable across versions.
    return set(insert_rows(session, INBOX, rows, returning="event_id", skip_conflicts_on=("consumer", "event_id")))
