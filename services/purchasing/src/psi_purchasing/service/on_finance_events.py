"""Finance's events that purchasing consumes (queue ``psi.purchasing.on_finance_events``): its exchange rates.

``finance.ExchangeRateSet.v1`` carries one rate of finance's table: from ``valid_from`` on, until the currency's
next rate, one unit of ``currency`` is worth ``rate`` units of the base currency. Purchasing keeps a replica
(adapters/exchange_rates.py) that an order's rate is taken from and checked against (domain/fx.py). The newest
``version`` per (currency, valid_from) wins, so a correction that arrives before the rate it corrects, or an
event delivered twice, changes nothing. Runs in the consumer's unit of work after the inbox claim; never commits.

A rate quoted in another base currency than purchasing's, or a rate of the base currency itself, is not a rate
purchasing can use: finance and purchasing disagree about ``PSI_BASE_CURRENCY``. It is dead-lettered as poison
for an operator, never stored and never guessed at.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from psi_chassis.service import Event, PoisonMessage
from psi_purchasing import config
from psi_purchasing.adapters import exchange_rates


def on_exchange_rate_set(session: Session, event: Event) -> bool:
    """Keep the rate unless the replica holds a newer version of it; True when it was stored."""
    data, base = event.data, config.base_currency()
    if data["base_currency"] != base or data["currency"] == base:
        raise PoisonMessage(
            f"{event.type}: a rate of {data['currency']} in {data['base_currency']}; purchasing's base currency "
            f"is {base} (PSI_BASE_CURRENCY must be the same in finance and purchasing)"
        )
    return exchange_rates.keep_rate(
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
