"""The SQL of purchase returns (the saga with inventory): the request, its lines and quantities, and
inventory's answer. The rules are domain/purchase_return.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from psi_purchasing.adapters.tables import purchase_order_lines, purchase_return_lines, purchase_returns
from psi_purchasing.domain.model import ReturnedLine, return_number
from psi_purchasing.domain.purchase_return import RequestedReturn, ReturnStatus

_LINE = (purchase_order_lines.c.po_id == bindparam("b_po_id")) & (
    purchase_order_lines.c.line_no == bindparam("b_line_no")
)

_ADD_RETURNED = (
    update(purchase_order_lines)
    .where(_LINE)
    .values(returned_quantity=purchase_order_lines.c.returned_quantity + bindparam("b_returned"))
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
