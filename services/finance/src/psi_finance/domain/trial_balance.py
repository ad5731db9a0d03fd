"""The trial balance (试算平衡表): per account, the opening balance, the period's debits and credits, the closing
balance; and the proof that the books balance. Pure.

Balances are signed, debit positive (an asset's or an expense's usual balance is positive, a liability's, equity's
or revenue's negative), in the base currency. Because every entry balances, the openings add up to 0, the debits
equal the credits and the closings add up to 0; a trial balance that does not is a fault of the books, shown as
``balanced`` = false rather than hidden.

The window is a posting period (what was posted into it; a closed period's figures never change) or a business
date (what is dated up to it, from the first of its month): the caller sums the lines, this module lays them out.
Example: opening {1002: 1000, 3001: -1000}, the period's movements {1002: (200, 0), 5001: (0, 200)} give 1002
1000 + 200 - 0 = 1200, 3001 -1000, 5001 -200; totals opening 0, debit 200 = credit 200, closing 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from psi_chassis.decimals import ZERO
from psi_finance.domain.chart import Account


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    opening: Decimal
    debit: Decimal
    credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


@dataclass(frozen=True)
class TrialBalance:
    rows: tuple[TrialBalanceRow, ...]

    @property
    def opening(self) -> Decimal:
        return sum((r.opening for r in self.rows), ZERO)

    @property
    def debit(self) -> Decimal:
        return sum((r.debit for r in self.rows), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((r.credit for r in self.rows), ZERO)

    @property
    def closing(self) -> Decimal:
        return sum((r.closing for r in self.rows), ZERO)

    @property
    def balanced(self) -> bool:
        return self.opening == ZERO and self.debit == self.credit and self.closing == ZERO


def trial_balance(
    accounts: Sequence[Account],
    opening: Mapping[str, Decimal],
    movements: Mapping[str, tuple[Decimal, Decimal]],
) -> TrialBalance:
    """One row per account (by code) with an opening balance or a movement; an account with neither is left out.

    ``opening``: signed balance per account code before the window; ``movements``: (debits, credits) in it.
    """
    rows = []
    for account in sorted(accounts, key=lambda a: a.code):
        debit, credit = movements.get(account.code, (ZERO, ZERO))
        start = opening.get(account.code, ZERO)
        if start != ZERO or debit != ZERO or credit != ZERO:
            rows.append(TrialBalanceRow(account, start, debit, credit))
    return TrialBalance(tuple(rows))
