"""The low-stock rule: when the available stock of a SKU in a warehouse crosses below the item's reorder point.

Pure. "Below" means available (on hand minus reserved) < reorder point; an item without a reorder point (or
with 0) is never below. ``inventory.StockBelowReorderPoint.v1`` is announced **once per crossing**: a balance
row remembers it is below (``below_reorder``) and announces again only after it recovered. A recovery is not
announced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import ZERO

LowStock = dict[str, Any]
"""The data of an ``inventory.StockBelowReorderPoint.v1``."""


@dataclass(frozen=True)
class ReorderRule:
    """An active item's low-stock settings (an inactive or unknown item has none)."""

    reorder_point: Decimal | None
    reorder_quantity: Decimal | None
    safety_stock: Decimal


def crossed_below(reorder_point: Decimal | None, was_below: bool, available: Decimal) -> tuple[bool, bool]:
    """Low-stock rule: (now below, should announce). Announce once per crossing, again only after a recovery.

    "Below" means available < reorder point; an item without a reorder point is never below.
    """
    if reorder_point is None or reorder_point <= ZERO:
        return False, False
    below = available < reorder_point
    return below, below and not was_below


def low_stock_alert(sku: str, warehouse: str, available: Decimal, rule: ReorderRule, occurred_at: datetime) -> LowStock:
    """What a crossing announces: where, what is left, and how much the item's settings say to order."""
    return {
        "sku": sku,
        "warehouse_code": warehouse,
        "available": available,
        "reorder_point": rule.reorder_point,
        "reorder_quantity": rule.reorder_quantity or ZERO,
        "safety_stock": rule.safety_stock,
        "occurred_at": occurred_at,
    }
