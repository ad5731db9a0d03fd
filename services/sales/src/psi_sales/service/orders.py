"""Sales order commands: a draft priced line by line (the price record kept on each line)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.db import Database, run_command
from psi_chassis.decimals import q6
from psi_chassis.replica import ensure_active_warehouse
from psi_chassis.types import utcnow
from psi_sales import config
from psi_sales.adapters import credit as credit_store
from psi_sales.adapters import customers as customer_store
from psi_sales.adapters import order_state, replica
from psi_sales.adapters import orders as store
from psi_sales.domain.commands import DraftLine, DraftOrder
from psi_sales.domain.customer import CustomerStatus
from psi_sales.domain.errors import CustomerBlocked, SalesOrderNotFound, UnknownCustomer
from psi_sales.domain.order import OrderLine, OrderStatus, SalesOrder, reply_overdue
from psi_sales.domain.pricing import LinePrice, LineToPrice
from psi_sales.service.pricing import price_lines_for


def create_draft_order(db: Database, cmd: DraftOrder, actor: Actor, manual_cap: Decimal) -> dict[str, Any]:
    """A draft order for an existing, not blocked customer and an active warehouse, every line priced on the order
    date by domain/pricing.py; the whole request is refused when any line cannot be sold or priced."""

    def work(session: Session) -> dict[str, Any]:
        customer = orderable_customer(session, cmd.customer_id, cmd.warehouse_code)
        on = cmd.order_date or utcnow().date()
        wanted = [LineToPrice(ln.sku, None, ln.quantity, ln.manual_discount_percent) for ln in cmd.lines]
        priced = price_lines_for(session, cmd.customer_id, wanted, on, actor, manual_cap)
        draft = NewDraft(customer, cmd.warehouse_code, on, cmd.salesperson, cmd.note)
        return order_view(session, write_draft(session, draft, order_lines(cmd.lines, priced), priced, actor))

    return run_command(db, work)


def orderable_customer(session: Session, customer_id: int, warehouse_code: str) -> dict[str, Any]:
    """The customer of a new order (existing, not blocked) after checking its warehouse is listed and active."""
    customer = customer_store.customer(session, customer_id)
    if customer is None:
        raise UnknownCustomer(f"customer {customer_id} does not exist", errors={"customer_id": ["unknown customer"]})
    if customer["status"] == CustomerStatus.BLOCKED:
        raise CustomerBlocked(f"customer {customer['code']} is blocked: no new orders")
    ensure_active_warehouse(replica.warehouse_status(session, [warehouse_code]), warehouse_code)
    return customer


@dataclass(frozen=True)
class NewDraft:
    """The header of a draft order: whose, from where, on which date (the prices' date)."""

    customer: dict[str, Any]
    warehouse_code: str
    order_date: date
    salesperson: str | None = None
    note: str | None = None
    quotation_id: int | None = None


def write_draft(
    session: Session, draft: NewDraft, lines: list[OrderLine], priced: list[LinePrice], actor: Actor
) -> int:
    """Write a draft order whose lines are priced already (each with its price record); returns its id.

    Used by a new order and by a quotation converted into one (its prices kept or repriced).
    """
    order = SalesOrder(OrderStatus.DRAFT, draft.customer["currency"], lines)
    now = utcnow()
    header = {
        "customer_id": draft.customer["id"],
        "warehouse_code": draft.warehouse_code,
        "currency": order.currency,
        "status": str(order.status),
        "revision": order.revision,
        "order_date": draft.order_date,
        "salesperson": draft.salesperson or draft.customer["salesperson"],
        "note": draft.note,
        "net_amount": order.net_amount,
        "tax_amount": order.tax_amount,
        "total_amount": order.total_amount,
        "quotation_id": draft.quotation_id,
        "created_by": actor.username,
        "created_at": now,
        "updated_at": now,
    }
    rows = [line_row(line, price) for line, price in zip(order.lines, priced, strict=True)]
    return store.add_order(session, header, rows)


def order_lines(lines: list[DraftLine], priced: list[LinePrice]) -> list[OrderLine]:
    """The order lines of priced draft lines, numbered from 1 in the order given."""
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
        for i, (line, price) in enumerate(zip(lines, priced, strict=True), start=1)
    ]


def line_row(line: OrderLine, price: LinePrice) -> dict[str, Any]:
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


def order_view(session: Session, order_id: int) -> dict[str, Any]:
    """The order as the API shows it: lines with their price record, the saga's state, the credit decisions."""
    found = store.order(session, order_id)
    if found is None:
        raise SalesOrderNotFound(f"sales order {order_id} does not exist")
    timeout = config.rules().reservation_reply_timeout_seconds
    found["reservation_overdue"] = reply_overdue(found["status"], found["reservation_requested_at"], utcnow(), timeout)
    found["credit_decisions"] = credit_store.decisions(session, order_id)
    return found


def get_order(db: Database, order_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return order_view(session, order_id)


def overdue_replies(session: Session) -> float:
    """How many confirmed orders wait longer than the timeout for inventory's answer (the relay's gauge)."""
    cutoff = utcnow() - timedelta(seconds=config.rules().reservation_reply_timeout_seconds)
    return float(order_state.count_waiting_since_before(session, cutoff))
