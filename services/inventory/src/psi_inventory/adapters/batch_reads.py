"""What a posting batch reads beside the stock book: the warehouses it names, the SKUs the item master knows,
and what an order's shipments (``issue`` moves) took out, whose cost a customer return restores. One statement
each, built once at import.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import bindparam, func, select, tuple_
from sqlalchemy.orm import Session

from psi_inventory.adapters.tables import items, stock_moves, warehouses
from psi_inventory.domain.moves import ISSUE

_WAREHOUSES = select(warehouses.c.code, warehouses.c.active).where(
    warehouses.c.code.in_(bindparam("codes", expanding=True))
)
_KNOWN_SKUS = select(items.c.sku).where(items.c.sku.in_(bindparam("skus", expanding=True)))
_SHIPPED_COSTS = (
    select(
        stock_moves.c.document_ref,
        stock_moves.c.sku,
        func.sum(stock_moves.c.quantity),
        func.sum(stock_moves.c.value),
        func.sum(stock_moves.c.value_fifo),
    )
    .where(
        tuple_(stock_moves.c.document_ref, stock_moves.c.sku).in_(bindparam("pairs", expanding=True)),
        stock_moves.c.kind == ISSUE,
    )
    .group_by(stock_moves.c.document_ref, stock_moves.c.sku)
)


def listed_warehouses(session: Session, codes: Iterable[str]) -> dict[str, bool]:
    """Warehouse code -> active, for those of ``codes`` inventory lists (no statement for none)."""
    wanted = sorted(codes)
    return {r.code: bool(r.active) for r in session.execute(_WAREHOUSES, {"codes": wanted})} if wanted else {}


def known_skus(session: Session, skus: Iterable[str]) -> set[str]:
    """Those of ``skus`` in the item master (no statement for none)."""
    wanted = sorted(skus)
    return set(session.execute(_KNOWN_SKUS, {"skus": wanted}).scalars()) if wanted else set()


def shipped_costs(
    session: Session, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[Decimal, Decimal, Decimal]]:
    """(order number, sku) -> what the order's shipments of the SKU took out: quantity, value, FIFO value."""
    wanted = sorted(pairs)
    if not wanted:
        return {}
    return {
        (ref, sku): (Decimal(quantity), Decimal(value), Decimal(value_fifo))
        for ref, sku, quantity, value, value_fifo in session.execute(_SHIPPED_COSTS, {"pairs": wanted})
    }
