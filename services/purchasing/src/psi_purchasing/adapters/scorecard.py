"""The SQL of the supplier scorecard: which suppliers had receipts in a period, and the facts of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from psi_chassis.paging import count_rows, page_window
from psi_purchasing.adapters.tables import goods_receipt_lines, goods_receipts, purchase_order_lines, purchase_orders
from psi_purchasing.adapters.tables import suppliers as suppliers_table

_po = purchase_orders.c


def bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """The UTC instants of a period of dates: from the first day's midnight to the midnight after the last."""
    return datetime.combine(date_from, time(), UTC), datetime.combine(date_to + timedelta(days=1), time(), UTC)


def suppliers_with_receipts(
    session: Session, date_from: date, date_to: date, page: int, page_size: int
) -> tuple[list[int], int]:
    """One page of the suppliers with receipts dated in the period, by supplier code, and their number."""
    start, end = bounds(date_from, date_to)
    query = (
        select(_po.supplier_id, suppliers_table.c.code)
        .join(goods_receipts, goods_receipts.c.po_id == _po.id)
        .join(suppliers_table, suppliers_table.c.id == _po.supplier_id)
        .where(goods_receipts.c.received_at >= start, goods_receipts.c.received_at < end)
        .distinct()
    )
    total = count_rows(session, query)
    rows = session.execute(page_window(query.order_by(suppliers_table.c.code), page, page_size)).all()
    return [r.supplier_id for r in rows], int(total)


def supplier_heads(session: Session, supplier_ids: Sequence[int]) -> dict[int, Any]:
    """``{id: (id, code, name)}`` of the suppliers."""
    rows = session.execute(
        select(suppliers_table.c.id, suppliers_table.c.code, suppliers_table.c.name).where(
            suppliers_table.c.id.in_(supplier_ids)
        )
    ).all()
    return {r.id: r for r in rows}


def receipt_rows(session: Session, supplier_ids: Sequence[int], start: datetime, end: datetime) -> list[Any]:
    """Each receipt in [start, end) of these suppliers: when it arrived and when its order expected it."""
    return list(
        session.execute(
            select(goods_receipts.c.id, goods_receipts.c.received_at, _po.supplier_id, _po.expected_date)
            .join(purchase_orders, _po.id == goods_receipts.c.po_id)
            .where(
                _po.supplier_id.in_(supplier_ids),
                goods_receipts.c.received_at >= start,
                goods_receipts.c.received_at < end,
            )
        ).all()
    )


def receipt_line_rows(session: Session, supplier_ids: Sequence[int], start: datetime, end: datetime) -> list[Any]:
    """Each line of those receipts: quantities and cost, with the order's currency, date and ordered quantity
    (what its list price is looked up for)."""
    return list(
        session.execute(
            select(
                _po.supplier_id,
                _po.currency,
                _po.created_at,
                goods_receipt_lines.c.sku,
                goods_receipt_lines.c.received_quantity,
                goods_receipt_lines.c.accepted_quantity,
                goods_receipt_lines.c.unit_cost,
                purchase_order_lines.c.quantity.label("ordered_quantity"),
            )
            .join(goods_receipts, goods_receipts.c.id == goods_receipt_lines.c.receipt_id)
            .join(purchase_orders, _po.id == goods_receipts.c.po_id)
            .join(
                purchase_order_lines,
                (purchase_order_lines.c.po_id == _po.id)
                & (purchase_order_lines.c.line_no == goods_receipt_lines.c.line_no),
            )
            .where(
                _po.supplier_id.in_(supplier_ids),
                goods_receipts.c.received_at >= start,
                goods_receipts.c.received_at < end,
            )
        ).all()
    )
