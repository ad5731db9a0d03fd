"""Reads the API asks for beyond a plain query: one SKU's stock with its totals (and its 404).

The read queries themselves live in ``adapters/queries.py``; they are re-exported here, where the benchmarks
(``bench/balance_lookup.py``) and the tests import them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from psi_chassis.db import Database
from psi_inventory.adapters.queries import (
    balances_of_sku,
    below_reorder_point,
    list_balances,
    list_reservations,
    reservation_lines,
    stock_as_of,
    stock_card,
    stock_value,
)
from psi_inventory.domain.errors import SkuNotFound

__all__ = [
    "balances_of_sku",
    "below_reorder_point",
    "list_balances",
    "list_reservations",
    "reservation_lines",
    "stock_as_of",
    "stock_card",
    "stock_of_sku",
    "stock_value",
]

_TOTALS = ("on_hand", "reserved", "available", "value", "value_fifo")


def stock_of_sku(db: Database, sku: str) -> dict[str, Any]:
    """One SKU's balance in each warehouse and the totals over them; ``404 SKU_NOT_FOUND`` when no stock has
    ever been recorded for it (no balance row anywhere)."""
    with db.unit_of_work() as session:
        rows = balances_of_sku(session, sku)
    if not rows:
        raise SkuNotFound(f"no stock has ever been recorded for SKU {sku}")
    return {
        "sku": sku,
        **{name: sum((r[name] for r in rows), Decimal(0)) for name in _TOTALS},
        "warehouses": rows,
    }
