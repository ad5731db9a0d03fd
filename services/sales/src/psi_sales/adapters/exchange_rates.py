"""The replica of finance's exchange rates (table ``exchange_rates``, from ``finance.ExchangeRateSet.v1``).

Each event carries one rate of finance's table with a ``version`` one higher per correction of that (currency,
valid_from); the upsert keeps the newest in its ``WHERE`` (``psi_chassis.replica_store``), so a late or repeated
event never brings back an older rate. Sales uses the rates for nothing yet; ``GET /exchange-rates`` shows them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from psi_chassis.replica_store import upsert_newest
from psi_sales.adapters.tables import exchange_rates


def rate_key(currency: str, valid_from: date) -> str:
    """``USD:2025-03-03``: the replica's key, as finance names the rate in the event's subject."""
    return f"{currency}:{valid_from.isoformat()}"


def keep_rate(session: Session, values: dict[str, Any]) -> bool:
    """Store one rate unless the replica holds a newer version of it; True when it was stored."""
    return upsert_newest(
        session, exchange_rates, "rate_key", {"rate_key": rate_key(values["currency"], values["valid_from"]), **values}
    )


_VIEW = ("currency", "base_currency", "rate", "valid_from", "version", "set_at")


def rate_on(session: Session, currency: str, base_currency: str, on: date) -> dict[str, Any] | None:
    """The rate of ``currency`` in ``base_currency`` on ``on``: the one with the latest ``valid_from`` on or
    before that date (None when finance has set none that early)."""
    row = session.execute(
        select(*(exchange_rates.c[name] for name in _VIEW))
        .where(
            exchange_rates.c.currency == currency,
            exchange_rates.c.base_currency == base_currency,
            exchange_rates.c.valid_from <= on,
        )
        .order_by(exchange_rates.c.valid_from.desc())
        .limit(1)
    ).first()
    return None if row is None else dict(row._mapping)
