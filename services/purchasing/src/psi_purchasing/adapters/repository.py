"""Loading and saving purchase orders, receipts and returns for the command handlers (API reads are in
adapters/queries.py; suppliers in adapters/suppliers.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from psi_purchasing.adapters.tables import (
    goods_receipt_lines,
    goods_receipts,
    purchase_order_lines,
    purchase_orders,
    purchase_return_lines,
    purchase_returns,
    suppliers,
)
from psi_purchasing.domain.model import (
    PurchaseOrder,
    PurchaseOrderLine,
    ReceivedLine,
    ReturnedLine,
    po_number,
    receipt_number,
    return_number,
)
from psi_purchasing.domain.purchase_return import RequestedReturn, ReturnStatus


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
_LINE = (purchase_order_lines.c.po_id == bindparam("b_po_id")) & (
    purchase_order_lines.c.line_no == bindparam("b_line_no")
)
_ADD_RECEIVED = (
    update(purchase_order_lines)
    .where(_LINE)
    .values(
        received_quantity=purchase_order_lines.c.received_quantity + bindparam("b_received"),
        accepted_quantity=purchase_order_lines.c.accepted_quantity + bindparam("b_accepted"),
        rejected_quantity=purchase_order_lines.c.rejected_quantity + bindparam("b_rejected"),
    )
)
_ADD_RETURNED = (
    update(purchase_order_lines)
    .where(_LINE)
    .values(returned_quantity=purchase_order_lines.c.returned_quantity + bindparam("b_returned"))
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


def add_received_quantities(session: Session, po_id: int, received: Sequence[ReceivedLine]) -> None:
    """Add a receipt's quantities to its order lines as increments (``x = x + :q``), not absolute values.

    The order row lock already serialises receipts; writing increments as well means that if a caller ever
    forgot the lock, the CHECK on ``received_quantity <= quantity`` would still refuse an over-receipt instead
    of a lost update hiding it.
    """
    if received:  # one statement for every line (an executemany the driver pipelines)
        session.execute(
            _ADD_RECEIVED,
            [
                {
                    "b_po_id": po_id,
                    "b_line_no": line.line_no,
                    "b_received": line.received_quantity,
                    "b_accepted": line.accepted_quantity,
                    "b_rejected": line.rejected_quantity,
                }
                for line in received
            ],
        )


def add_receipt(
    session: Session, po_id: int, received_at: datetime, lines: Sequence[ReceivedLine], now: datetime
) -> tuple[int, str]:
    """Insert a receipt and its lines; its number is written by :func:`complete_receipt` with the event id."""
    receipt_id = int(
        session.execute(
            insert(goods_receipts).values(po_id=po_id, received_at=received_at, created_at=now)
        ).inserted_primary_key[0]
    )
    session.execute(
        insert(goods_receipt_lines),
        [
            {
                "receipt_id": receipt_id,
                "line_no": line.line_no,
                "sku": line.sku,
                "received_quantity": line.received_quantity,
                "accepted_quantity": line.accepted_quantity,
                "rejected_quantity": line.rejected_quantity,
                "reject_reason": line.reject_reason,
                "unit_cost": line.unit_cost,
                "unit_cost_base": line.unit_cost_base,
            }
            for line in lines
        ],
    )
    return receipt_id, receipt_number(receipt_id)


def complete_receipt(session: Session, receipt_id: int, number: str, event_id: str) -> None:
    session.execute(
        update(goods_receipts).where(goods_receipts.c.id == receipt_id).values(number=number, event_id=event_id)
    )


def add_returned_quantities(session: Session, po_id: int, returned: Sequence[ReturnedLine]) -> None:
    """Add a return's quantities to its order lines as increments (the CHECK keeps returned <= accepted)."""
    if returned:
        session.execute(
            _ADD_RETURNED,
            [{"b_po_id": po_id, "b_line_no": line.line_no, "b_returned": line.quantity} for line in returned],
        )


