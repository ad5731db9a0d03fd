"""The SQL of purchase orders and their lines: insert, lock for change (every writer locks the order row first),
save; the API's reads are adapters/queries.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from psi_purchasing.adapters.tables import purchase_order_lines, purchase_orders, suppliers
from psi_purchasing.domain.model import PurchaseOrder, PurchaseOrderLine, po_number


@dataclass(frozen=True)
class OrderHeader:
    """What a handler needs of an order besides its rules: identity, supplier and where it delivers."""

    id: int
    number: str
    supplier_id: int
    supplier_code: str
    warehouse_code: str
    currency: str
    department: str | None = None
    budget_period: str | None = None
    #: The base-currency total committed against the budget (when ``budget_period`` is set).
    committed_base: Decimal = Decimal(0)
    order_date: date | None = None
    #: The user id of whoever created the order (None for orders from before it was kept).
    created_by: str | None = None


def add_purchase_order(
    session: Session,
    po: PurchaseOrder,
    *,
    supplier_id: int,
    warehouse_code: str,
    currency: str,
    expected_date: date | None,
    now: datetime,
    department: str | None = None,
    created_by: str | None = None,
) -> int:
    po_id = int(
        session.execute(
            insert(purchase_orders).values(
                supplier_id=supplier_id,
                warehouse_code=warehouse_code,
                currency=currency,
                exchange_rate=po.exchange_rate,
                table_exchange_rate=po.table_rate,
                expected_date=expected_date,
                status=str(po.status),
                total_amount=po.total_amount,
                total_amount_base=po.total_amount_base,
                department=department,
                revision=po.revision,
                created_by=created_by,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
    )
    session.execute(update(purchase_orders).where(purchase_orders.c.id == po_id).values(number=po_number(po_id)))
    insert_lines(session, po_id, po.lines)
    return po_id


def insert_lines(session: Session, po_id: int, lines: Sequence[PurchaseOrderLine]) -> None:
    session.execute(
        insert(purchase_order_lines),
        [
            {
                "po_id": po_id,
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "amount": line.amount,
                "tax_rate": line.tax_rate,
                "max_receivable": line.max_receivable,
                "requisition_line_id": line.requisition_line_id,
                "received_quantity": line.received_quantity,
                "accepted_quantity": line.accepted_quantity,
                "rejected_quantity": line.rejected_quantity,
            }
            for line in lines
        ],
    )


def replace_lines(session: Session, po_id: int, lines: Sequence[PurchaseOrderLine]) -> None:
    """Swap an order's lines for new ones (only while nothing was received or returned against them)."""
    session.execute(delete(purchase_order_lines).where(purchase_order_lines.c.po_id == po_id))
    insert_lines(session, po_id, lines)


def save_order(session: Session, po_id: int, po: PurchaseOrder, now: datetime, **extra: Any) -> None:
    """Write an order's status, revision, totals and each line's max_receivable."""
    session.execute(
        update(purchase_orders)
        .where(purchase_orders.c.id == po_id)
        .values(
            status=str(po.status),
            revision=po.revision,
            total_amount=po.total_amount,
            total_amount_base=po.total_amount_base,
            updated_at=now,
            **extra,
        )
    )
    for line in po.lines:
        session.execute(
            update(purchase_order_lines)
            .where(purchase_order_lines.c.po_id == po_id, purchase_order_lines.c.line_no == line.line_no)
            .values(max_receivable=line.max_receivable)
        )


# Every writer of an order runs these: built once. The order row is locked (not the supplier's: FOR UPDATE OF).
_LOCK_ORDER = (
    select(purchase_orders, suppliers.c.code.label("supplier_code"))
    .join(suppliers, suppliers.c.id == purchase_orders.c.supplier_id)
    .where(purchase_orders.c.id == bindparam("po_id"))
    .with_for_update(of=purchase_orders)
)
_ORDER_LINES = (
    select(purchase_order_lines)
    .where(purchase_order_lines.c.po_id == bindparam("po_id"))
    .order_by(purchase_order_lines.c.line_no)
)


def lock_purchase_order(session: Session, po_id: int) -> tuple[OrderHeader, PurchaseOrder] | None:
    """Load a purchase order for change, holding its row lock (FOR UPDATE) until the transaction ends.

    Every writer of an order and its lines locks the order row first, so two concurrent receipts for one order
    run one after the other and the second sees what the first received.
    """
    row = session.execute(_LOCK_ORDER, {"po_id": po_id}).first()
    if row is None:
        return None
    supplier_code = row.supplier_code
    lines = session.execute(_ORDER_LINES, {"po_id": po_id}).all()
    header = OrderHeader(
        id=row.id,
        number=row.number,
        supplier_id=row.supplier_id,
        supplier_code=supplier_code,
        warehouse_code=row.warehouse_code,
        currency=row.currency,
        department=row.department,
        budget_period=row.budget_period,
        committed_base=row.total_amount_base,
        order_date=row.created_at.date(),
        created_by=row.created_by,
    )
    po = PurchaseOrder(
        status=row.status,
        exchange_rate=row.exchange_rate,
        revision=row.revision,
        table_rate=row.table_exchange_rate,
        lines=[
            PurchaseOrderLine(
                line_no=ln.line_no,
                sku=ln.sku,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                received_quantity=ln.received_quantity,
                accepted_quantity=ln.accepted_quantity,
                rejected_quantity=ln.rejected_quantity,
                tax_rate=ln.tax_rate,
                max_receivable=ln.max_receivable,
                returned_quantity=ln.returned_quantity,
                requisition_line_id=ln.requisition_line_id,
                short_closed_quantity=ln.short_closed_quantity,
            )
            for ln in lines
        ],
    )
    return header, po


def save_status(session: Session, po_id: int, status: str, now: datetime, **extra: Any) -> None:
    session.execute(
        update(purchase_orders).where(purchase_orders.c.id == po_id).values(status=str(status), updated_at=now, **extra)
    )


def save_short_close(session: Session, po_id: int, po: PurchaseOrder, now: datetime, reason: str) -> None:
    """Write a short-close: the order's status and reason, each line's released quantity and new bound."""
    session.execute(
        update(purchase_orders)
        .where(purchase_orders.c.id == po_id)
        .values(status=str(po.status), short_closed_at=now, short_close_reason=reason, updated_at=now)
    )
    lines = purchase_order_lines.c
    for line in po.lines:
        session.execute(
            update(purchase_order_lines)
            .where(lines.po_id == po_id, lines.line_no == line.line_no)
            .values(short_closed_quantity=line.short_closed_quantity, max_receivable=line.max_receivable)
        )
