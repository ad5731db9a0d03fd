"""A supplier return (purchasing.GoodsReturnRequested.v1): which lines can go, and what the goods cost. Pure.

**All or nothing.** A return is issued only when every line can be: the warehouse is listed, every SKU is
known there, and each SKU's unreserved stock covers its lines (:func:`short_lines`). Otherwise nothing moves
and inventory answers ``inventory.SupplierReturnRejected.v1`` with the reason and the lines it could not issue.

**At the cost the goods came in at** (:func:`supplier_return_cost`), the cost the debit note will credit:

* FIFO takes the layers received on the return's purchase order line first, oldest first, then (only for what
  those layers no longer hold) the oldest other layers, each at its own cost;
* moving average removes ``quantity × receipt cost`` (the return line's ``unit_cost_base``) and the average of
  what stays is recomputed from it; a return that empties the stock takes all the remaining value (no rounding
  crumb), and a return never takes more value than the stock holds.

**Shortfall.** When the PO line's layers have already been issued (sold, transferred), the goods handed back
are physically the supplier's, but the FIFO books hold them in other layers: those layers are taken, at their
own cost, so the FIFO value of the return then differs from ``quantity × receipt cost``. The moving-average
value is ``quantity × receipt cost`` all the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from psi_chassis.decimals import ZERO, q6
from psi_inventory.domain.errors import StockRuleViolation
from psi_inventory.domain.valuation import IssueCost, Layer, fifo_issue


@dataclass(frozen=True)
class ReturnLine:
    """One line of a return request: a purchase order line, its SKU, the quantity and the receipt cost."""

    line_no: int
    sku: str
    quantity: Decimal
    unit_cost: Decimal = ZERO


@dataclass(frozen=True)
class RefusedLine:
    """A line that cannot be carried out, and what there was instead."""

    line_no: int
    sku: str
    requested_quantity: Decimal
    available_quantity: Decimal


def short_lines(lines: Sequence[ReturnLine], available: Mapping[str, Decimal]) -> list[RefusedLine]:
    """The lines the unreserved stock cannot cover.

    Each SKU's available quantity is handed out to its lines in line order; a line gets what is left after
    the lines before it that fit, and is short when that is less than its quantity (``available_quantity`` says
    what it had). A SKU missing from ``available`` has nothing.
    """
    left = dict(available)
    refused = []
    for line in sorted(lines, key=lambda ln: ln.line_no):
        have = left.get(line.sku, ZERO)
        if line.quantity > have:
            refused.append(RefusedLine(line.line_no, line.sku, line.quantity, have))
        else:
            left[line.sku] = have - line.quantity
    return refused


def unknown_skus(lines: Sequence[ReturnLine], known: set[str]) -> list[RefusedLine]:
    """Lines whose SKU the warehouse has never known (not in the item master, never stocked there)."""
    return [
        RefusedLine(ln.line_no, ln.sku, ln.quantity, ZERO)
        for ln in sorted(lines, key=lambda ln: ln.line_no)
        if ln.sku not in known
    ]


def return_layer_order(layers: Sequence[Layer], po_number: str, po_line: int) -> list[Layer]:
    """The open layers in the order a return takes them: the PO line's own, then the rest, each oldest first."""
    own = [layer for layer in layers if (layer.po_number, layer.po_line) == (po_number, po_line)]
    others = [layer for layer in layers if (layer.po_number, layer.po_line) != (po_number, po_line)]
    return own + others


def supplier_return_cost(
    on_hand: Decimal,
    value: Decimal,
    layers: Sequence[Layer],
    quantity: Decimal,
    receipt_cost: Decimal,
    po_number: str,
    po_line: int,
) -> IssueCost:
    """What a supplier return of ``quantity`` takes out of the books, both ways (see the module docstring)."""
    if quantity <= ZERO:
        raise StockRuleViolation(f"return quantity must be positive, got {quantity}")
    if quantity > on_hand:
        raise StockRuleViolation(f"cannot return {quantity}: only {on_hand} on hand")
    moving_average = value if quantity == on_hand else min(q6(quantity * receipt_cost), value)
    fifo, consumed = fifo_issue(return_layer_order(layers, po_number, po_line), quantity)
    return IssueCost(moving_average=moving_average, fifo=fifo, consumed=consumed)


def from_own_layers(layers: Sequence[Layer], quantity: Decimal, po_number: str, po_line: int) -> Decimal:
    """How much of ``quantity`` the PO line's own layers still hold (the rest is the shortfall)."""
    own = sum((ly.remaining for ly in layers if (ly.po_number, ly.po_line) == (po_number, po_line)), ZERO)
    return min(own, quantity)
