"""One command, one transaction: the only place a purchasing command commits.

Every command handler runs its work through :func:`run_command`: it opens the unit of work, lets the work lock,
load, ask the domain and write, and commits; a deadlock victim or a serialization failure is run again
(``psi_chassis.db.run_transaction``, the one retry policy), so such an error never reaches a client unless it
repeats. A problem error raised by the work rolls everything back and reaches the client as it is. (Inventory
has the same function; it belongs in psi_chassis.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_transaction

T = TypeVar("T")


def run_command(db: Database, work: Callable[[Session], T]) -> T:
    """``work(session)`` in one committed transaction, retried whole when the database asks for it; a retry
    starts from a fresh session, so ``work`` keeps nothing from a failed attempt. Metrics are counted by the
    caller, after this returns."""

    def attempt() -> T:
        with db.unit_of_work() as session:
            result = work(session)
            session.commit()
        return result

    return run_transaction(attempt)
