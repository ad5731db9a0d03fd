"""Rebuild balances from the ledger and report every difference (``psi-inventory rebuild-balances``).

The ledger is the truth; balance rows, FIFO layers' remaining quantities and reservations are projections. This
recomputes on hand, value (moving average) and FIFO value from ``stock_moves``, reserved from the active
reservations, and checks that the open FIFO layers add up to what is on hand (``domain/reconciliation.py``).
With ``apply`` the balance rows are corrected (the ledger itself is never touched).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from psi_inventory.adapters.ledger_sums import (
    correct_balance,
    layer_sums,
    ledger_sums,
    lock_for_correction,
    reserved_sums,
    stored_balances,
)
from psi_inventory.domain.reconciliation import FIFO_LAYERS, Difference, differences

__all__ = ["Difference", "find_differences", "rebuild_balances"]


def find_differences(session: Session) -> list[Difference]:
    return differences(ledger_sums(session), reserved_sums(session), layer_sums(session), stored_balances(session))


def rebuild_balances(session: Session, apply: bool) -> list[Difference]:
    """Report (and with ``apply``, correct) balance rows that differ from the ledger. The caller commits.

    Correcting takes a lock that lets readers on but makes postings wait, so no move lands between the sums
    and the corrections (SQLite's writer lock does the same there).
    """
    if apply:
        lock_for_correction(session)
    found = find_differences(session)
    if apply:
        for diff in found:
            if diff.field == FIFO_LAYERS:
                continue  # layers are corrected by hand: which receipt is short is a judgement call
            correct_balance(session, diff.sku, diff.warehouse_code, diff.field, diff.from_ledger)
    return found
