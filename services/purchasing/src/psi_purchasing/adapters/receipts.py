"""The SQL of goods receipts: the receipt and its lines, and the quantities they add to the order lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session

from psi_purchasing.adapters.tables import goods_receipt_lines, goods_receipts, purchase_order_lines
from psi_purchasing.domain.model import ReceivedLine, receipt_number

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
