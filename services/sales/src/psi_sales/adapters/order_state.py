"""Loading a sales order (locked) as the domain's :class:`SalesOrder`, and writing back what a command changed.

The order row is locked first, then the customer's when credit is checked (every path in this order), so two
commands on one order wait for each other and see each other's result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from psi_chassis.bulk import update_rows
from psi_sales.adapters.tables import sales_order_lines, sales_orders
from psi_sales.domain.order import OrderLine, OrderStatus, SalesOrder


@dataclass(frozen=True)
class OrderHeader:
    """What a command needs of the order beyond the domain object: whose, where, its number."""

    id: int
    number: str
    customer_id: int
    warehouse_code: str
    order_date: Any
    confirmed_at: datetime | None


def _order_line(row: Any) -> OrderLine:
    return OrderLine(
        line_no=row.line_no,
        sku=row.sku,
        quantity=row.quantity,
        list_price=row.list_price,
        unit_price=row.unit_price,
        tax_rate=row.tax_rate,
        discount_percent=row.manual_discount_percent,
        requested_date=row.requested_date,
        shipped=row.shipped_quantity,
        returned=row.returned_quantity,
    )


def lock_order(session: Session, order_id: int) -> tuple[OrderHeader, SalesOrder] | None:
    """The order and its lines, the order row locked until the end of the transaction."""
    row = session.execute(select(sales_orders).where(sales_orders.c.id == order_id).with_for_update()).first()
    if row is None:
        return None
    lines = session.execute(
        select(sales_order_lines).where(sales_order_lines.c.order_id == order_id).order_by(sales_order_lines.c.line_no)
    ).all()
    header = OrderHeader(row.id, row.number, row.customer_id, row.warehouse_code, row.order_date, row.confirmed_at)
    order = SalesOrder(
        status=OrderStatus(row.status),
        currency=row.currency,
        lines=[_order_line(ln) for ln in lines],
        revision=row.revision,
        reservation_requested_at=row.reservation_requested_at,
        short_lines=list(row.short_lines or []),
    )
    return header, order


def save_order(session: Session, order_id: int, order: SalesOrder, now: datetime, **extra: Any) -> None:
    """Write the order's status, revision, totals and saga state, and each line's shipped and returned figures."""
    session.execute(
        update(sales_orders)
        .where(sales_orders.c.id == order_id)
        .values(
            status=str(order.status),
            revision=order.revision,
            net_amount=order.net_amount,
            tax_amount=order.tax_amount,
            total_amount=order.total_amount,
            reservation_requested_at=order.reservation_requested_at,
            short_lines=order.short_lines or None,
            updated_at=now,
            **extra,
        )
    )
    update_rows(
        session,
        sales_order_lines,
        [
            {
                "order_id": order_id,
                "line_no": ln.line_no,
                "shipped_quantity": ln.shipped,
                "returned_quantity": ln.returned,
            }
            for ln in order.lines
        ],
        key=("order_id", "line_no"),
    )


def replace_lines(session: Session, order_id: int, rows: list[dict[str, Any]]) -> None:
    """An amendment: the order's lines are the new ones (each with its price record)."""
    session.execute(delete(sales_order_lines).where(sales_order_lines.c.order_id == order_id))
    session.execute(insert(sales_order_lines), [{**row, "order_id": order_id} for row in rows])


_BACKORDERED = (
    select(sales_orders.c.id)
    .where(
        and_(
            sales_orders.c.status == str(OrderStatus.BACKORDERED),
            sales_orders.c.warehouse_code == bindparam("warehouse"),
            sales_orders.c.id.in_(
                select(sales_order_lines.c.order_id).where(
                    sales_order_lines.c.sku.in_(bindparam("skus", expanding=True))
                )
            ),
        )
    )
    .order_by(sales_orders.c.confirmed_at, sales_orders.c.id)
)


def backordered_for(session: Session, warehouse: str, skus: list[str]) -> list[int]:
    """Backordered orders from ``warehouse`` with a line of one of ``skus``, first confirmed first."""
    if not skus:
        return []
    return [
        int(i) for i in session.execute(_BACKORDERED, {"warehouse": warehouse, "skus": sorted(set(skus))}).scalars()
    ]


def count_waiting_since_before(session: Session, cutoff: datetime) -> int:
    """Confirmed orders that asked inventory before ``cutoff`` and have no answer yet."""
    return int(
        session.execute(
            select(func.count()).where(
                sales_orders.c.status == str(OrderStatus.CONFIRMED),
                sales_orders.c.reservation_requested_at < cutoff,
            )
        ).scalar_one()
    )
