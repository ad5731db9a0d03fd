"""Supplier scorecard over a period of receipt dates: on-time delivery, quality acceptance, price variance.

The arithmetic is in pure functions over plain facts (tested by hand-worked examples); :func:`scorecards`
gathers the facts from the database.

- on-time rate = receipts dated on or before their order's expected date / receipts whose order has one;
- acceptance rate = accepted quantity / received quantity, over every receipt line;
- price variance = Σ qty x (unit cost - list price) / Σ qty x list price, over the receipt lines that had a
  list price (the supplier's price for the SKU in the order currency, valid on the order date, for the
  ordered quantity; the highest quantity break wins, then the latest validity): a fraction, +0.05 = paid 5%
  above list.

A receipt's date is the UTC date of its ``received_at``; rates are rounded half-even to six decimals and are
null when nothing counts towards them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from psi_chassis.decimals import ZERO, q6
from psi_chassis.paging import count_rows, page_window
from psi_purchasing.adapters.tables import (
    goods_receipt_lines,
    goods_receipts,
    purchase_order_lines,
    purchase_orders,
    supplier_prices,
    suppliers,
)


@dataclass(frozen=True)
class ReceiptFact:
    received_on: date
    expected_date: date | None


@dataclass(frozen=True)
class LineFact:
    received_quantity: Decimal
    accepted_quantity: Decimal
    unit_cost: Decimal
    list_price: Decimal | None


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    return q6(numerator / denominator) if denominator else None


def on_time(receipts: Sequence[ReceiptFact]) -> dict[str, Any]:
    counted = [r for r in receipts if r.expected_date is not None]
    punctual = sum(1 for r in counted if r.received_on <= r.expected_date)  # type: ignore[operator]
    return {
        "on_time_rate": _ratio(Decimal(punctual), Decimal(len(counted))),
        "on_time_receipts": punctual,
        "receipts_with_expected_date": len(counted),
    }


def acceptance(lines: Sequence[LineFact]) -> dict[str, Any]:
    received = sum((ln.received_quantity for ln in lines), ZERO)
    accepted = sum((ln.accepted_quantity for ln in lines), ZERO)
    return {
        "acceptance_rate": _ratio(accepted, received),
        "accepted_quantity": accepted,
        "received_quantity": received,
        "rejected_quantity": received - accepted,
    }


def price_variance(lines: Sequence[LineFact]) -> dict[str, Any]:
    priced = [ln for ln in lines if ln.list_price is not None]
    paid = sum((ln.received_quantity * ln.unit_cost for ln in priced), ZERO)
    listed = sum((ln.received_quantity * ln.list_price for ln in priced), ZERO)  # type: ignore[operator]
    return {
        "price_variance": _ratio(paid - listed, listed),
        "priced_lines": len(priced),
        "unpriced_lines": len(lines) - len(priced),
        "paid_amount": q6(paid),
        "list_amount": q6(listed),
    }


def score(receipts: Sequence[ReceiptFact], lines: Sequence[LineFact]) -> dict[str, Any]:
    return {"receipts": len(receipts), **on_time(receipts), **acceptance(lines), **price_variance(lines)}


def list_price(prices: Sequence[Any], on: date, quantity: Decimal, currency: str) -> Decimal | None:
    """The list price valid on ``on`` for ``quantity`` in ``currency`` among one supplier's prices for
    one SKU."""
    fitting = [
        p
        for p in prices
        if p.currency == currency
        and p.valid_from <= on
        and (p.valid_to is None or p.valid_to >= on)
        and p.min_quantity <= quantity
    ]
    if not fitting:
        return None
    best = max(fitting, key=lambda p: (p.min_quantity, p.valid_from, p.id))
    return best.unit_price


# --- gathering the facts ------------------------------------------------------------------------------------


def _bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    return datetime.combine(date_from, time(), UTC), datetime.combine(date_to + timedelta(days=1), time(), UTC)


def suppliers_with_receipts(
    session: Session, date_from: date, date_to: date, page: int, page_size: int
) -> tuple[list[int], int]:
    start, end = _bounds(date_from, date_to)
    query = (
        select(purchase_orders.c.supplier_id, suppliers.c.code)
        .join(goods_receipts, goods_receipts.c.po_id == purchase_orders.c.id)
        .join(suppliers, suppliers.c.id == purchase_orders.c.supplier_id)
        .where(goods_receipts.c.received_at >= start, goods_receipts.c.received_at < end)
        .distinct()
    )
    total = count_rows(session, query)
    rows = session.execute(page_window(query.order_by(suppliers.c.code), page, page_size)).all()
    return [r.supplier_id for r in rows], int(total)


def scorecards(session: Session, supplier_ids: Sequence[int], date_from: date, date_to: date) -> list[dict[str, Any]]:
    """One scorecard per supplier id (in the order given), over receipts dated ``date_from`` to
    ``date_to``."""
    if not supplier_ids:
        return []
    start, end = _bounds(date_from, date_to)
    heads = {
        r.id: r
        for r in session.execute(
            select(suppliers.c.id, suppliers.c.code, suppliers.c.name).where(suppliers.c.id.in_(supplier_ids))
        ).all()
    }
    po = purchase_orders.c
    receipt_rows = session.execute(
        select(goods_receipts.c.id, goods_receipts.c.received_at, po.supplier_id, po.expected_date)
        .join(purchase_orders, po.id == goods_receipts.c.po_id)
        .where(
            po.supplier_id.in_(supplier_ids),
            goods_receipts.c.received_at >= start,
            goods_receipts.c.received_at < end,
        )
    ).all()
    line_rows = session.execute(
        select(
            po.supplier_id,
            po.currency,
            po.created_at,
            goods_receipt_lines.c.sku,
            goods_receipt_lines.c.received_quantity,
            goods_receipt_lines.c.accepted_quantity,
            goods_receipt_lines.c.unit_cost,
            purchase_order_lines.c.quantity.label("ordered_quantity"),
        )
        .join(goods_receipts, goods_receipts.c.id == goods_receipt_lines.c.receipt_id)
        .join(purchase_orders, po.id == goods_receipts.c.po_id)
        .join(
            purchase_order_lines,
            (purchase_order_lines.c.po_id == po.id) & (purchase_order_lines.c.line_no == goods_receipt_lines.c.line_no),
        )
        .where(
            po.supplier_id.in_(supplier_ids),
            goods_receipts.c.received_at >= start,
            goods_receipts.c.received_at < end,
        )
    ).all()
    prices: dict[tuple[int, str], list[Any]] = {}
    skus = {r.sku for r in line_rows}
    if skus:
        for p in session.execute(
            select(supplier_prices).where(
                supplier_prices.c.supplier_id.in_(supplier_ids), supplier_prices.c.sku.in_(skus)
            )
        ).all():
            prices.setdefault((p.supplier_id, p.sku), []).append(p)
    cards = []
    for supplier_id in supplier_ids:
        receipts = [
            ReceiptFact(r.received_at.astimezone(UTC).date(), r.expected_date)
            for r in receipt_rows
            if r.supplier_id == supplier_id
        ]
        lines = [
            LineFact(
                r.received_quantity,
                r.accepted_quantity,
                r.unit_cost,
                list_price(
                    prices.get((supplier_id, r.sku), []),
                    r.created_at.astimezone(UTC).date(),
                    r.ordered_quantity,
                    r.currency,
                ),
            )
            for r in line_rows
            if r.supplier_id == supplier_id
        ]
        head = heads.get(supplier_id)
        cards.append(
            {
                "supplier_id": supplier_id,
                "supplier_code": head.code if head else None,
                "supplier_name": head.name if head else None,
                "from": date_from,
                "to": date_to,
                **score(receipts, lines),
            }
        )
    return cards
