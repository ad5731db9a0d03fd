"""Sales order commands: a draft priced line by line (the price record kept on each line)."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.db import Database, run_command
from psi_chassis.decimals import q6
from psi_chassis.replica import ensure_active_warehouse
from psi_chassis.types import utcnow
from psi_sales.adapters import customers as customer_store
from psi_sales.adapters import orders as store
from psi_sales.adapters import replica
from psi_sales.domain.commands import DraftOrder
from psi_sales.domain.customer import CustomerStatus
from psi_sales.domain.errors import CustomerBlocked, SalesOrderNotFound, UnknownCustomer
from psi_sales.domain.order import OrderLine, OrderStatus, SalesOrder
from psi_sales.domain.pricing import LinePrice, LineToPrice
from psi_sales.service.pricing import price_lines_for


def create_draft_order(db: Database, cmd: DraftOrder, actor: Actor, manual_cap: Decimal) -> dict[str, Any]:
    """A draft order for an existing, not blocked customer and an active warehouse, every line priced on the order
    date by domain/pricing.py; the whole request is refused when any line cannot be sold or priced."""

    def work(session: Session) -> dict[str, Any]:
        customer = customer_store.customer(session, cmd.customer_id)
        if customer is None:
            raise UnknownCustomer(
                f"customer {cmd.customer_id} does not exist", errors={"customer_id": ["unknown customer"]}
            )
        if customer["status"] == CustomerStatus.BLOCKED:
            raise CustomerBlocked(f"customer {customer['code']} is blocked: no new orders")
        ensure_active_warehouse(replica.warehouse_status(session, [cmd.warehouse_code]), cmd.warehouse_code)
        on = cmd.order_date or utcnow().date()
        wanted = [LineToPrice(ln.sku, None, ln.quantity, ln.manual_discount_percent) for ln in cmd.lines]
        priced = price_lines_for(session, cmd.customer_id, wanted, on, actor, manual_cap)
        order = SalesOrder(OrderStatus.DRAFT, customer["currency"], _order_lines(cmd, priced))
        now = utcnow()
        header = {
            "customer_id": cmd.customer_id,
            "warehouse_code": cmd.warehouse_code,
            "currency": order.currency,
            "status": str(order.status),
            "revision": order.revision,
            "order_date": on,
            "salesperson": cmd.salesperson or customer["salesperson"],
            "note": cmd.note,
            "net_amount": order.net_amount,
            "tax_amount": order.tax_amount,
            "total_amount": order.total_amount,
            "created_by": actor.username,
            "created_at": now,
            "updated_at": now,
        }
        lines = [_line_row(line, price) for line, price in zip(order.lines, priced, strict=True)]
        return _order(session, store.add_order(session, header, lines))

    return run_command(db, work)


def _order_lines(cmd: DraftOrder, priced: list[LinePrice]) -> list[OrderLine]:
    return [
        OrderLine(
            line_no=i,
            sku=line.sku,
            quantity=line.quantity,
            list_price=price.list_price,
            unit_price=price.net_unit_price,
            tax_rate=line.tax_rate,
            discount_percent=line.manual_discount_percent,
            requested_date=line.requested_date,
        )
        for i, (line, price) in enumerate(zip(cmd.lines, priced, strict=True), start=1)
    ]


def _line_row(line: OrderLine, price: LinePrice) -> dict[str, Any]:
    return {
        "line_no": line.line_no,
        "sku": line.sku,
        "quantity": line.quantity,
        "list_price": price.list_price,
        "price_list_id": price.price_list_id,
        "discounts": [{**asdict(d), "percent": str(q6(d.percent))} for d in price.discounts],  # JSON: strings
        "manual_discount_percent": line.discount_percent,
        "unit_price": line.unit_price,
        "tax_rate": line.tax_rate,
        "requested_date": line.requested_date,
        "shipped_quantity": line.shipped,
        "returned_quantity": line.returned,
        "explanation": price.explanation(),
    }


def _order(session: Session, order_id: int) -> dict[str, Any]:
    found = store.order(session, order_id)
    if found is None:
        raise SalesOrderNotFound(f"sales order {order_id} does not exist")
    return found


def get_order(db: Database, order_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return _order(session, order_id)
