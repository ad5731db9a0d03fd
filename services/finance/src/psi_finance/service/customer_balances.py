"""A customer's balance moves and is announced in one place: every invoice, credit note and payment goes here."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from psi_chassis.outbox import record_event
from psi_contracts.events.finance import CUSTOMER_BALANCE_CHANGED_V1
from psi_finance.adapters import receivables as store
from psi_finance.config import SERVICE_NAME


def move_balance(session: Session, customer_id: str, currency: str, delta: Decimal, now: datetime) -> None:
    """Add ``delta`` to what the customer owes and publish finance.CustomerBalanceChanged.v1 with the new figure."""
    balance = store.change_balance(session, customer_id, currency, delta, now)
    changed = {
        "customer_id": balance.customer_id,
        "currency": balance.currency,
        "open_receivables": balance.open_receivables,
        "version": balance.version,
        "changed_at": now,
    }
    subject = f"customer:{balance.customer_id}"
    record_event(session, CUSTOMER_BALANCE_CHANGED_V1, changed, source=SERVICE_NAME, subject=subject)
