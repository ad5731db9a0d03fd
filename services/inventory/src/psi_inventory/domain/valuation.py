"""Moving average and FIFO, kept side by side from the same moves. Pure: no database, no framework.

Every move is valued under both methods. Moving average carries one running value per SKU and warehouse; an
issue takes ``quantity × value / on_hand`` (and all the remaining value when it empties the stock, so no
rounding crumb is ever left behind). FIFO keeps cost layers, one per receipt, and an issue consumes the oldest
first. Which of the two the books use is a per-warehouse setting; both are always known, so switching a
warehouse's method, or comparing them, needs no recomputation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import ZERO, q6
from psi_inventory.domain.errors import StockRuleViolation

MOVING_AVERAGE = "moving_average"
FIFO = "fifo"
METHODS = (MOVING_AVERAGE, FIFO)


@dataclass(frozen=True)
class Layer:
    """What is left of one receipt under FIFO. ``id`` is the database id, None for a layer not yet stored.

    A layer booked from a goods receipt remembers the purchase order line it came from (``po_number``,
    ``po_line``), so a supplier return can take its own goods back (``domain/supplier_returns.py``).
    """

    id: int | None
    remaining: Decimal
    unit_cost: Decimal
    po_number: str | None = None
    po_line: int | None = None


@dataclass(frozen=True)
class Consumption:
    """How much of which layer an issue took (``layer``: the layer object itself, for a caller that changes it)."""

    layer_id: int | None
    quantity: Decimal
    unit_cost: Decimal
    layer: Any = field(default=None, compare=False, repr=False)

    @property
    def value(self) -> Decimal:
        return q6(self.quantity * self.unit_cost)


@dataclass(frozen=True)
class IssueCost:
    """An issue valued both ways, and the FIFO layers it consumed."""

    moving_average: Decimal
    fifo: Decimal
    consumed: tuple[Consumption, ...] = field(default_factory=tuple)

    def for_method(self, method: str) -> Decimal:
        return self.fifo if method == FIFO else self.moving_average


def moving_average_issue(on_hand: Decimal, value: Decimal, quantity: Decimal) -> Decimal:
    """Cost of taking ``quantity`` out of ``on_hand`` units worth ``value`` at moving average."""
    if quantity <= ZERO:
        raise StockRuleViolation(f"issue quantity must be positive, got {quantity}")
    if quantity > on_hand:
        raise StockRuleViolation(f"cannot issue {quantity}: only {on_hand} on hand")
    if quantity == on_hand:
        return value
    return q6(value * quantity / on_hand)


def fifo_issue(layers: Iterable[Layer], quantity: Decimal) -> tuple[Decimal, tuple[Consumption, ...]]:
    """Consume ``quantity`` from ``layers`` (oldest first); returns the cost and what each layer gave.

    Reads the layers only as far as it needs them, so an issue from a long list of layers costs what it takes.
    Any object with ``id``, ``remaining`` and ``unit_cost`` will do as a layer."""
    if quantity <= ZERO:
        raise StockRuleViolation(f"issue quantity must be positive, got {quantity}")
    left = quantity
    taken: list[Consumption] = []
    for layer in layers:
        if left == ZERO:
            break
        if layer.remaining <= ZERO:
            continue
        take = min(layer.remaining, left)
        taken.append(Consumption(layer.id, take, layer.unit_cost, layer))
        left -= take
    if left > ZERO:
        raise StockRuleViolation(f"cannot issue {quantity}: FIFO layers hold only {quantity - left}")
    return sum((c.value for c in taken), ZERO), tuple(taken)


def issue_cost(on_hand: Decimal, value: Decimal, layers: Sequence[Layer], quantity: Decimal) -> IssueCost:
    ma = moving_average_issue(on_hand, value, quantity)
    fifo, consumed = fifo_issue(layers, quantity)
    return IssueCost(moving_average=ma, fifo=fifo, consumed=consumed)


def layers_value(layers: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The FIFO value of layers given as (quantity, unit cost): each layer rounded to six decimals (half-even)
    on its own, then summed, exactly as the ledger values each layer it books, so the two figures always agree.

    3 @ 0.3333335 and 2 @ 1.25: 1.000000 (1.0000005 to even) + 2.500000 = 3.500000.
    """
    return sum((q6(quantity * unit_cost) for quantity, unit_cost in layers), ZERO)


def books_value(method: str, value: Decimal, value_fifo: Decimal) -> Decimal:
    """The value the books use: FIFO's for a FIFO warehouse, else the moving average's."""
    return value_fifo if method == FIFO else value


@dataclass(frozen=True)
class ReturnedCost:
    """What a customer return is booked back at, per method: the cost per unit that left under that method."""

    moving_average: Decimal
    fifo: Decimal

    def for_method(self, method: str) -> Decimal:
        return self.fifo if method == FIFO else self.moving_average


def cost_that_left(quantity: Decimal, value: Decimal, value_fifo: Decimal) -> ReturnedCost:
    """Per unit, what ``quantity`` units cost when they were issued: ``value / quantity`` under each method.

    A customer return restores, under each method, the cost that left under that method: shipped 4 whose
    moving-average cost was 112.00 and whose FIFO cost was 110.00 come back at 28.00 and 27.50 a unit.
    """
    if quantity <= ZERO:
        raise StockRuleViolation(f"quantity must be positive, got {quantity}")
    return ReturnedCost(q6(value / quantity), q6(value_fifo / quantity))
