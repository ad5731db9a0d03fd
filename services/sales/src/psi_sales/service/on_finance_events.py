"""Finance's events that sales consumes (queue ``psi.sales.on_finance_events``): each customer's open
receivables, the first half of the credit exposure (domain/credit.py).

Finance publishes the whole figure with a version one higher per change; the newest version wins, so a late or
repeated event changes nothing. A balance for a customer sales does not have is a contradiction (dead-lettered).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from psi_chassis.service import Event, PoisonMessage
from psi_sales.adapters import credit as store
from psi_sales.adapters import customers as customer_store


def on_customer_balance_changed(session: Session, event: Event) -> None:
    data = event.data
    raw = data["customer_id"]
    if not str(raw).isdigit() or customer_store.customer(session, int(raw)) is None:
        raise PoisonMessage(f"{event.type} names customer {raw}, which sales does not have")
    store.keep_balance(
        session,
        {
            "customer_id": int(raw),
            "currency": data["currency"],
            "open_receivables": data["open_receivables"],
            "version": int(data["version"]),
            "updated_at": data["changed_at"],
        },
    )
