"""Setting exchange rates (one or a list, in one transaction): each announced with finance.ExchangeRateSet.v1
for purchasing's and sales' replicas, and the parked documents a new rate covers posted in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.db import Database, run_command
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.finance import EXCHANGE_RATE_SET_V1
from psi_finance import config
from psi_finance.adapters import exchange_rates as store
from psi_finance.config import SERVICE_NAME
from psi_finance.domain.exchange_rates import Rate, check_rate
from psi_finance.service.on_sales_events import post_parked


def set_rates(db: Database, rates: Sequence[Rate], actor: Actor) -> dict[str, Any]:
    """Set (or correct) every rate, all or none; returns the rates as written and how many parked documents
    could now be posted."""
    base = config.base_currency()
    for rate in rates:
        check_rate(rate.currency, rate.rate, base)

    def work(session: Session) -> dict[str, Any]:
        now = utcnow()
        written = [_set(session, rate, base, actor, now) for rate in rates]
        return {"rates": written, "parked_posted": post_parked(session, now)}

    return run_command(db, work)


def _set(session: Session, rate: Rate, base: str, actor: Actor, now: Any) -> dict[str, Any]:
    version = store.set_rate(session, rate.currency, rate.valid_from, rate.rate, actor.username, now)
    data = {
        "currency": rate.currency,
        "base_currency": base,
        "rate": rate.rate,
        "valid_from": rate.valid_from,
        "version": version,
        "set_at": now,
    }
    subject = f"{rate.currency}:{rate.valid_from.isoformat()}"
    record_event(session, EXCHANGE_RATE_SET_V1, data, source=SERVICE_NAME, subject=subject, sequence=version)
    return {**data, "set_by": actor.username}


def rate_for(db: Database, currency: str, on: Any) -> dict[str, Any] | None:
    """The rate a document of ``currency`` dated ``on`` takes (1 for the base currency), or None."""
    base = config.base_currency()
    if currency == base:
        return {"currency": currency, "on": on, "rate": 1}
    with db.unit_of_work() as session:
        found = store.rate_on(session, currency, on)
    return None if found is None else {"currency": currency, "on": on, "rate": found}
