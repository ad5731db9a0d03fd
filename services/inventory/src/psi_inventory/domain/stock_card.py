"""The stock card (库存流水): every move of one SKU in one warehouse with the balance after it. Pure.

Moves are listed in business-time order (``occurred_at``, then booking order), the order a clerk reads a card
in; each carries the running quantity and value under both methods. A page of the card starts from the
opening balance: the sum of every move before its first row. Values are the moves' values as booked (a
backdated move keeps the cost it was booked at; the card is a sum, not a replay).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from psi_chassis.decimals import ZERO


@dataclass(frozen=True)
class CardBalance:
    quantity: Decimal = ZERO
    value: Decimal = ZERO
    value_fifo: Decimal = ZERO

    def after(self, quantity: Decimal, value: Decimal, value_fifo: Decimal) -> CardBalance:
        return CardBalance(self.quantity + quantity, self.value + value, self.value_fifo + value_fifo)


def running_balances(opening: CardBalance, moves: Iterable[tuple[Decimal, Decimal, Decimal]]) -> list[CardBalance]:
    """The balance after each of ``moves`` (signed quantity, value, FIFO value), starting from ``opening``."""
    balances = []
    balance = opening
    for quantity, value, value_fifo in moves:
        balance = balance.after(quantity, value, value_fifo)
        balances.append(balance)
    return balances
