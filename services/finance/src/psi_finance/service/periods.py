"""Closing and reopening periods (an administrator's): each one transaction through ``run_command``.

The period's row is locked FOR UPDATE: a close waits for every posting in flight into the period (each holds the
row FOR SHARE, service/journal.py) and every posting after it finds the period closed. See domain/periods.py.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.db import Database, run_command
from psi_chassis.types import utcnow
from psi_finance.adapters import periods as store
from psi_finance.domain.periods import PeriodStatus, check_close, check_reopen, parse_period
from psi_finance.service.statements import keep_at_close


def close_period(db: Database, period: str, actor: Actor) -> dict[str, Any]:
    """Close a month that has begun: nothing posts into it after this (late events move on, people are refused).
    Its trial balance, profit and loss and balance sheet are kept in the same transaction (service/statements.py)."""
    name = parse_period(period)

    def work(session: Session) -> dict[str, Any]:
        store.ensure(session, name)
        current = store.locked(session, name)
        now = utcnow()
        check_close(name, PeriodStatus(current["status"]), now.date())
        store.close(session, name, actor.username, now)
        keep_at_close(session, name, actor.username, now)
        return _period(session, name)

    return run_command(db, work)


def reopen_period(db: Database, period: str, actor: Actor) -> dict[str, Any]:
    """Reopen a closed month (who and when are kept; the last close stays recorded beside it)."""
    name = parse_period(period)

    def work(session: Session) -> dict[str, Any]:
        store.ensure(session, name)
        check_reopen(name, PeriodStatus(store.locked(session, name)["status"]))
        store.reopen(session, name, actor.username, utcnow())
        return _period(session, name)

    return run_command(db, work)


def _period(session: Session, name: str) -> dict[str, Any]:
    found = store.period(session, name)
    assert found is not None
    return found
