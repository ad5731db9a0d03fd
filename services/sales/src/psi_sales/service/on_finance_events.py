"""Finance's events that sales consumes (queue ``psi.sales.on_finance_events``): each customer's open
receivables, the first half of the credit exposure (domain/credit.py), and finance's exchange rates.

Finance publishes the whole figure with a version one higher per change; the newest version wins, so a late or
repeated event changes nothing. A balance for a customer sales does not have is a contradiction (dead-lettered).

Exchange rates (``finance.ExchangeRateSet.v1``): from ``valid_from`` on, until the currency's next rate, one unit
of ``currency`` is worth ``rate`` units of the base currency; the newest ``version`` per (currency, valid_from)
wins. Sales keeps them as purchasing does (adapters/exchange_rates.py) and uses them for nothing yet but
``GET /exchange-rates``, which answers only rates in sales' own base currency.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from psi_chassis.service import Event, PoisonMessage
from psi_sales.adapters import credit as store
from psi_sales.adapters import customers as customer_store
from psi_sales.adapters import exchange_rates


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


def on_exchange_rate_set(session: Session, event: Event) -> None:
    data = event.data
    exchange_rates.keep_rate(
        session,
        {
            "currency": data["currency"],
            "valid_from": data["valid_from"],
            "base_currency": data["base_currency"],
            "rate": data["rate"],
            "version": int(data["version"]),
            "set_at": data["set_at"],
        },
    )
