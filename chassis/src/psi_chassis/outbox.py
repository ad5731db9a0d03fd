"""Writing events to the outbox in the business transaction.

Nothing in PSI publishes from a request handler: a handler calls ``record_event`` inside its unit of work, the
row commits (or not) with the change, and the relay (``psi_chassis.relay``) publishes it afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.bulk import insert_rows
from psi_chassis.context import get_causation_id, get_request_id
from psi_chassis.messaging_tables import OUTBOX
from psi_chassis.service import Event
from psi_chassis.types import utcnow
from psi_contracts.envelope import make_envelope


@dataclass(frozen=True)
class Outgoing:
    """One event to record: its type, data and subject, and the incoming event that caused it (if any)."""

    event_type: str
    data: Mapping[str, Any]
    subject: str | None = None
    caused_by: Event | None = None
    sequence: int | None = None


def record_event(
    session: Session,
    event_type: str,
    data: Mapping[str, Any],
    *,
    source: str,
    subject: str | None = None,
    sequence: int | None = None,
    caused_by: Event | None = None,
) -> str:
    """Validate ``data`` against the producer schema, wrap it in an envelope and add it to the outbox.

    The correlation id is the current request id (or the correlation of the event being handled), the causation
    id the event being handled, so a chain of events can be followed back to the request that started it. A
    batch handler names the incoming event with ``caused_by`` instead. Returns the new event id.
    """
    return record_events(session, [Outgoing(event_type, data, subject, caused_by, sequence)], source=source)[0]


def record_events(session: Session, outgoing: Sequence[Outgoing], *, source: str) -> list[str]:
    """Record several events with one INSERT (a batch handler's whole output); returns their ids in order."""
    if not outgoing:
        return []
    now = utcnow()
    rows = []
    for item in outgoing:
        cause = item.caused_by
        envelope = make_envelope(
            item.event_type,
            dict(item.data),
            source=source,
            subject=item.subject,
            correlation_id=cause.correlation_id if cause is not None else get_request_id(),
            causation_id=cause.id if cause is not None else get_causation_id(),
            sequence=item.sequence,
        )
        rows.append(
            {
                "event_id": envelope["id"],
                "event_type": item.event_type,
                "body": json.dumps(envelope, separators=(",", ":"), sort_keys=True),
                "correlation_id": envelope.get("correlationid"),
                "created_at": now,
            }
        )
    insert_rows(session, OUTBOX, rows)
    return [row["event_id"] for row in rows]
