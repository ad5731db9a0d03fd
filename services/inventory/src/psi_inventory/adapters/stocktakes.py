"""The SQL of stocktakes beyond the shared document rows: the count sheet, the counts, the book at counting,
and what a posted loss leaves reserved.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from psi_chassis.decimals import ZERO
from psi_inventory.adapters.tables import document_lines, items, reservations, stock_balances, stock_moves
from psi_inventory.domain.reservation_book import ACTIVE


def book_quantities(session: Session, warehouse: str, skus: tuple[str, ...] | None) -> list[tuple[str, Any]]:
    """(sku, on hand) to freeze: the SKUs asked for (0 when never stocked here), in the order asked; else every
    balance row of the warehouse whose item is active or which still holds stock, in SKU order."""
    if skus is not None:
        on_hand = dict(
            session.execute(
                select(stock_balances.c.sku, stock_balances.c.on_hand).where(
                    stock_balances.c.warehouse_code == warehouse, stock_balances.c.sku.in_(set(skus))
                )
            ).all()
        )
        return [(sku, on_hand.get(sku, ZERO)) for sku in skus]
    rows = session.execute(
        select(stock_balances.c.sku, stock_balances.c.on_hand)
        .select_from(stock_balances.outerjoin(items, items.c.sku == stock_balances.c.sku))
        .where(
            stock_balances.c.warehouse_code == warehouse,
            or_(items.c.active.is_(True), stock_balances.c.on_hand != ZERO),
        )
        .order_by(stock_balances.c.sku)
    ).all()
    return list(rows)


def store_count(session: Session, document_id: int, line_no: int, counted: Decimal, counted_at: datetime) -> None:
    """A count on its line; counting the line again overwrites the count and its time."""
    session.execute(
        update(document_lines)
        .where(document_lines.c.document_id == document_id, document_lines.c.line_no == line_no)
        .values(quantity=counted, counted_at=counted_at)
    )


def store_books_at_count(session: Session, document_id: int, warehouse: str, line_nos: Iterable[int] | None) -> None:
    """Store, on each counted line (of ``line_nos``, or all), the ledger's on hand at its ``counted_at``."""
    query = (
        select(document_lines.c.line_no, func.coalesce(func.sum(stock_moves.c.quantity), ZERO).label("book"))
        .select_from(
            document_lines.outerjoin(
                stock_moves,
                and_(
                    stock_moves.c.sku == document_lines.c.sku,
                    stock_moves.c.warehouse_code == warehouse,
                    stock_moves.c.occurred_at <= document_lines.c.counted_at,
                ),
            )
        )
        .where(document_lines.c.document_id == document_id, document_lines.c.counted_at.is_not(None))
        .group_by(document_lines.c.line_no)
    )
    if line_nos is not None:
        query = query.where(document_lines.c.line_no.in_(list(line_nos)))
    for row in session.execute(query).all():
        session.execute(
            update(document_lines)
            .where(document_lines.c.document_id == document_id, document_lines.c.line_no == row.line_no)
            .values(counted_book=row.book)
        )


def store_line_value(session: Session, document_id: int, line_no: int, value: Decimal, value_fifo: Decimal) -> None:
    """The value a posted line moved, both ways."""
    session.execute(
        update(document_lines)
        .where(document_lines.c.document_id == document_id, document_lines.c.line_no == line_no)
        .values(value=value, value_fifo=value_fifo)
    )


def balance_of(session: Session, sku: str, warehouse: str) -> Row[Any]:
    """On hand and reserved of one balance row (after the posting wrote it)."""
    return session.execute(
        select(stock_balances.c.on_hand, stock_balances.c.reserved).where(
            stock_balances.c.sku == sku, stock_balances.c.warehouse_code == warehouse
        )
    ).one()


def references_holding(session: Session, sku: str, warehouse: str) -> list[tuple[str, Decimal]]:
    """Each reference with an active reservation of ``sku`` in ``warehouse`` and what it still holds (> 0)."""
    held = session.execute(
        select(reservations.c.reference, func.sum(reservations.c.quantity - reservations.c.consumed).label("open"))
        .where(reservations.c.sku == sku, reservations.c.warehouse_code == warehouse, reservations.c.status == ACTIVE)
        .group_by(reservations.c.reference)
        .order_by(reservations.c.reference)
    ).all()
    return [(h.reference, h.open) for h in held if h.open > ZERO]
