"""Every statement about quotations: written whole, locked to convert or cancel, read, listed."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.orm import Session

from psi_chassis.db import insert_numbered
from psi_chassis.paging import fetch_page
from psi_sales.adapters.tables import customers, quotation_lines, quotations, sales_orders
from psi_sales.domain.quotation import quotation_number, stored_filter


def add_quotation(session: Session, header: dict[str, Any], lines: list[dict[str, Any]]) -> int:
    """Insert the quotation and its lines; its number is written from its id in the same transaction."""
    quotation_id, _ = insert_numbered(session, quotations, header, quotation_number)
    session.execute(insert(quotation_lines), [{**line, "quotation_id": quotation_id} for line in lines])
    return quotation_id


def close_quotation(session: Session, quotation_id: int, values: dict[str, Any]) -> None:
    """Write a conversion or a cancellation (status, order id or reason, who and when) on a locked quotation."""
    session.execute(update(quotations).where(quotations.c.id == quotation_id).values(**values))


_HEADER = (
    "id",
    "number",
    "customer_id",
    "warehouse_code",
    "currency",
    "status",
    "quote_date",
    "valid_until",
    "salesperson",
    "note",
    "net_amount",
    "tax_amount",
    "total_amount",
    "order_id",
    "cancel_reason",
    "closed_by",
    "closed_at",
    "created_by",
    "created_at",
    "updated_at",
)
_LINE = (
    "line_no",
    "sku",
    "quantity",
    "list_price",
    "price_list_id",
    "price_list_name",
    "discounts",
    "manual_discount_percent",
    "unit_price",
    "tax_rate",
    "requested_date",
    "explanation",
)


def _header_view(row: Any) -> dict[str, Any]:
    return {
        **{name: getattr(row, name) for name in _HEADER},
        "customer_code": row.customer_code,
        "order_number": row.order_number,
    }


def _with_names(query: Select[Any]) -> Select[Any]:
    """The customer's code and, once converted, the order's number beside the quotation."""
    return (
        query.add_columns(customers.c.code.label("customer_code"), sales_orders.c.number.label("order_number"))
        .join(customers, customers.c.id == quotations.c.customer_id)
        .outerjoin(sales_orders, sales_orders.c.id == quotations.c.order_id)
    )


def quotation(session: Session, quotation_id: int, lock: bool = False) -> dict[str, Any] | None:
    """One quotation with its lines; ``lock``: its row held until the transaction ends (to convert or cancel)."""
    if lock:
        locked = session.execute(select(quotations.c.id).where(quotations.c.id == quotation_id).with_for_update())
        if locked.first() is None:
            return None
    row = session.execute(_with_names(select(quotations)).where(quotations.c.id == quotation_id)).first()
    if row is None:
        return None
    lines = session.execute(
        select(quotation_lines)
        .where(quotation_lines.c.quotation_id == quotation_id)
        .order_by(quotation_lines.c.line_no)
    ).all()
    return {**_header_view(row), "lines": [{name: getattr(ln, name) for name in _LINE} for ln in lines]}


def list_quotations(
    session: Session, filters: dict[str, Any], today: date, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Quotations, newest first; by shown status (``expired`` from ``today``), customer, salesperson, quote date."""
    query = _with_names(select(quotations))
    if filters.get("status") is not None:
        status, expired = stored_filter(filters["status"])
        query = query.where(quotations.c.status == status.value)
        if expired is not None:
            query = query.where(quotations.c.valid_until < today if expired else quotations.c.valid_until >= today)
    for name in ("customer_id", "salesperson", "warehouse_code"):
        if filters.get(name) is not None:
            query = query.where(quotations.c[name] == filters[name])
    if filters.get("date_from") is not None:
        query = query.where(quotations.c.quote_date >= filters["date_from"])
    if filters.get("date_to") is not None:
        query = query.where(quotations.c.quote_date <= filters["date_to"])
    rows, total = fetch_page(session, query, quotations.c.id.desc(), page, page_size)
    return [_header_view(r) for r in rows], total
