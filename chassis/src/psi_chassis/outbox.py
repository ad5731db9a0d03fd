"""Writing events to the outbox in the business transaction.

Nothing in PSI publishes from a request handler: a handler calls ``record_event`` inside its unit of work, the
row commits (or not) with the change, and the relay (``psi_chassis.relay``) publishes it afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from psi_chassis.context import get_causation_id, get_request_id
from psi_chassis.messaging_tables import OUTBOX
from psi_chassis.types import utcnow
from psi_contracts.envelope import make_envelope


def record_event(
    session: Session,
    event_type: str,
    data: Mapping[str, Any],
    *,
    source: str,
    subject: str | None = None,
    sequence: int | None = None,
) -> str:
    """Validate ``data`` against the producer schema, wrap it in an envelope and add it to the outbox.

    The correlation id is the current request id (or the correlation of the event being handled), the causation
    id the event being handled, so a chain of events can be followed back to the request that started it.
    Returns the new event id.
    """
    envelope = make_envelope(
        event_type,
        dict(data),
        source=source,
        subject=subject,
        correlation_id=get_request_id(),
        causation_id=get_causation_id(),
        sequence=sequence,
    )
    session.execute(
        insert(OUTBOX).values(
            event_id=envelope["id"],
            event_type=event_type,
            body=json.dumps(envelope, separators=(",", ":"), sort_keys=True),
            correlation_id=envelope.get("correlationid"),
            created_at=utcnow(),
        )
    )
    return str(envelope["id"])
