"""Every statement about receivables: invoices and credit notes, customer balances, parked events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from psi_chassis.db import insert_numbered, insert_on_conflict
from psi_finance.adapters.receivable_tables import customer_balances, parked_events, receivables
from psi_finance.domain.receivables import CustomerBalance, ReceivableKind, receivable_number


def add_receivable(session: Session, kind: ReceivableKind, values: dict[str, Any]) -> tuple[int, str]:
    """Insert an invoice or credit note; its number is written from its id in the same transaction."""
    return insert_numbered(session, receivables, {"kind": str(kind), **values}, partial(receivable_number, kind))


def change_balance(session: Session, customer_id: str, currency: str, delta: Decimal, now: datetime) -> CustomerBalance:
    """Add ``delta`` to the customer's balance (created at zero, version 0, on first use) under a row lock."""
    session.execute(
        insert_on_conflict(session, customer_balances)
        .values(customer_id=customer_id, currency=currency, open_receivables=0, version=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["customer_id"])
    )
    row = session.execute(
        select(customer_balances).where(customer_balances.c.customer_id == customer_id).with_for_update()
    ).one()
    balance = CustomerBalance(customer_id, row.currency, Decimal(row.open_receivables) + delta, row.version + 1)
    session.execute(
        update(customer_balances)
        .where(customer_balances.c.customer_id == customer_id)
        .values(open_receivables=balance.open_receivables, version=balance.version, updated_at=now)
    )
    return balance


def park(session: Session, event_id: str, event_type: str, data: dict[str, Any], reason: str, now: datetime) -> bool:
    """Keep an event finance cannot post yet; False when it is parked already."""
    result = session.execute(
        insert_on_conflict(session, parked_events)
        .values(event_id=event_id, event_type=event_type, data=data, reason=reason, parked_at=now)
        .on_conflict_do_nothing(index_elements=["event_id"])
    )
    return bool(result.rowcount)


_VIEW = (
    "id",
    "number",
    "kind",
    "customer_id",
    "customer_code",
    "order_number",
    "document_ref",
    "currency",
    "rate",
    "net_amount",
    "tax_amount",
    "total_amount",
    "base_total_amount",
    "open_amount",
    "issued_on",
    "due_on",
    "entry_id",
)


def receivables_of(session: Session, customer_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(receivables).where(receivables.c.customer_id == customer_id).order_by(receivables.c.id)
    ).all()
    return [{name: getattr(r, name) for name in _VIEW} for r in rows]


def balance_of(session: Session, customer_id: str) -> CustomerBalance | None:
    row = session.execute(select(customer_balances).where(customer_balances.c.customer_id == customer_id)).first()
    if row is None:
        return None
    return CustomerBalance(row.customer_id, row.currency, Decimal(row.open_receivables), row.version)
