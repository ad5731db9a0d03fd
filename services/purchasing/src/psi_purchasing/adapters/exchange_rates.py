"""The replica of finance's exchange rates (table ``exchange_rates``, from ``finance.ExchangeRateSet.v1``).

Each event carries one rate of finance's table with a ``version`` one higher per correction of that (currency,
valid_from); the upsert keeps the newest in its ``WHERE`` (``psi_chassis.replica_store``), so a late or repeated
event never brings back an older rate. What a rate means for an order is domain/fx.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from psi_chassis.replica_store import upsert_newest
from psi_purchasing.adapters.tables import exchange_rates


def rate_key(currency: str, valid_from: date) -> str:
    """``USD:2025-03-03``: the replica's key, as finance names the rate in the event's subject."""
    return f"{currency}:{valid_from.isoformat()}"


def keep_rate(session: Session, values: dict[str, Any]) -> bool:
    """Store one rate unless the replica holds a newer version of it; True when it was stored."""
    return upsert_newest(
        session, exchange_rates, "rate_key", {"rate_key": rate_key(values["currency"], values["valid_from"]), **values}
    )


def rate_on(session: Session, currency: str, on: date) -> Decimal | None:
    """The rate of ``currency`` on ``on``: the one with the latest ``valid_from`` on or before that date (None
    when finance has set none that early)."""
    found = session.execute(
        select(exchange_rates.c.rate)
        .where(exchange_rates.c.currency == currency, exchange_rates.c.valid_from <= on)
        .order_by(exchange_rates.c.valid_from.desc())
        .limit(1)
    ).scalar()
    return None if found is None else Decimal(found)
