"""Every statement about sales orders: the draft written whole, the view the API answers with, the list."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from psi_chassis.db import insert_numbered
from psi_chassis.paging import fetch_page
from psi_sales.adapters.tables import customers, sales_order_lines, sales_orders
from psi_sales.domain.order import order_number


def add_order(session: Session, header: dict[str, Any], lines: list[dict[str, Any]]) -> int:
    """Insert the order and its lines; its number is written from its id in the same transaction."""
    order_id, _ = insert_numbered(session, sales_orders, header, order_number)
    session.execute(insert(sales_order_lines), [{**line, "order_id": order_id} for line in lines])
    return order_id


_HEADER = (
    "id",
    "number",
    "customer_id",
    "warehouse_code",
    "currency",
    "status",
    "revision",
    "order_date",
    "salesperson",
    "note",
    "net_amount",
    "tax_amount",
    "total_amount",
    "created_by",
    "created_at",
    "updated_at",
    "confirmed_at",
    "reservation_requested_at",
    "reservation_answered_at",
    "short_lines",
    "quotation_id",
    "cancel_reason",
)
_LINE = (
    "line_no",
    "sku",
    "quantity",
    "list_price",
    "price_list_id",
    "discounts",
    "manual_discount_percent",
    "unit_price",
    "tax_rate",
    "requested_date",
    "shipped_quantity",
    "returned_quantity",
    "explanation",
)


def _header_view(row: Any) -> dict[str, Any]:
    return {**{name: getattr(row, name) for name in _HEADER}, "customer_code": row.customer_code}


def _with_customer(query: Select[Any]) -> Select[Any]:
    return query.add_columns(customers.c.code.label("customer_code")).join(
        customers, customers.c.id == sales_orders.c.customer_id
    )


def order(session: Session, order_id: int) -> dict[str, Any] | None:
    row = session.execute(_with_customer(select(sales_orders)).where(sales_orders.c.id == order_id)).first()
    if row is None:
        return None
    lines = session.execute(
        select(sales_order_lines).where(sales_order_lines.c.order_id == order_id).order_by(sales_order_lines.c.line_no)
    ).all()
    return {**_header_view(row), "lines": [{name: getattr(ln, name) for name in _LINE} for ln in lines]}


def list_orders(
    session: Session,
    filters: dict[str, Any],
    date_from: date | None,
    date_to: date | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Orders, newest first; by status, customer, salesperson and order date (inclusive)."""
    query = _with_customer(select(sales_orders))
    for name in ("status", "customer_id", "salesperson", "warehouse_code"):
        if filters.get(name) is not None:
            query = query.where(sales_orders.c[name] == filters[name])
    if date_from is not None:
        query = query.where(sales_orders.c.order_date >= date_from)
    if date_to is not None:
        query = query.where(sales_orders.c.order_date <= date_to)
    rows, total = fetch_page(session, query, sales_orders.c.id.desc(), page, page_size)
    return [_header_view(r) for r in rows], total
