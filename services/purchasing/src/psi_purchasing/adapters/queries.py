"""Read side of the purchasing API: documents as stored, shaped as the response schemas expect."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from psi_chassis.paging import fetch_page
from psi_purchasing.adapters.tables import (
    goods_receipt_lines,
    goods_receipts,
    purchase_order_lines,
    purchase_orders,
    purchase_return_lines,
    purchase_returns,
    supplier_prices,
    suppliers,
)
from psi_purchasing.domain.model import owed_quantity

# --- suppliers ----------------------------------------------------------------------------------------------


def supplier(session: Session, supplier_id: int) -> dict[str, Any] | None:
    row = session.execute(select(suppliers).where(suppliers.c.id == supplier_id)).first()
    return dict(row._mapping) if row is not None else None


def list_suppliers(
    session: Session, *, status: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query = select(suppliers)
    if status:
        query = query.where(suppliers.c.status == status)
    rows, total = fetch_page(session, query, suppliers.c.id, page, page_size)
    return [dict(r._mapping) for r in rows], total


# --- purchase orders ----------------------------------------------------------------------------------------

_PO_COLUMNS = (*purchase_orders.c, suppliers.c.code.label("supplier_code"))


def _po_query() -> Select[Any]:
    return select(*_PO_COLUMNS).join(suppliers, suppliers.c.id == purchase_orders.c.supplier_id)


def purchase_order(session: Session, po_id: int) -> dict[str, Any] | None:
    row = session.execute(_po_query().where(purchase_orders.c.id == po_id)).first()
    if row is None:
        return None
    view = dict(row._mapping)
    lines = session.execute(
        select(purchase_order_lines)
        .where(purchase_order_lines.c.po_id == po_id)
        .order_by(purchase_order_lines.c.line_no)
    ).all()
    view["lines"] = [_order_line(ln) for ln in lines]
    return view


def _order_line(row: Any) -> dict[str, Any]:
    """A stored order line, with what the supplier still owes on it (the rule of PurchaseOrderLine.owed)."""
    line = dict(row._mapping)
    line["owed_quantity"] = owed_quantity(row.quantity, row.accepted_quantity, row.short_closed_quantity)
    return line


def list_purchase_orders(
    session: Session, *, status: str | None, supplier_id: int | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Newest first; headers only (GET one order for its lines)."""
    query = _po_query()
    if status:
        query = query.where(purchase_orders.c.status == status)
    if supplier_id is not None:
        query = query.where(purchase_orders.c.supplier_id == supplier_id)
    rows, total = fetch_page(session, query, purchase_orders.c.id.desc(), page, page_size)
    return [dict(r._mapping) for r in rows], total


def purchase_order_exists(session: Session, po_id: int) -> bool:
    return session.execute(select(purchase_orders.c.id).where(purchase_orders.c.id == po_id)).first() is not None


# --- goods receipts -----------------------------------------------------------------------------------------


def _receipt_query() -> Select[Any]:
    return select(
        goods_receipts,
        purchase_orders.c.number.label("po_number"),
        purchase_orders.c.supplier_id,
        purchase_orders.c.warehouse_code,
        purchase_orders.c.currency,
        purchase_orders.c.exchange_rate,
    ).join(purchase_orders, purchase_orders.c.id == goods_receipts.c.po_id)


def _with_lines(session: Session, receipts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not receipts:
        return receipts
    by_id = {r["id"]: r for r in receipts}
    for r in receipts:
        r["lines"] = []
    rows = session.execute(
        select(goods_receipt_lines)
        .where(goods_receipt_lines.c.receipt_id.in_(list(by_id)))
        .order_by(goods_receipt_lines.c.receipt_id, goods_receipt_lines.c.line_no)
    ).all()
    for row in rows:
        by_id[row.receipt_id]["lines"].append(dict(row._mapping))
    return receipts


def receipt(session: Session, receipt_id: int) -> dict[str, Any] | None:
    row = session.execute(_receipt_query().where(goods_receipts.c.id == receipt_id)).first()
    if row is None:
        return None
    return _with_lines(session, [dict(row._mapping)])[0]


def list_receipts_of_order(
    session: Session, po_id: int, *, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """A purchase order's receipts, oldest first, each with its lines."""
    query = _receipt_query().where(goods_receipts.c.po_id == po_id)
    rows, total = fetch_page(session, query, goods_receipts.c.id, page, page_size)
    return _with_lines(session, [dict(r._mapping) for r in rows]), total


# --- purchase returns ---------------------------------------------------------------------------------------


def _return_query() -> Select[Any]:
    return select(
        purchase_returns,
        purchase_orders.c.number.label("po_number"),
        purchase_orders.c.supplier_id,
        purchase_orders.c.warehouse_code,
    ).join(purchase_orders, purchase_orders.c.id == purchase_returns.c.po_id)


def _with_return_lines(session: Session, returns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {r["id"]: r for r in returns}
    for r in returns:
        r["lines"] = []
    if by_id:
        rows = session.execute(
            select(purchase_return_lines)
            .where(purchase_return_lines.c.return_id.in_(list(by_id)))
            .order_by(purchase_return_lines.c.return_id, purchase_return_lines.c.line_no)
        ).all()
        for row in rows:
            by_id[row.return_id]["lines"].append(dict(row._mapping))
    return returns


def purchase_return(session: Session, return_id: int) -> dict[str, Any] | None:
    row = session.execute(_return_query().where(purchase_returns.c.id == return_id)).first()
    if row is None:
        return None
    return _with_return_lines(session, [dict(row._mapping)])[0]


def list_returns(
    session: Session,
    *,
    status: str | None,
    po_id: int | None,
    supplier_id: int | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Newest first, each with its lines."""
    query = _return_query()
    if status:
        query = query.where(purchase_returns.c.status == status)
    if po_id is not None:
        query = query.where(purchase_returns.c.po_id == po_id)
    if supplier_id is not None:
        query = query.where(purchase_orders.c.supplier_id == supplier_id)
    rows, total = fetch_page(session, query, purchase_returns.c.id.desc(), page, page_size)
    return _with_return_lines(session, [dict(r._mapping) for r in rows]), total


# --- supplier prices ----------------------------------------------------------------------------------------


def list_prices(
    session: Session, supplier_id: int, *, sku: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query = select(supplier_prices).where(supplier_prices.c.supplier_id == supplier_id)
    if sku:
        query = query.where(supplier_prices.c.sku == sku)
    rows, total = fetch_page(
        session,
        query,
        (supplier_prices.c.sku, supplier_prices.c.min_quantity, supplier_prices.c.id),
        page,
        page_size,
    )
    return [dict(r._mapping) for r in rows], total


def supplier_price(session: Session, price_id: int) -> dict[str, Any] | None:
    row = session.execute(select(supplier_prices).where(supplier_prices.c.id == price_id)).first()
    return dict(row._mapping) if row is not None else None
