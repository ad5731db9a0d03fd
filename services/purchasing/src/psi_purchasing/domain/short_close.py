"""What a short-close (结案) gives back to the budget: the value of the goods that will never arrive.

The budget committed ``C`` = the order's base-currency total at approval. After the close each line keeps
``quantity − short_closed_quantity`` (what was accepted, at most the ordered quantity), valued the way the
order total is: line amount = q6(kept × unit price), tax = q6(amount × tax rate), base = q6(Σ (amount + tax)
× exchange rate). What is released is ``C − kept base`` (never below 0), so committed − released is exactly
the kept value and the order's budget can never end a cent apart from what it really bought.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from psi_chassis.decimals import ZERO, q6
from psi_purchasing.domain.model import PurchaseOrder


@dataclass(frozen=True)
class Release:
    """The value released by a short-close, including tax: in the order currency and in the base currency."""

    kept_amount: Decimal
    released_amount: Decimal
    released_base: Decimal


def kept_amount(po: PurchaseOrder) -> Decimal:
    """Σ over lines of q6(kept × price) + q6(q6(kept × price) × tax rate), in the order currency."""
    total = ZERO
    for line in po.lines:
        net = q6((line.quantity - line.short_closed_quantity) * line.unit_price)
        total += net + q6(net * line.tax_rate)
    return total


def release_of(po: PurchaseOrder, committed_base: Decimal) -> Release:
    """The figures of a short-closed order (call after ``po.short_close()``)."""
    kept = kept_amount(po)
    kept_base = q6(kept * po.exchange_rate)
    return Release(
        kept_amount=kept,
        released_amount=max(po.total_amount - kept, ZERO),
        released_base=max(committed_base - kept_base, ZERO),
    )
