"""Stocktakes: STK-000001. Open (book quantities frozen), count, post the differences as valued adjustments.

Opening a stocktake snapshots the book quantity of each SKU it covers (the count sheet). Counts may be entered
in several requests and a repeated count overwrites the earlier one; each count has its time (``counted_at``,
default when it is entered). Posting turns each counted line whose count differs from **the book at the time of
counting** (the ledger's on hand at ``counted_at``, not the snapshot) into an ``adjustment`` move dated
``counted_at`` (reason ``stocktake``), and publishes one ``inventory.StockAdjusted.v1``; lines never counted
are left alone. Moves into or out of the warehouse are not blocked while a stocktake is open: what was booked
before a count is in its book, what was booked after is not. A loss takes reserved stock too (the shelf is the
truth); a row left with less on hand than is reserved announces ``inventory.ReservationShortfall.v1``, naming
the reservations that can no longer be shipped in full. A stocktake is posted or cancelled once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.decimals import ZERO
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import RESERVATION_SHORTFALL_V1
from psi_inventory.adapters.documents import (
    add_lines,
    check_skus,
    check_warehouse,
    create_document,
    find_document,
    lines_of,
    moves_of,
    set_status,
    stocktake_ids,
)
from psi_inventory.adapters.stocktakes import (
    balance_of,
    book_quantities,
    references_holding,
    store_books_at_count,
    store_count,
    store_line_value,
)
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain.business_time import booked_time
from psi_inventory.domain.commands import Count, OpenStocktake
from psi_inventory.domain.documents import (
    CANCELLED,
    MOVE_ADJUSTMENT,
    OPEN,
    POSTED,
    STOCKTAKE,
    STOCKTAKE_REASON,
    CountLine,
    NothingToCount,
    RuleViolation,
    add_error,
    count_errors,
    duplicate_indexes,
    require_status,
    stocktake_adjustments,
    total,
)
from psi_inventory.domain.model import reservation_shortfall
from psi_inventory.service.adjustments import Correction, apply_differences, record_adjusted
from psi_inventory.service.ledger import Source

_log = logging.getLogger(__name__)


def open_stocktake(db: Database, cmd: OpenStocktake) -> dict[str, Any]:
    """Create an open stocktake with the book quantity of each SKU frozen as it is now."""
    return run_command(db, lambda session: _open_stocktake(session, cmd))


def _open_stocktake(session: Session, cmd: OpenStocktake) -> dict[str, Any]:
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

    book = book_quantities(session, cmd.warehouse_code, cmd.skus)
    if not book:
        raise NothingToCount(
            f"warehouse {cmd.warehouse_code} holds nothing to count; name the SKUs to count",
            errors={"skus": ["no active item or stock in this warehouse; name the SKUs"]},
        )
    now = utcnow()
    document_id, _ = create_document(
        session, STOCKTAKE, OPEN, cmd.warehouse_code, now, reason_code=STOCKTAKE_REASON, note=cmd.note
    )
    add_lines(
        session,
        document_id,
        [
            {"line_no": i + 1, "sku": sku, "quantity": None, "book_quantity": on_hand}
            for i, (sku, on_hand) in enumerate(book)
        ],
    )
    return stocktake_view(session, document_id)


def record_counts(db: Database, document_id: int, counts: tuple[Count, ...]) -> dict[str, Any]:
    """Enter counts on an open stocktake; a SKU counted again gets the new count (and the new count time)."""
    return run_command(db, lambda session: _record_counts(session, document_id, counts))


def _record_counts(session: Session, document_id: int, counts: tuple[Count, ...]) -> dict[str, Any]:
    header = find_document(session, STOCKTAKE, document_id, lock=True)
    require_status(STOCKTAKE, "count", header.status, header.number)
    lines = {line.sku: line.line_no for line in lines_of(session, document_id)}
    errors = count_errors(counts, lines)
    if errors:
        raise RuleViolation("the counts are not valid; see errors", errors=errors)
    now = utcnow()
    for count in counts:
        store_count(
            session, document_id, lines[count.sku], count.counted_quantity, booked_time(count.counted_at or now, now)
        )
    store_books_at_count(session, document_id, header.warehouse_code, [lines[c.sku] for c in counts])
    set_status(session, document_id, OPEN, now)
    return stocktake_view(session, document_id)


def post_stocktake(db: Database, document_id: int) -> dict[str, Any]:
    """Book counted − book at the time of counting of every counted line as an adjustment dated at its count;
    status ``posted``. Rows left with less on hand than is reserved announce ReservationShortfall."""
    return run_command(db, lambda session: _post_stocktake(session, document_id))


def _post_stocktake(session: Session, document_id: int) -> dict[str, Any]:
    header = find_document(session, STOCKTAKE, document_id, lock=True)
    require_status(STOCKTAKE, "post", header.status, header.number)
    now = utcnow()
    store_books_at_count(session, document_id, header.warehouse_code, None)  # backdated moves since counting
    rows = lines_of(session, document_id)
    counted_at = {ln.line_no: ln.counted_at for ln in rows}
    differences = stocktake_adjustments(
        [CountLine(ln.line_no, ln.sku, ln.book_quantity, ln.quantity, ln.counted_book) for ln in rows]
    )
    postings = apply_differences(
        session,
        header.warehouse_code,
        [
            Correction(line.line_no, line.sku, difference, occurred_at=counted_at[line.line_no])
            for line, difference in differences
        ],
        Source(now, header.number, reason_code=STOCKTAKE_REASON),
        field_name="lines",
        quantity_name="counted_quantity",
        may_take_reserved=True,
    )
    for posting in postings:
        store_line_value(session, document_id, posting.line_no, posting.posted.value, posting.posted.value_fifo)
    set_status(session, document_id, POSTED, now)
    occurred_at = max((counted_at[p.line_no] or now for p in postings), default=now)
    record_adjusted(session, document_id, header.number, header.warehouse_code, occurred_at, STOCKTAKE_REASON, postings)
    for posting in postings:
        if posting.quantity < ZERO:
            _announce_shortfall(session, posting.sku, header.warehouse_code, header.number, occurred_at)
    return stocktake_view(session, document_id)


def _announce_shortfall(session: Session, sku: str, warehouse: str, number: str, occurred_at: datetime) -> None:
    """ReservationShortfall when the row now holds less than is reserved, naming each reference still holding."""
    row = balance_of(session, sku, warehouse)
    shortfall = reservation_shortfall(row.on_hand, row.reserved)
    if shortfall == ZERO:
        return
    named = [
        {"reference": reference, "reserved_quantity": held}
        for reference, held in references_holding(session, sku, warehouse)
    ]
    if not named:  # the reserved column disagrees with the reservations: rebuild-balances reports it
        _log.warning(
            "%s in %s: %s reserved but no active reservation holds it; run rebuild-balances",
            sku,
            warehouse,
            row.reserved,
        )
        return
    record_event(
        session,
        RESERVATION_SHORTFALL_V1,
        {
            "sku": sku,
            "warehouse_code": warehouse,
            "on_hand": row.on_hand,
            "reserved": row.reserved,
            "shortfall": shortfall,
            "document_ref": number,
            "occurred_at": occurred_at,
            "reservations": named,
        },
        source=SERVICE_NAME,
        subject=sku,
    )


def cancel_stocktake(db: Database, document_id: int) -> dict[str, Any]:
    """Abandon an open stocktake; nothing moves."""
    return run_command(db, lambda session: _cancel_stocktake(session, document_id))


def _cancel_stocktake(session: Session, document_id: int) -> dict[str, Any]:
    header = find_document(session, STOCKTAKE, document_id, lock=True)
    require_status(STOCKTAKE, "cancel", header.status, header.number)
    set_status(session, document_id, CANCELLED, utcnow())
    return stocktake_view(session, document_id)


def stocktake_view(session: Session, document_id: int) -> dict[str, Any]:
    header = find_document(session, STOCKTAKE, document_id)
    moves = moves_of(session, header.number)
    lines = []
    for row in lines_of(session, document_id):
        line = CountLine(row.line_no, row.sku, row.book_quantity, row.quantity, row.counted_book)
        move = moves.get((MOVE_ADJUSTMENT, row.line_no))
        lines.append(
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "book_quantity": line.book_quantity,
                "counted_quantity": line.counted_quantity,
                "counted_at": row.counted_at,
                "book_at_count": row.counted_book,
                "difference": line.difference,
                "unit_cost": move.unit_cost if move is not None else None,
                "value": row.value,
                "value_fifo": row.value_fifo,
            }
        )
    return {
        "id": header.id,
        "number": header.number,
        "status": header.status,
        "warehouse_code": header.warehouse_code,
        "note": header.note,
        "currency": base_currency(),
        "lines": lines,
        "counted_lines": sum(1 for ln in lines if ln["counted_quantity"] is not None),
        "total_value": total(ln["value"] for ln in lines),
        "total_value_fifo": total(ln["value_fifo"] for ln in lines),
        "posted_at": header.updated_at if header.status == POSTED else None,
        "created_at": header.created_at,
        "updated_at": header.updated_at,
    }


def get_stocktake(db: Database, document_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return stocktake_view(session, document_id)


def list_stocktakes(
    session: Session,
    *,
    warehouse_code: str | None,
    status: str | None,
    sku: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Stocktakes, newest first, filtered by warehouse, status, SKU and when they were opened."""
    ids, total_count = stocktake_ids(
        session,
        warehouse_code=warehouse_code,
        status=status,
        sku=sku,
        date_from=date_from,
        date_to=date_to,
        page=page,
        page_size=page_size,
    )
    return [stocktake_view(session, document_id) for document_id in ids], total_count
