"""Read side of the inventory API: balances as stored (the projection), never recomputed per request."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from psi_inventory.adapters.tables import items, reservations, stock_balances, stock_moves


def _row(row: Any) -> dict[str, Any]:
    return {
        "sku": row.sku,
        "warehouse_code": row.warehouse_code,
        "on_hand": row.on_hand,
        "reserved": row.reserved,
        "available": row.on_hand - row.reserved,
        "value": row.value,
        "value_fifo": row.value_fifo,
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


def stock_as_of(
    session: Session, at: datetime, *, sku: str | None, warehouse_code: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """On hand and value per SKU and warehouse at business time ``at``, summed from the ledger.

    Answers from ``occurred_at`` (when it happened), not ``recorded_at`` (when it was typed in), so a receipt
    entered late counts from the day the goods arrived.
    """
    query = (
        select(stock_moves.c.sku, stock_moves.c.warehouse_code, func.sum(stock_moves.c.quantity).label("on_hand"),
               func.sum(stock_moves.c.value).label("value"), func.sum(stock_moves.c.value_fifo).label("value_fifo"))
        .where(stock_moves.c.occurred_at <= at)
        .group_by(stock_moves.c.sku, stock_moves.c.warehouse_code)
    )
    if sku:
        query = query.where(stock_moves.c.sku == sku)
    if warehouse_code:
        query = query.where(stock_moves.c.warehouse_code == warehouse_code)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(stock_moves.c.sku, stock_moves.c.warehouse_code).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return [
        {"sku": r.sku, "warehouse_code": r.warehouse_code, "on_hand": Decimal(r.on_hand), "value": Decimal(r.value),
         "value_fifo": Decimal(r.value_fifo), "as_of": at}
        for r in rows
    ], int(total)


def below_reorder_point(
    session: Session, *, warehouse_code: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Balances whose available quantity is under the item's reorder point, with what to order."""
    available = stock_balances.c.on_hand - stock_balances.c.reserved
    query = (
        select(stock_balances.c.sku, stock_balances.c.warehouse_code, stock_balances.c.on_hand,
               stock_balances.c.reserved, items.c.name, items.c.reorder_point, items.c.reorder_quantity,
               items.c.safety_stock)
        .join(items, items.c.sku == stock_balances.c.sku)
        .where(items.c.active.is_(True), items.c.reorder_point.is_not(None), available < items.c.reorder_point)
    )
    if warehouse_code:
        query = query.where(stock_balances.c.warehouse_code == warehouse_code)
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = session.execute(
        query.order_by(stock_balances.c.sku, stock_balances.c.warehouse_code)
        .limit(page_size).offset((page - 1) * page_size)
    ).all()
    return [
        {"sku": r.sku, "warehouse_code": r.warehouse_code, "name": r.name, "on_hand": r.on_hand,
         "reserved": r.reserved, "available": r.on_hand - r.reserved, "reorder_point": r.reorder_point,
         "reorder_quantity": r.reorder_quantity or Decimal(0), "safety_stock": r.safety_stock}
        for r in rows
    ], int(total)


def reservation_lines(session: Session, reference: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(reservations).where(reservations.c.reference == reference).order_by(reservations.c.line_no)
    ).all()
    return [{"line_no": r.line_no, "sku": r.sku, "warehouse_code": r.warehouse_code, "quantity": r.quantity,
             "consumed": r.consumed, "status": r.status} for r in rows]
