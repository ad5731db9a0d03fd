"""The repository of inventory's own documents (adjustments, transfers, stocktakes): the ``documents`` rows,
their numbers, the checks against the item master and the warehouses, the lists, and reading a document back
with the moves it posted.

A document's moves carry its number as ``document_ref`` and its line number as ``source_line``, so the ledger
can always be traced back to the document line that caused a move (and the document view shows the cost each
move was booked at without storing it twice).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, bindparam, cast, insert, literal_column, null, or_, select, union_all, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from psi_chassis.paging import count_rows, page_window
from psi_inventory.adapters.tables import document_lines, documents, items, stock_moves, warehouses
from psi_inventory.domain.documents import (
    ADJUSTMENT,
    MOVE_ADJUSTMENT,
    MOVE_TRANSFER_OUT,
    NOT_FOUND,
    STOCKTAKE,
    TRANSFER,
    document_number,
    sku_errors,
    warehouse_errors,
)


def create_document(
    session: Session,
    kind: str,
    status: str,
    warehouse: str,
    now: datetime,
    *,
    to_warehouse: str | None = None,
    reason_code: str | None = None,
    note: str | None = None,
) -> tuple[int, str]:
    """Insert the header and number it from its id in the same transaction; returns (id, number)."""
    document_id = int(
        session.execute(
            insert(documents)
            .values(
                kind=kind,
                number=None,
                status=status,
                warehouse_code=warehouse,
                to_warehouse_code=to_warehouse,
                reason_code=reason_code,
                note=note,
                created_at=now,
                updated_at=now,
            )
            .returning(documents.c.id)
        ).scalar_one()
    )
    number = document_number(kind, document_id)
    session.execute(update(documents).where(documents.c.id == document_id).values(number=number))
    return document_id, number


def add_lines(session: Session, document_id: int, lines: list[dict[str, Any]]) -> None:
    if lines:
        session.execute(insert(document_lines), [{"document_id": document_id, **line} for line in lines])


def set_status(session: Session, document_id: int, status: str, now: datetime) -> None:
    session.execute(update(documents).where(documents.c.id == document_id).values(status=status, updated_at=now))


def find_document(session: Session, kind: str, document_id: int, *, lock: bool = False) -> Row[Any]:
    """The header of a ``kind`` document (locked FOR UPDATE when ``lock``); the kind's 404 when there is none."""
    query = select(documents).where(documents.c.id == document_id, documents.c.kind == kind)
    if lock:
        query = query.with_for_update()
    row = session.execute(query).first()
    if row is None:
        raise NOT_FOUND[kind](f"{kind} {document_id} does not exist")
    return row


def lines_of(session: Session, document_id: int) -> list[Row[Any]]:
    return list(
        session.execute(
            select(document_lines).where(document_lines.c.document_id == document_id).order_by(document_lines.c.line_no)
        ).all()
    )


def moves_of(session: Session, number: str) -> dict[tuple[str, int], Row[Any]]:
    """The moves a document posted, by (move kind, line number)."""
    rows = session.execute(
        select(
            stock_moves.c.kind,
            stock_moves.c.source_line,
            stock_moves.c.unit_cost,
            stock_moves.c.occurred_at,
            stock_moves.c.value,
            stock_moves.c.value_fifo,
        )
        .where(stock_moves.c.document_ref == number, stock_moves.c.source_event_id.is_(None))
        .order_by(stock_moves.c.id)
    ).all()
    return {(r.kind, r.source_line): r for r in rows}


# --- checks against the master data -------------------------------------------------------------------------


def check_warehouse(session: Session, code: str, field: str, errors: dict[str, Any]) -> None:
    """A document names an existing, active warehouse."""
    warehouse_errors(
        session.execute(select(warehouses.c.active).where(warehouses.c.code == code)).scalar(), code, field, errors
    )


def check_skus(session: Session, skus: list[str], field: str, errors: dict[str, Any], name: str | None = "sku") -> None:
    """Every SKU is in the item master; an unknown one is a field error at its index."""
    known = set(session.execute(select(items.c.sku).where(items.c.sku.in_(set(skus)))).scalars()) if skus else set()
    sku_errors(skus, known, field, errors, name)


# Built once: the warehouse's row, and one row per named SKU the item master knows.
_WAREHOUSE_ONLY = select(
    literal_column("'w'").label("kind"), warehouses.c.code.label("key"), warehouses.c.active.label("active")
).where(warehouses.c.code == bindparam("warehouse"))
_MASTER_DATA = union_all(
    _WAREHOUSE_ONLY,
    select(literal_column("'s'"), items.c.sku, cast(null(), Boolean)).where(
        items.c.sku.in_(bindparam("skus", expanding=True))
    ),
)


