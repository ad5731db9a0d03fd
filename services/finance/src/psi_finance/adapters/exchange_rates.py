"""Every statement about exchange rates, and the parked events a new rate lets finance post."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from psi_chassis.db import insert_on_conflict
from psi_chassis.paging import fetch_page
from psi_finance.adapters.exchange_tables import exchange_rates
from psi_finance.adapters.receivable_tables import parked_events


def set_rate(session: Session, currency: str, valid_from: date, rate: Decimal, by: str, at: datetime) -> int:
    """Insert the rate of a date, or correct it (one version higher); returns the version written."""
    stmt = insert_on_conflict(session, exchange_rates).values(
        currency=currency, valid_from=valid_from, rate=rate, version=1, set_by=by, set_at=at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["currency", "valid_from"],
        set_={"rate": rate, "version": exchange_rates.c.version + 1, "set_by": by, "set_at": at},
    ).returning(exchange_rates.c.version)
    return int(session.execute(stmt).scalar_one())


def rate_on(session: Session, currency: str, on: date) -> Decimal | None:
    """The rate with the latest ``valid_from`` on or before ``on`` (domain/exchange_rates.py)."""
    found = session.execute(
        select(exchange_rates.c.rate)
        .where(exchange_rates.c.currency == currency, exchange_rates.c.valid_from <= on)
        .order_by(exchange_rates.c.valid_from.desc())
        .limit(1)
    ).scalar()
    return None if found is None else Decimal(found)


_VIEW = ("currency", "valid_from", "rate", "version", "set_by", "set_at")


def list_rates(
    session: Session, currency: str | None, date_from: date | None, date_to: date | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query = select(exchange_rates)
    if currency is not None:
        query = query.where(exchange_rates.c.currency == currency)
    if date_from is not None:
        query = query.where(exchange_rates.c.valid_from >= date_from)
    if date_to is not None:
        query = query.where(exchange_rates.c.valid_from <= date_to)
    order = (exchange_rates.c.currency, exchange_rates.c.valid_from.desc())
    rows, total = fetch_page(session, query, order, page, page_size)
    return [{name: getattr(r, name) for name in _VIEW} for r in rows], total


def parked(session: Session) -> list[Any]:
    """Every parked event, oldest first (locked: a replay takes each once)."""
    return list(session.execute(select(parked_events).order_by(parked_events.c.parked_at).with_for_update()).all())


def unpark(session: Session, event_id: str) -> None:
    session.execute(delete(parked_events).where(parked_events.c.event_id == event_id))
