"""The one way a purchasing command runs: its own transaction, retried when the database picked it as a
deadlock victim (psi_chassis.db.run_transaction), committed only when the work returned."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_transaction

T = TypeVar("T")


def in_transaction(db: Database, work: Callable[[Session], T]) -> T:
    """Run ``work(session)`` in a unit of work and commit; a retry starts again from a fresh session, so
    ``work`` must not keep anything from a failed attempt. Metrics are counted by the caller, after this."""

    def attempt() -> T:
        with db.unit_of_work() as session:
            result = work(session)
            session.commit()
        return result

    return run_transaction(attempt)