def add_return(
    session: Session,
    po_id: int,
    reason: str,
    requested_at: datetime,
    lines: Sequence[ReturnedLine],
    now: datetime,
) -> tuple[int, str]:
    """Insert a return as ``requested`` with its lines; its number is written by :func:`number_return`."""
    return_id = int(
        session.execute(
            insert(purchase_returns).values(
                po_id=po_id,
                reason=reason,
                status=ReturnStatus.REQUESTED.value,
                requested_at=requested_at,
                created_at=now,
            )
        ).inserted_primary_key[0]
    )
    number = return_number(return_id)
    line_ids = dict(
        session.execute(
            select(purchase_order_lines.c.line_no, purchase_order_lines.c.id).where(
                purchase_order_lines.c.po_id == po_id
            )
        ).all()
    )
    session.execute(
        insert(purchase_return_lines),
        [
            {
                "return_id": return_id,
                "po_line_id": line_ids[line.line_no],
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_cost_base": line.unit_cost_base,
            }
            for line in lines
        ],
    )
    return return_id, number


def number_return(session: Session, return_id: int, number: str, event_id: str) -> None:
    """Write the return's number and the id of the GoodsReturnRequested event that asked for it."""
    session.execute(
        update(purchase_returns).where(purchase_returns.c.id == return_id).values(number=number, event_id=event_id)
    )


def return_order_id(session: Session, return_id: int) -> int | None:
    """The order a return belongs to (no lock: the order row is locked first, then the return)."""
    return session.execute(select(purchase_returns.c.po_id).where(purchase_returns.c.id == return_id)).scalar()


def lock_return(session: Session, return_id: int) -> RequestedReturn | None:
    """A return with its quantity per order line, holding its row lock, so two replies apply one at a time."""
    row = session.execute(select(purchase_returns).where(purchase_returns.c.id == return_id).with_for_update()).first()
    if row is None:
        return None
    lines = session.execute(
        select(purchase_return_lines.c.line_no, purchase_return_lines.c.quantity).where(
            purchase_return_lines.c.return_id == return_id
        )
    ).all()
    return RequestedReturn(
        id=row.id,
        number=row.number,
        status=row.status,
        request_event_id=row.event_id,
        quantities={ln.line_no: ln.quantity for ln in lines},
    )


def return_reason(session: Session, return_id: int) -> str:
    return str(
        session.execute(select(purchase_returns.c.reason).where(purchase_returns.c.id == return_id)).scalar_one()
    )


def returned_lines(session: Session, return_id: int) -> list[ReturnedLine]:
    rows = session.execute(
        select(purchase_return_lines)
        .where(purchase_return_lines.c.return_id == return_id)
        .order_by(purchase_return_lines.c.line_no)
    ).all()
    return [ReturnedLine(r.line_no, r.sku, r.quantity, r.unit_cost_base) for r in rows]


def mark_return_completed(
    session: Session,
    return_id: int,
    *,
    returned_at: datetime,
    answered_at: datetime,
    currency: str,
    total_value: Decimal,
    issued: Sequence[Mapping[str, Any]],
    returned_event_id: str,
) -> None:
    """requested -> completed, keeping what inventory booked the issue at (per line and in total)."""
    session.execute(
        update(purchase_returns)
        .where(purchase_returns.c.id == return_id)
        .values(
            status=ReturnStatus.COMPLETED.value,
            returned_at=returned_at,
            answered_at=answered_at,
            issued_currency=currency,
            issued_total_value=total_value,
            returned_event_id=returned_event_id,
        )
    )
    lines = purchase_return_lines.c
    for line in issued:
        session.execute(
            update(purchase_return_lines)
            .where(lines.return_id == return_id, lines.line_no == line["line_no"])
            .values(
                issued_unit_cost=line["unit_cost"], issued_value=line["value"], issued_value_fifo=line["value_fifo"]
            )
        )


def mark_return_refused(session: Session, return_id: int, *, answered_at: datetime, code: str, reason: str) -> None:
    """requested -> refused, with inventory's reason."""
    session.execute(
        update(purchase_returns)
        .where(purchase_returns.c.id == return_id)
        .values(
            status=ReturnStatus.REFUSED.value, answered_at=answered_at, refusal_code=code[:64], refusal_reason=reason
        )
    )


def subtract_returned_quantities(session: Session, po_id: int, quantities: Mapping[int, Decimal]) -> None:
    """Give a refused return's quantities back to its order lines (decrements; the CHECK keeps them >= 0)."""
    lines = purchase_order_lines.c
    for line_no, quantity in quantities.items():
        session.execute(
            update(purchase_order_lines)
            .where(lines.po_id == po_id, lines.line_no == line_no)
            .values(returned_quantity=lines.returned_quantity - quantity)
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
