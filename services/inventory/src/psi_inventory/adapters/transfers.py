"""The SQL of transfers beyond the shared document rows: when one left, and what is on its way.

Both answer from the ledger (a transfer left when its ``transfer_out`` moves occurred and arrived when its
``transfer_in`` moves did), so they are right for any past business time.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from psi_chassis.decimals import ZERO
from psi_inventory.adapters.tables import document_lines, documents, stock_moves
from psi_inventory.domain.documents import IN_TRANSIT, MOVE_TRANSFER_IN, MOVE_TRANSFER_OUT, TRANSFER


def shipment_time(session: Session, header: Row[Any]) -> datetime:
    """When the transfer left: the business time of its ``transfer_out`` moves."""
    shipped = session.execute(
        select(func.min(stock_moves.c.occurred_at)).where(
            stock_moves.c.document_ref == header.number, stock_moves.c.kind == MOVE_TRANSFER_OUT
        )
    ).scalar()
    return shipped if shipped is not None else header.created_at


def stock_in_transit(session: Session) -> dict[str, Decimal]:
    """Value of every transfer still in transit, both ways: the stock no warehouse holds right now."""
    row = session.execute(
        select(
            func.coalesce(func.sum(document_lines.c.value), ZERO).label("value"),
            func.coalesce(func.sum(document_lines.c.value_fifo), ZERO).label("value_fifo"),
        )
        .select_from(document_lines.join(documents, documents.c.id == document_lines.c.document_id))
        .where(documents.c.kind == TRANSFER, documents.c.status == IN_TRANSIT)
    ).one()
    return {"value": Decimal(row.value), "value_fifo": Decimal(row.value_fifo)}


def in_transit_lines_at(at: datetime) -> Select[Any]:
    """The transfer lines on their way at business time ``at`` (shipped by then, not received by then), as
    ``sku, warehouse_code`` (the destination), ``quantity, value, value_fifo, from_warehouse_code``.

    From the ledger: a transfer left when its ``transfer_out`` moves occurred and arrived when its
    ``transfer_in`` moves did (``domain.documents.in_transit_at``), so the answer is right for any past time.
    """

    def moved(kind: str) -> Any:  # when the transfer's moves of ``kind`` happened (index on document_ref)
        return (
            select(func.min(stock_moves.c.occurred_at))
            .where(stock_moves.c.document_ref == documents.c.number, stock_moves.c.kind == kind)
            .scalar_subquery()
        )

    transfers = (
        select(
            documents.c.id,
            documents.c.warehouse_code,
            documents.c.to_warehouse_code,
            moved(MOVE_TRANSFER_OUT).label("shipped_at"),
            moved(MOVE_TRANSFER_IN).label("received_at"),
        )
        .where(documents.c.kind == TRANSFER)
        .subquery()
    )
    return (
        select(
            document_lines.c.sku,
            transfers.c.to_warehouse_code.label("warehouse_code"),
            document_lines.c.quantity,
            document_lines.c.value,
            document_lines.c.value_fifo,
            transfers.c.warehouse_code.label("from_warehouse_code"),
        )
        .select_from(document_lines.join(transfers, transfers.c.id == document_lines.c.document_id))
        .where(transfers.c.shipped_at <= at, or_(transfers.c.received_at.is_(None), transfers.c.received_at > at))
    )
