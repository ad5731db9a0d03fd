"""The inbox: the record of which events a consumer has applied, written in the same transaction as the effect."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from psi_chassis.messaging_tables import INBOX
from psi_chassis.types import utcnow


def claim_event(session: Session, consumer: str, event_id: str, event_type: str) -> bool:
    """Insert ``(consumer, event_id)``; False when it was already there, i.e. the delivery is a duplicate.

    On PostgreSQL a concurrent claim of the same event waits on the unique key until the first transaction ends,
    then sees the conflict: two deliveries of one event can never both apply.
    """
    dialect = session.get_bind().dialect.name
    values = {"consumer": consumer, "event_id": event_id, "event_type": event_type, "received_at": utcnow()}
    module = sqlite if dialect == "sqlite" else postgresql
    stmt = (
        module.insert(INBOX)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(INBOX.c.event_id)
    )
    # RETURNING, not rowcount: the driver's rowcount for ON CONFLICT DO NOTHING is not reliable across versions.
    return session.execute(stmt).first() is not None
