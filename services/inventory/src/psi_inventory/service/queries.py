"""Read side of the inventory API: balances as stored (the projection), never recomputed per request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from psi_inventory.adapters.tables import stock_balances


def _row(row: Any) -> dict[str, Any]:
    return {
        "sku": row.sku,
        "warehouse_code": row.warehouse_code,
        "on_hand": row.on_hand,
        "reserved": row.reserved,
        "available": row.on_hand - row.reserved,
        "value": row.value,
        "updated_at": row.updated_at,
    }

def list_balances(
    session: Session, *, sku: str | None, warehouse_code: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query = select(stock_balances)
    if sku:
        query = query.where(stock_balances.c.sku == sku)
    if warehouse_code:
        query = query.where(stock_balances.c.warehouse_code == warehouse_code)

    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(stock_balances.c.sku, stock_balances.c.warehouse_code)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return [_row(r) for r in rows], int(total)

def balances_of_sku(session: Session, sku: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(stock_balances).where(stock_balances.c.sku == sku).order_by(stock_balances.c.warehouse_code)
    ).all()
    return [_row(r) for r in rows]
