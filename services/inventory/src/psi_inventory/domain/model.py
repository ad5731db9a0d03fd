"""Pure stock rules: a balance row, what an issue may take from it, the reservation shortfall. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from psi_chassis.decimals import ZERO
from psi_inventory.domain.errors import StockRuleViolation
from psi_inventory.domain.low_stock import crossed_below


@dataclass(frozen=True)
class Balance:
    """A balance row as the ledger keeps it: quantities, and the value under each method."""

    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO
    value: Decimal = ZERO
    value_fifo: Decimal = ZERO

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


def takeable(balance: Balance, from_reserved: Decimal = ZERO, may_take_reserved: bool = False) -> Decimal:
    """How much an issue may take from a balance row.

    An issue takes unreserved stock, plus ``from_reserved`` when it is reserved for this very issue (a
    shipment consuming its order's reservation); another order's reservation is never eaten by an adjustment,
    a transfer or a supplier return. A stocktake loss (``may_take_reserved``) takes what the shelf no longer
    holds, reserved or not: the count is the truth, and the reservations it leaves short are announced. Never
    more than is on hand. When a stocktake left less on hand than is reserved, unreserved stock is nil and a
    shipment covered by its reservation may still take what is on the shelf (first shipped, first served).
    """
    if may_take_reserved:
        return balance.on_hand
    return min(balance.on_hand, max(balance.available, ZERO) + from_reserved)


def reservation_shortfall(on_hand: Decimal, reserved: Decimal) -> Decimal:
    """How much of what is reserved the stock on hand no longer covers (0 when it covers it all)."""
    return max(reserved - on_hand, ZERO)


#: Homes of their own (``errors.py``, ``low_stock.py``); still importable from here, where the tests name them.
__all__ = ["Balance", "StockRuleViolation", "crossed_below", "reservation_shortfall", "takeable"]
