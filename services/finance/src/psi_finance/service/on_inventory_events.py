"""Inventory's events that finance posts (queue ``psi.finance.on_inventory_events``): every movement of value.

Each event posts once (the inbox, and behind it the journal's unique source) with the value inventory booked,
through the one way into the journal (service/journal.py ``post_entry``), in the consumer's unit of work: the
entry commits with the inbox claim or not at all. A late event whose month is closed posts into the next open one
and says so (``moved_from_period``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.service import Event
from psi_finance.domain.chart import Role
from psi_finance.domain.journal import JournalEntry
from psi_finance.domain.posting_rules import (
    return_restocked,
    stock_adjusted,
    stock_issued,
    stock_received,
    supplier_return_issued,
)
from psi_finance.service.journal import account_for, post_entry

POSTED_BY = "finance"
Rule = Callable[[str, str, Mapping[str, Any], Mapping[Role, str]], JournalEntry | None]


class RoleAccounts(Mapping[Role, str]):
    """The chart by role for the rules, asked of the database once per role per unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __getitem__(self, role: Role) -> str:
        return account_for(self.session, role)

    def __iter__(self) -> Any:
        return iter(Role)

    def __len__(self) -> int:
        return len(Role)


def _posting(rule: Rule) -> Callable[[Session, Event], None]:
    def handle(session: Session, event: Event) -> None:
        entry = rule(event.type, event.id, event.data, RoleAccounts(session))
        if entry is not None:
            post_entry(session, entry, posted_by=POSTED_BY)

    handle.__name__ = handle.__qualname__ = f"post_{rule.__name__}"
    handle.__doc__ = rule.__doc__
    return handle


on_stock_received = _posting(stock_received)
on_stock_issued = _posting(stock_issued)
on_stock_adjusted = _posting(stock_adjusted)
on_supplier_return_issued = _posting(supplier_return_issued)
on_return_restocked = _posting(return_restocked)
