"""Manual stock adjustments (damage, goods found, write-offs, ...): ADJ-000001.

One request is one document and one ``inventory.StockAdjusted.v1``, all in one transaction: a line that is
refused (an unknown SKU, a removal beyond what is available) leaves nothing behind. The document's pieces
(:func:`open_adjustment`, :func:`add_adjusted_lines`, :func:`adjusted_event`) also serve the stocktakes and the
write-off of damaged customer returns (``on_sales_events.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.decimals import ZERO, q6
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import STOCK_ADJUSTED_V1
from psi_inventory.adapters.documents import (
    add_lines,
    adjustment_ids,
    check_skus,
    check_warehouse,
    create_document,
    find_document,
    lines_of,
    moves_of,
)
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain.business_time import booked_time
from psi_inventory.domain.commands import PostAdjustment
from psi_inventory.domain.documents import (
    ADJUSTMENT,
    MOVE_ADJUSTMENT,
    POSTED,
    RuleViolation,
    add_error,
    adjustment_line_errors,
    gain_value_problem,
    total,
)
from psi_inventory.domain.errors import StockRuleViolation, insufficient
from psi_inventory.service.ledger import Ledger, Posted, Source


@dataclass
class AdjustedLine:
    """One adjusted line as booked, for the document line, the event and the response."""

    line_no: int
    sku: str
    quantity: Decimal
    posted: Posted = field(repr=False)

    def document_line(self) -> dict[str, Any]:
        return {
            "line_no": self.line_no,
            "sku": self.sku,
            "quantity": self.quantity,
            "value": self.posted.value,
            "value_fifo": self.posted.value_fifo,
        }

    def event_line(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "quantity": self.quantity,
            "unit_cost": self.posted.unit_cost,
            "value": self.posted.value,
            "value_fifo": self.posted.value_fifo,
        }


def post_adjustment(db: Database, cmd: PostAdjustment) -> dict[str, Any]:
    """Check, book every line through the ledger, store the document and record the event, in one transaction."""
    return run_command(db, lambda session: _post(session, cmd))


def _post(session: Session, cmd: PostAdjustment) -> dict[str, Any]:
    errors = adjustment_line_errors(cmd.lines)
    check_warehouse(session, cmd.warehouse_code, "warehouse_code", errors)
    check_skus(session, [ln.sku for ln in cmd.lines], "lines", errors)
    if errors:
        raise RuleViolation("the adjustment is not valid; see errors", errors=errors)

    now = utcnow()
    occurred_at = booked_time(cmd.occurred_at or now, now)
    document_id, number = open_adjustment(session, cmd.warehouse_code, now, cmd.reason_code, cmd.note)
    postings = apply_differences(
        session,
        cmd.warehouse_code,
        [Correction(i + 1, ln.sku, ln.quantity, ln.unit_cost) for i, ln in enumerate(cmd.lines)],
        Source(occurred_at, number, reason_code=cmd.reason_code),
        field_name="lines",
        quantity_name="quantity",
    )
    add_adjusted_lines(session, document_id, postings)
    record_adjusted(session, document_id, number, cmd.warehouse_code, occurred_at, cmd.reason_code, postings)
    return adjustment_view(session, document_id)


def open_adjustment(
    session: Session, warehouse: str, now: datetime, reason_code: str, note: str | None
) -> tuple[int, str]:
    """The header of a posted adjustment, numbered (ADJ-000001) before its moves are booked under that number."""
    return create_document(session, ADJUSTMENT, POSTED, warehouse, now, reason_code=reason_code, note=note)


def add_adjusted_lines(session: Session, document_id: int, lines: Sequence[AdjustedLine]) -> None:
    add_lines(session, document_id, [line.document_line() for line in lines])


@dataclass(frozen=True)
class Correction:
    """One signed correction to book: positive adds stock (at ``unit_cost`` or the current cost), negative
    removes it. ``occurred_at`` is its own business time (a stocktake line's count time), else the source's."""

    line_no: int
    sku: str
    quantity: Decimal
    unit_cost: Decimal | None = None
    occurred_at: datetime | None = None


def apply_differences(
    session: Session,
    warehouse: str,
    corrections: list[Correction],
    source: Source,
    *,
    field_name: str,
    quantity_name: str,
    may_take_reserved: bool = False,
) -> list[AdjustedLine]:
    """Book signed corrections as ``adjustment`` moves.

    In (sku) order, so concurrent postings lock balance rows in one global order. A gain is received at the
    given cost or else the current cost (:meth:`Ledger.current_unit_cost`); a loss is issued, valued by the
    ledger both ways, and may not take reserved stock (409 ``INSUFFICIENT_STOCK`` naming the line) unless
    ``may_take_reserved`` (a stocktake: the goods are gone). Returns the postings in line order.
    """
    ledger = Ledger(session)
    postings: list[AdjustedLine] = []
    for line in sorted(corrections, key=lambda ln: (ln.sku, ln.line_no)):
        line_source = Source(
            line.occurred_at or source.occurred_at,
            source.document_ref,
            line=line.line_no,
            reason_code=source.reason_code,
        )
        if line.quantity > ZERO:
            posted = _book_gain(ledger, warehouse, line, line_source, field_name, quantity_name)
        else:
            posted = _book_loss(ledger, warehouse, line, line_source, field_name, quantity_name, may_take_reserved)
        postings.append(AdjustedLine(line.line_no, line.sku, q6(line.quantity), posted))
    return sorted(postings, key=lambda p: p.line_no)


def _book_gain(
    ledger: Ledger, warehouse: str, line: Correction, source: Source, field_name: str, quantity_name: str
) -> Posted:
    """Stock found: received at the line's cost, or else the current cost, if its value fits the ledger."""
    cost = line.unit_cost if line.unit_cost is not None else ledger.current_unit_cost(line.sku, warehouse)
    problem = gain_value_problem(line.quantity, cost)
    if problem is not None:
        errors: dict[str, Any] = {}
        add_error(errors, field_name, problem, line.line_no - 1, quantity_name)
        raise RuleViolation("the value of a line is too large", errors=errors)
    return ledger.receive(line.sku, warehouse, MOVE_ADJUSTMENT, line.quantity, cost, source)


def _book_loss(
    ledger: Ledger,
    warehouse: str,
    line: Correction,
    source: Source,
    field_name: str,
    quantity_name: str,
    may_take_reserved: bool,
) -> Posted:
    """Stock missing: issued, valued both ways; a refusal is the 409 naming the line."""
    try:
        return ledger.issue(
            line.sku, warehouse, MOVE_ADJUSTMENT, -line.quantity, source, may_take_reserved=may_take_reserved
        )
    except StockRuleViolation as exc:
        raise insufficient(exc, field_name, line.line_no - 1, quantity_name) from exc


def record_adjusted(
    session: Session,
    document_id: int,
    number: str,
    warehouse: str,
    occurred_at: datetime,
    reason_code: str,
    postings: list[AdjustedLine],
) -> str | None:
    """inventory.StockAdjusted.v1 for the postings (none when nothing moved); returns the event id."""
    if not postings:
        return None
    ledger = Ledger(session)
    return record_event(
        session,
        STOCK_ADJUSTED_V1,
        adjusted_event(
            document_id,
            number,
            warehouse,
            occurred_at,
            reason_code,
            postings,
            lambda posted: ledger.books_value(warehouse, posted),
        ),
        source=SERVICE_NAME,
        subject=number,
    )


def adjusted_event(
    document_id: int,
    number: str,
    warehouse: str,
    occurred_at: datetime,
    reason_code: str,
    lines: Sequence[AdjustedLine],
    books_value: Callable[[Posted], Decimal],
) -> dict[str, Any]:
    """The data of inventory.StockAdjusted.v1: every line both ways, ``total_value`` in the books' method."""
    return {
        "adjustment_id": str(document_id),
        "document_ref": number,
        "warehouse_code": warehouse,
        "occurred_at": occurred_at,
        "reason_code": reason_code,
        "currency": base_currency(),
        "lines": [line.event_line() for line in lines],
        "total_value": total(books_value(line.posted) for line in lines),
    }


def adjustment_view(session: Session, document_id: int) -> dict[str, Any]:
    header = find_document(session, ADJUSTMENT, document_id)
    moves = moves_of(session, header.number)
    lines = []
    occurred_at = None
    for line in lines_of(session, document_id):
        move = moves.get((MOVE_ADJUSTMENT, line.line_no))
        occurred_at = occurred_at or (move.occurred_at if move is not None else None)
        lines.append(
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_cost": move.unit_cost if move is not None else ZERO,
                "value": line.value,
                "value_fifo": line.value_fifo,
            }
        )
    return {
        "id": header.id,
        "number": header.number,
        "status": header.status,
        "warehouse_code": header.warehouse_code,
        "reason_code": header.reason_code,
        "note": header.note,
        "occurred_at": occurred_at or header.created_at,
        "currency": base_currency(),
        "lines": lines,
        "total_value": total(ln["value"] for ln in lines),
        "total_value_fifo": total(ln["value_fifo"] for ln in lines),
        "created_at": header.created_at,
    }


def get_adjustment(db: Database, document_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return adjustment_view(session, document_id)


def list_adjustments(
    session: Session,
    *,
    warehouse_code: str | None,
    reason_code: str | None,
    sku: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Adjustments, newest first, filtered by warehouse, reason, SKU and business time (``occurred_at``)."""
    ids, total_count = adjustment_ids(
        session,
        warehouse_code=warehouse_code,
        reason_code=reason_code,
        sku=sku,
        date_from=date_from,
        date_to=date_to,
        page=page,
        page_size=page_size,
    )
    return [adjustment_view(session, document_id) for document_id in ids], total_count