def check_master_data(
    session: Session,
    warehouse: str,
    warehouse_field: str,
    skus: list[str],
    skus_field: str,
    errors: dict[str, Any],
    name: str | None = "sku",
) -> None:
    """:func:`check_warehouse` and :func:`check_skus` in one round trip (the reservation request's path)."""
    query = _MASTER_DATA if skus else _WAREHOUSE_ONLY
    params = {"warehouse": warehouse, "skus": sorted(set(skus))} if skus else {"warehouse": warehouse}
    rows = session.execute(query, params).all()
    warehouse_errors(next((r.active for r in rows if r.kind == "w"), None), warehouse, warehouse_field, errors)
    sku_errors(skus, {r.key for r in rows if r.kind == "s"}, skus_field, errors, name)


# --- lists --------------------------------------------------------------------------------------------------


def filter_documents(
    query: Select[Any], *, sku: str | None, date_from: datetime | None, date_to: datetime | None, move_kind: str | None
) -> Select[Any]:
    """Narrow a ``select(documents.c.id)`` to documents with a line of ``sku`` and a business time in the range.

    A document's business time is that of the moves of ``move_kind`` it posted (an adjustment's
    ``occurred_at``, a transfer's shipment); with ``move_kind`` None, when it was created (a stocktake opened).
    Both ends are inclusive.
    """
    if sku:
        query = query.where(
            select(document_lines.c.line_no)
            .where(document_lines.c.document_id == documents.c.id, document_lines.c.sku == sku)
            .exists()
        )
    if date_from is None and date_to is None:
        return query
    if move_kind is None:
        if date_from is not None:
            query = query.where(documents.c.created_at >= date_from)
        if date_to is not None:
            query = query.where(documents.c.created_at <= date_to)
        return query
    moved = select(stock_moves.c.id).where(
        stock_moves.c.document_ref == documents.c.number,
        stock_moves.c.kind == move_kind,
        stock_moves.c.source_event_id.is_(None),
    )
    if date_from is not None:
        moved = moved.where(stock_moves.c.occurred_at >= date_from)
    if date_to is not None:
        moved = moved.where(stock_moves.c.occurred_at <= date_to)
    return query.where(moved.exists())


def adjustment_ids(
    session: Session,
    *,
    warehouse_code: str | None,
    reason_code: str | None,
    sku: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    page: int,
    page_size: int,
) -> tuple[list[int], int]:
    """One page of adjustment ids, newest first, filtered by warehouse, reason, SKU and business time."""
    query = select(documents.c.id).where(documents.c.kind == ADJUSTMENT)
    if warehouse_code:
        query = query.where(documents.c.warehouse_code == warehouse_code)
    if reason_code:
        query = query.where(documents.c.reason_code == reason_code)
    query = filter_documents(query, sku=sku, date_from=date_from, date_to=date_to, move_kind=MOVE_ADJUSTMENT)
    return page_of_ids(session, query, page, page_size)


def transfer_ids(
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
) -> tuple[list[int], int]:
    """One page of transfer ids, newest first; ``warehouse_code`` matches either end, the dates the shipment."""
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
    return page_of_ids(session, query, page, page_size)


def stocktake_ids(
    session: Session,
    *,
    warehouse_code: str | None,
    status: str | None,
    sku: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    page: int,
    page_size: int,
) -> tuple[list[int], int]:
    """One page of stocktake ids, newest first, filtered by warehouse, status, SKU and when they were opened."""
    query = select(documents.c.id).where(documents.c.kind == STOCKTAKE)
    if warehouse_code:
        query = query.where(documents.c.warehouse_code == warehouse_code)
    if status:
        query = query.where(documents.c.status == status)
    query = filter_documents(query, sku=sku, date_from=date_from, date_to=date_to, move_kind=None)
    return page_of_ids(session, query, page, page_size)


def page_of_ids(session: Session, query: Select[Any], page: int, page_size: int) -> tuple[list[int], int]:
    """One page of document ids, newest first, and how many there are in all."""
    total_count = count_rows(session, query)
    ids = session.execute(page_window(query.order_by(documents.c.id.desc()), page, page_size)).scalars().all()
    return [int(i) for i in ids], int(total_count)


__all__ = [
    "add_lines",
    "adjustment_ids",
    "check_skus",
    "check_warehouse",
    "create_document",
    "filter_documents",
    "find_document",
    "lines_of",
    "moves_of",
    "page_of_ids",
    "set_status",
    "stocktake_ids",
    "transfer_ids",
]
