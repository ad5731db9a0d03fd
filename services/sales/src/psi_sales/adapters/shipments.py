"""Every statement about shipments (SHP-000001) and customer returns (RMA-000001): writes, views and lists."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from psi_chassis.db import insert_numbered
from psi_chassis.paging import fetch_page
from psi_sales.adapters.tables import sales_orders, sales_return_lines, sales_returns, shipment_lines, shipments


def add_shipment(session: Session, values: dict[str, Any], lines: list[dict[str, Any]]) -> tuple[int, str]:
    shipment_id, number = insert_numbered(session, shipments, values, lambda i: f"SHP-{i:06d}")
    session.execute(insert(shipment_lines), [{**ln, "shipment_id": shipment_id} for ln in lines])
    return shipment_id, number


def refuse_shipment(session: Session, shipment_id: int, refusal: dict[str, Any]) -> tuple[int, list[Any]] | None:
    """Mark a shipment refused by inventory (once); its order and lines, or None when unknown or refused already."""
    row = session.execute(
        update(shipments)
        .where(shipments.c.id == shipment_id, shipments.c.status == "shipped")
        .values(status="refused", refusal=refusal)
        .returning(shipments.c.order_id)
    ).first()
    if row is None:
        return None
    lines = session.execute(
        select(shipment_lines.c.line_no, shipment_lines.c.quantity).where(shipment_lines.c.shipment_id == shipment_id)
    ).all()
    return int(row.order_id), list(lines)


_SHIPMENT = ("id", "number", "order_id", "warehouse_code", "status", "carrier", "tracking_number", "shipped_at")


def _with_order(table: Table) -> Any:
    return select(table, sales_orders.c.number.label("order_number"), sales_orders.c.customer_id).select_from(
        table.join(sales_orders, sales_orders.c.id == table.c.order_id)
    )


def _shipment_view(row: Any) -> dict[str, Any]:
    view = {name: getattr(row, name) for name in _SHIPMENT}
    return {**view, "order_number": row.order_number, "customer_id": row.customer_id, "refusal": row.refusal}


def shipment(session: Session, shipment_id: int) -> dict[str, Any] | None:
    row = session.execute(_with_order(shipments).where(shipments.c.id == shipment_id)).first()
    if row is None:
        return None
    lines = session.execute(
        select(shipment_lines.c.line_no, shipment_lines.c.sku, shipment_lines.c.quantity)
        .where(shipment_lines.c.shipment_id == shipment_id)
        .order_by(shipment_lines.c.line_no)
    ).all()
    return {**_shipment_view(row), "lines": [dict(ln._mapping) for ln in lines]}


def _dated(query: Any, table: Table, column: str, filters: dict[str, Any]) -> Any:
    for name in ("order_id", "warehouse_code", "status"):
        if filters.get(name) is not None and name in table.c:
            query = query.where(table.c[name] == filters[name])
    if filters.get("customer_id") is not None:
        query = query.where(sales_orders.c.customer_id == filters["customer_id"])
    date_from: date | None = filters.get("date_from")
    date_to: date | None = filters.get("date_to")
    if date_from is not None:
        query = query.where(table.c[column] >= _midnight(date_from))
    if date_to is not None:
        query = query.where(table.c[column] < _midnight(date_to + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def list_shipments(
    session: Session, filters: dict[str, Any], page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Shipments, newest first; by order, customer, warehouse, status and shipping date (inclusive, UTC)."""
    query = _dated(_with_order(shipments), shipments, "shipped_at", filters)
    rows, total = fetch_page(session, query, shipments.c.id.desc(), page, page_size)
    return [_shipment_view(r) for r in rows], total


def add_return(session: Session, values: dict[str, Any], lines: list[dict[str, Any]]) -> tuple[int, str]:
    return_id, number = insert_numbered(session, sales_returns, values, lambda i: f"RMA-{i:06d}")
    session.execute(insert(sales_return_lines), [{**ln, "return_id": return_id} for ln in lines])
    return return_id, number


_RETURN = ("id", "number", "order_id", "warehouse_code", "reason", "received_at", "net_amount", "tax_amount")
_RETURN_LINE = ("line_no", "order_line_no", "sku", "quantity", "condition", "unit_price", "tax_rate")


def _return_view(row: Any) -> dict[str, Any]:
    view = {name: getattr(row, name) for name in _RETURN}
    return {**view, "order_number": row.order_number, "customer_id": row.customer_id}


def sales_return(session: Session, return_id: int) -> dict[str, Any] | None:
    row = session.execute(_with_order(sales_returns).where(sales_returns.c.id == return_id)).first()
    if row is None:
        return None
    lines = session.execute(
        select(sales_return_lines)
        .where(sales_return_lines.c.return_id == return_id)
        .order_by(sales_return_lines.c.line_no)
    ).all()
    return {**_return_view(row), "lines": [{name: getattr(ln, name) for name in _RETURN_LINE} for ln in lines]}


def list_returns(
    session: Session, filters: dict[str, Any], page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Customer returns, newest first; by order, customer, warehouse and date received (inclusive, UTC)."""
    query = _dated(_with_order(sales_returns), sales_returns, "received_at", filters)
    rows, total = fetch_page(session, query, sales_returns.c.id.desc(), page, page_size)
    return [_return_view(r) for r in rows], total
