"""An account's ledger (明细账): its lines in business-date order with the balance after each. Pure.

The balance is signed, debit positive, like the trial balance's, and starts from the account's balance before the
first line shown. Example: opening 100, lines (debit 50), (credit 30), (credit 120) give 150, 120, 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal


def running_balances(opening: Decimal, sides: Iterable[tuple[Decimal, Decimal]]) -> list[Decimal]:
    """The balance after each (debit, credit) in turn, starting from ``opening``."""
    balance = opening
    out = []
    for debit, credit in sides:
        balance += debit - credit
        out.append(balance)
    return out
