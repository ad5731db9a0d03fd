"""Stocktakes: STK-000001. Open (book quantities frozen), count, post the differences as valued adjustments.

Opening a stocktake snapshots the book quantity of each SKU it covers. Counts may be entered in several
requests and a repeated count overwrites the earlier one. Posting turns each counted line whose count differs
from its snapshot into an ``adjustment`` move (reason ``stocktake``) valued at the current cost, and publishes
one ``inventory.StockAdjusted.v1``; lines never counted are left alone. A stocktake is posted or cancelled once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from psi_chassis.db import Database
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import document_lines, items, stock_balances
from psi_inventory.config import base_currency
from psi_inventory.domain.documents import (
    CANCELLED,
    MOVE_ADJUSTMENT,
    OPEN,
    POSTED,
    STOCKTAKE,
    STOCKTAKE_REASON,
    Count,
    CountLine,
    NothingToCount,
    RuleViolation,
    add_error,
    count_errors,
    duplicate_indexes,
    require_status,
    stocktake_adjustments,
)
from psi_inventory.domain.model import ZERO
from psi_inventory.service.adjustments import apply_differences, record_adjusted
from psi_inventory.service.documents import (
    add_lines,
    check_skus,
    check_warehouse,
    create_document,
    find_document,
    lines_of,
    moves_of,
    set_status,
    total,
)
from psi_inventory.service.ledger import Source


@dataclass(frozen=True)
class OpenStocktake:
    warehouse_code: str
    skus: tuple[str, ...] | None = None  # None: every balance row of the warehouse worth counting
    note: str | None = None


def open_stocktake(db: Database, cmd: OpenStocktake) -> dict[str, Any]:
    """Create an open stocktake with the book quantity of each SKU frozen as it is now."""
    with db.unit_of_work() as session:
        errors: dict[str, Any] = {}
        check_warehouse(session, cmd.warehouse_code, "warehouse_code", errors)
        if cmd.skus is not None:
            if not cmd.skus:
                add_error(errors, "skus", "name at least one SKU, or leave skus out to count the whole warehouse")
            for i in duplicate_indexes(list(cmd.skus)):
                add_error(errors, "skus", "the SKU is already listed", i)
            check_skus(session, list(cmd.skus), "skus", errors, name=None)
        if errors:
            raise RuleViolation("the stocktake is not valid; see errors", errors=errors)

        book = _book_quantities(session, cmd.warehouse_code, cmd.skus)
        if not book:
            raise NothingToCount(f"warehouse {cmd.warehouse_code} holds nothing to count; name the SKUs to count",
                                 errors={"skus": ["no active item or stock in this warehouse; name the SKUs"]})
        now = utcnow()
        document_id, _ = create_document(session, STOCKTAKE, OPEN, cmd.warehouse_code, now,
                                         reason_code=STOCKTAKE_REASON, note=cmd.note)
        add_lines(session, document_id, [
            {"line_no": i + 1, "sku": sku, "quantity": None, "book_quantity": on_hand}
            for i, (sku, on_hand) in enumerate(book)
        ])
        view = stocktake_view(session, document_id)
        session.commit()
    return view


def _book_quantities(session: Session, warehouse: str, skus: tuple[str, ...] | None) -> list[tuple[str, Any]]:
    """(sku, on hand) to freeze: the SKUs asked for (0 when never stocked here), in the order asked; else every
    balance row of the warehouse whose item is active or which still holds stock, in SKU order."""
    if skus is not None:
        on_hand = dict(session.execute(
            select(stock_balances.c.sku, stock_balances.c.on_hand)
            .where(stock_balances.c.warehouse_code == warehouse, stock_balances.c.sku.in_(set(skus)))
        ).all())
        return [(sku, on_hand.get(sku, ZERO)) for sku in skus]
    rows = session.execute(
        select(stock_balances.c.sku, stock_balances.c.on_hand)
        .select_from(stock_balances.outerjoin(items, items.c.sku == stock_balances.c.sku))
        .where(stock_balances.c.warehouse_code == warehouse,
               or_(items.c.active.is_(True), stock_balances.c.on_hand != ZERO))
        .order_by(stock_balances.c.sku)
    ).all()
    return list(rows)


def record_counts(db: Database, document_id: int, counts: tuple[Count, ...]) -> dict[str, Any]:
    """Enter counts on an open stocktake; a SKU counted again gets the new count."""
    with db.unit_of_work() as session:
        header = find_document(session, STOCKTAKE, document_id, lock=True)
        require_status(STOCKTAKE, "count", header.status, header.number)
        lines = {line.sku: line.line_no for line in lines_of(session, document_id)}
        errors = count_errors(counts, lines)
        if errors:
            raise RuleViolation("the counts are not valid; see errors", errors=errors)
        for count in counts:
            session.execute(update(document_lines)
                            .where(document_lines.c.document_id == document_id,
                                   document_lines.c.line_no == lines[count.sku])
                            .values(quantity=count.counted_quantity))
        set_status(session, document_id, OPEN, utcnow())
        view = stocktake_view(session, document_id)
        session.commit()
    return view


def post_stocktake(db: Database, document_id: int) -> dict[str, Any]:
    """Book counted − book of every counted line as an adjustment at the current cost; status ``posted``."""
    with db.unit_of_work() as session:
        header = find_document(session, STOCKTAKE, document_id, lock=True)
        require_status(STOCKTAKE, "post", header.status, header.number)
        now = utcnow()
        count_lines = [CountLine(ln.line_no, ln.sku, ln.book_quantity, ln.quantity)
                       for ln in lines_of(session, document_id)]
        differences = stocktake_adjustments(count_lines)
        postings = apply_differences(
            session, header.warehouse_code,
            [(line.line_no, line.sku, difference, None) for line, difference in differences],
            Source(now, header.number, reason_code=STOCKTAKE_REASON),
            field_name="lines", quantity_name="counted_quantity",
        )
        for posting in postings:
            session.execute(update(document_lines)
                            .where(document_lines.c.document_id == document_id,
                                   document_lines.c.line_no == posting.line_no)
                            .values(value=posting.posted.value, value_fifo=posting.posted.value_fifo))
        set_status(session, document_id, POSTED, now)
        record_adjusted(session, document_id, header.number, header.warehouse_code, now, STOCKTAKE_REASON, postings)
        view = stocktake_view(session, document_id)
        session.commit()
    return view


def cancel_stocktake(db: Database, document_id: int) -> dict[str, Any]:
    """Abandon an open stocktake; nothing moves."""
    with db.unit_of_work() as session:
        header = find_document(session, STOCKTAKE, document_id, lock=True)
        require_status(STOCKTAKE, "cancel", header.status, header.number)
        set_status(session, document_id, CANCELLED, utcnow())
        view = stocktake_view(session, document_id)
        session.commit()
    return view


def stocktake_view(session: Session, document_id: int) -> dict[str, Any]:
    header = find_document(session, STOCKTAKE, document_id)
    moves = moves_of(session, header.number)
    lines = []
    for row in lines_of(session, document_id):
        line = CountLine(row.line_no, row.sku, row.book_quantity, row.quantity)
        move = moves.get((MOVE_ADJUSTMENT, row.line_no))
        lines.append({
            "line_no": line.line_no, "sku": line.sku, "book_quantity": line.book_quantity,
            "counted_quantity": line.counted_quantity, "difference": line.difference,
            "unit_cost": move.unit_cost if move is not None else None,
            "value": row.value, "value_fifo": row.value_fifo,
        })
    return {
        "id": header.id, "number": header.number, "status": header.status, "warehouse_code": header.warehouse_code,
        "note": header.note, "currency": base_currency(), "lines": lines,
        "counted_lines": sum(1 for ln in lines if ln["counted_quantity"] is not None),
        "total_value": total(ln["value"] for ln in lines),
        "total_value_fifo": total(ln["value_fifo"] for ln in lines),
        "posted_at": header.updated_at if header.status == POSTED else None,
        "created_at": header.created_at, "updated_at": header.updated_at,
    }


def get_stocktake(db: Database, document_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return stocktake_view(session, document_id)
