"""Replenishment (补货): how much a low-stock crossing asks for, and where its draft goes.

``inventory.StockBelowReorderPoint.v1`` raises a draft requisition for the SKU and warehouse (service/
on_inventory_events.py); never a second open draft for one SKU and warehouse (domain/requisition.py,
``replenish_key``). The supplier it proposes is the planning choice of domain/pricing.py.
"""

from __future__ import annotations

from decimal import Decimal

from psi_chassis.decimals import MAX_AMOUNT, ONE, ZERO, plain, q6

#: Department of the drafts replenishment raises (a later setting may name another one).
REPLENISHMENT_DEPARTMENT = "replenishment"


def replenish_quantity(
    reorder_quantity: Decimal | None, reorder_point: Decimal, available: Decimal, safety_stock: Decimal
) -> Decimal:
    """How much to ask for: the item's reorder quantity; without one (0 or absent), enough to bring available
    stock back to the reorder point plus the safety stock, and at least 1."""
    if reorder_quantity is not None and reorder_quantity > ZERO:
        return q6(reorder_quantity)
    return max(q6(reorder_point - available + safety_stock), ONE)


def in_range(quantity: Decimal) -> bool:
    """A quantity the six-decimal columns can hold (an event asking for more is a defect, not a need)."""
    return quantity < MAX_AMOUNT


def low_stock_note(available: Decimal, reorder_point: Decimal, warehouse: str) -> str:
    """The draft's note: why it was raised."""
    return f"low stock: available {plain(available)} below reorder point {plain(reorder_point)} in {warehouse}"
