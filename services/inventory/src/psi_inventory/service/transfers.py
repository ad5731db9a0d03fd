"""Transfers between warehouses: TRF-000001, shipped at once, received later.

Shipping issues the stock at the source (``transfer_out``) and keeps, on each document line, the value it
carries under both methods and the FIFO layers it took. Receiving books exactly that at the destination
(``transfer_in`` with the carried value and layers), so the company's stock value is the same before the
shipment, while in transit and after the receipt. Until it is received the value is *in transit*: no
warehouse holds it, the open transfers do (:func:`stock_in_transit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from psi_chassis.db import Database
from psi_chassis.decimals import ZERO, q6
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import STOCK_TRANSFERRED_V1
from psi_inventory.adapters.tables import document_lines, documents, stock_moves
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain.business_time import booked_time
from psi_inventory.domain.documents import (
    IN_TRANSIT,
    MOVE_TRANSFER_IN,
    MOVE_TRANSFER_OUT,
    RECEIVED,
    TRANSFER,
    RuleViolation,
    SameWarehouse,
    TransferLine,
    carried_unit_cost,
    decode_layers,
    encode_layers,
    in_transit,
    receipt_time_problem,
    require_status,
    same_warehouse,
    transfer_line_errors,
)
from psi_inventory.domain.model import StockRuleViolation
from psi_inventory.service.documents import (
    add_lines,
    check_skus,
    check_warehouse,
    create_document,
    filter_documents,
    find_document,
    insufficient,
    lines_of,
    moves_of,
    page_of_ids,
    set_status,
    total,
)
from psi_inventory.service.ledger import Ledger, Source

SHIPPED_STATUS, RECEIVED_STATUS = "shipped", "received"  # StockTransferred.v1 statuses


@dataclass(frozen=True)
class ShipTransfer:
    from_warehouse: str
    to_warehouse: str
    lines: tuple[TransferLine, ...]
    note: str | None = None
    shipped_at: datetime | None = None  # business time; None: now


def ship_transfer(db: Database, cmd: ShipTransfer) -> dict[str, Any]:
    """Create the transfer and issue every line at the source; status ``in_transit``."""
    with db.unit_of_work() as session:
        if same_warehouse(cmd.from_warehouse, cmd.to_warehouse):
            raise SameWarehouse(
                f"a transfer needs two different warehouses, got {cmd.from_warehouse} twice",
                errors={"to_warehouse_code": ["must differ from from_warehouse_code"]},
            )
        errors = transfer_line_errors(cmd.lines)
        check_warehouse(session, cmd.from_warehouse, "from_warehouse_code", errors)
        check_warehouse(session, cmd.to_warehouse, "to_warehouse_code", errors)
        check_skus(session, [ln.sku for ln in cmd.lines], "lines", errors)
        if errors:
            raise RuleViolation("the transfer is not valid; see errors", errors=errors)

        now = utcnow()
        shipped_at = booked_time(cmd.shipped_at or now, now)
        document_id, number = create_document(
            session, TRANSFER, IN_TRANSIT, cmd.from_warehouse, now, to_warehouse=cmd.to_warehouse, note=cmd.note
        )
        ledger = Ledger(session)
        stored = []
        numbered = [(i + 1, ln) for i, ln in enumerate(cmd.lines)]
        for line_no, line in sorted(numbered, key=lambda pair: (pair[1].sku, pair[0])):
            try:
                posted = ledger.issue(
                    line.sku,
                    cmd.from_warehouse,
                    MOVE_TRANSFER_OUT,
                    line.quantity,
                    Source(shipped_at, number, line=line_no),
                )
            except StockRuleViolation as exc:
                raise insufficient(exc, "lines", line_no - 1, "quantity") from exc
            stored.append(
                {
                    "line_no": line_no,
                    "sku": line.sku,
                    "quantity": q6(line.quantity),
                    "value": -posted.value,
                    "value_fifo": -posted.value_fifo,
                    "layers": encode_layers(posted.layers),
                }
            )
        stored.sort(key=lambda ln: ln["line_no"])
        add_lines(session, document_id, stored)
        _record(session, document_id, number, cmd.from_warehouse, cmd.to_warehouse, SHIPPED_STATUS, shipped_at, stored)
        view = transfer_view(session, document_id)
        session.commit()
    return view


def receive_transfer(db: Database, document_id: int, received_at: datetime | None = None) -> dict[str, Any]:
    """Book what the transfer carries at the destination; status ``received``. Only once (409 otherwise).

    ``received_at`` (business time, default now) may not lie before the transfer was shipped (422).
    """
    with db.unit_of_work() as session:
        header = find_document(session, TRANSFER, document_id, lock=True)
        require_status(TRANSFER, "receive", header.status, header.number)
        now = utcnow()
        arrived = booked_time(received_at or now, now)
        shipped_at = _shipped_at(session, header)
        problem = receipt_time_problem(shipped_at, arrived)
        if problem is not None:
            raise RuleViolation("the transfer cannot arrive before it left", errors={"received_at": [problem]})
        ledger = Ledger(session)
        lines = lines_of(session, document_id)
        for line in sorted(lines, key=lambda ln: (ln.sku, ln.line_no)):
            ledger.receive(
                line.sku,
                header.to_warehouse_code,
                MOVE_TRANSFER_IN,
                line.quantity,
                carried_unit_cost(line.value, line.quantity),
                Source(arrived, header.number, line=line.line_no),
                fifo_layers=decode_layers(line.layers) or None,
                value=line.value,
            )
        set_status(session, document_id, RECEIVED, now)
        _record(
            session,
            document_id,
            header.number,
            header.warehouse_code,
            header.to_warehouse_code,
            RECEIVED_STATUS,
            arrived,
            [line._asdict() for line in lines],
        )
        view = transfer_view(session, document_id)
        session.commit()
    return view


def _shipped_at(session: Session, header: Row[Any]) -> datetime:
    """When the transfer left: the business time of its ``transfer_out`` moves."""
    shipped = session.execute(
        select(func.min(stock_moves.c.occurred_at)).where(
            stock_moves.c.document_ref == header.number, stock_moves.c.kind == MOVE_TRANSFER_OUT
        )
    ).scalar()
    return shipped if shipped is not None else header.created_at


def _record(
    session: Session,
    document_id: int,
    number: str,
    from_warehouse: str,
    to_warehouse: str,
    status: str,
    occurred_at: datetime,
    lines: list[dict[str, Any]],
) -> None:
    record_event(
        session,
        STOCK_TRANSFERRED_V1,
        {
            "transfer_id": str(document_id),
            "transfer_number": number,
            "from_warehouse": from_warehouse,
            "to_warehouse": to_warehouse,
            "status": status,
            "occurred_at": occurred_at,
            "currency": base_currency(),
            "lines": [
                {
                    "line_no": ln["line_no"],
                    "sku": ln["sku"],
                    "quantity": ln["quantity"],
                    "value": ln["value"],
                    "value_fifo": ln["value_fifo"],
                }
                for ln in lines
            ],
        },
        source=SERVICE_NAME,
        subject=number,
    )


def _line_view(line: Row[Any]) -> dict[str, Any]:
    return {
        "line_no": line.line_no,
        "sku": line.sku,
        "quantity": line.quantity,
        "value": line.value,
        "value_fifo": line.value_fifo,
        "unit_cost": carried_unit_cost(line.value, line.quantity),
        "layers": [{"quantity": q, "unit_cost": c} for q, c in decode_layers(line.layers)],
    }


def transfer_view(session: Session, document_id: int) -> dict[str, Any]:
    header = find_document(session, TRANSFER, document_id)
    lines = [_line_view(line) for line in lines_of(session, document_id)]
    moves = moves_of(session, header.number)
    shipped = [m.occurred_at for (kind, _), m in moves.items() if kind == MOVE_TRANSFER_OUT]
    received = [m.occurred_at for (kind, _), m in moves.items() if kind == MOVE_TRANSFER_IN]
    return {
        "id": header.id,
        "number": header.number,
        "status": header.status,
        "from_warehouse_code": header.warehouse_code,
        "to_warehouse_code": header.to_warehouse_code,
        "note": header.note,
        "currency": base_currency(),
        "lines": lines,
        "total_value": total(ln["value"] for ln in lines),
        "total_value_fifo": total(ln["value_fifo"] for ln in lines),
        "in_transit_value": in_transit(header.status, (ln["value"] for ln in lines)),
        "in_transit_value_fifo": in_transit(header.status, (ln["value_fifo"] for ln in lines)),
        "shipped_at": min(shipped) if shipped else header.created_at,
        "received_at": min(received) if received else None,
        "created_at": header.created_at,
        "updated_at": header.updated_at,
    }


def get_transfer(db: Database, document_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return transfer_view(session, document_id)


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


def list_transfers(
    session: Session,
    *,
    status: str | None,
    sku: str | None,
    warehouse_code: str | None,
    from_warehouse_code: str | None,
    to_warehouse_code: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Transfers, newest first, each as :func:`transfer_view` shows it; ``warehouse_code`` matches either end,
    the dates the time it was shipped."""
    query = select(documents.c.id).where(documents.c.kind == TRANSFER)
    if status:
        query = query.where(documents.c.status == status)
    if warehouse_code:
        query = query.where(
            or_(documents.c.warehouse_code == warehouse_code, documents.c.to_warehouse_code == warehouse_code)
        )
    if from_warehouse_code:
        query = query.where(documents.c.warehouse_code == from_warehouse_code)
    if to_warehouse_code:
        query = query.where(documents.c.to_warehouse_code == to_warehouse_code)
    query = filter_documents(query, sku=sku, date_from=date_from, date_to=date_to, move_kind=MOVE_TRANSFER_OUT)
    ids, total = page_of_ids(session, query, page, page_size)
    return [transfer_view(session, document_id) for document_id in ids], total
