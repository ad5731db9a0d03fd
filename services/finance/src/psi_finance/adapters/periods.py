"""Every statement about accounting periods: created open on first use, locked while posted into or closed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from psi_chassis.db import insert_on_conflict
from psi_chassis.paging import fetch_page
from psi_finance.adapters.tables import periods
from psi_finance.domain.periods import PeriodStatus


def period_view(row: Any) -> dict[str, Any]:
    return {
        "period": row.period,
        "status": row.status,
        "closed_by": row.closed_by,
        "closed_at": row.closed_at,
        "reopened_by": row.reopened_by,
        "reopened_at": row.reopened_at,
    }


def ensure(session: Session, period: str) -> None:
    """The period's row, created open if it is not there yet (a concurrent creator's row is kept)."""
    session.execute(
        insert_on_conflict(session, periods)
        .values(period=period, status=PeriodStatus.OPEN.value)
        .on_conflict_do_nothing(index_elements=["period"])
    )


def closed_from(session: Session, period: str) -> set[str]:
    """The closed periods from ``period`` on."""
    query = select(periods.c.period).where(periods.c.period >= period, periods.c.status == PeriodStatus.CLOSED.value)
    return set(session.execute(query).scalars())


def status_for_posting(session: Session, period: str) -> PeriodStatus:
    """The period's status, its row held FOR SHARE until the transaction ends: a close (FOR UPDATE) waits for
    every posting in flight, and a posting after the close sees it closed; postings do not wait for each other."""
    query = select(periods.c.status).where(periods.c.period == period).with_for_update(read=True)
    return PeriodStatus(session.execute(query).scalar_one())


def locked(session: Session, period: str) -> dict[str, Any]:
    """The period's row, held FOR UPDATE (closing and reopening it): call :func:`ensure` first."""
    row = session.execute(select(periods).where(periods.c.period == period).with_for_update()).one()
    return period_view(row)


def close(session: Session, period: str, by: str, at: datetime) -> None:
    session.execute(
        update(periods)
        .where(periods.c.period == period)
        .values(status=PeriodStatus.CLOSED.value, closed_by=by, closed_at=at)
    )


def reopen(session: Session, period: str, by: str, at: datetime) -> None:
    session.execute(
        update(periods)
        .where(periods.c.period == period)
        .values(status=PeriodStatus.OPEN.value, reopened_by=by, reopened_at=at)
    )


def period(session: Session, name: str) -> dict[str, Any] | None:
    row = session.execute(select(periods).where(periods.c.period == name)).first()
    return None if row is None else period_view(row)


def list_periods(session: Session, status: str | None, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    """The periods used so far, newest first."""
    query = select(periods)
    if status is not None:
        query = query.where(periods.c.status == status)
    rows, total = fetch_page(session, query, periods.c.period.desc(), page, page_size)
    return [period_view(r) for r in rows], total
