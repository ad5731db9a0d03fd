"""The documents of other services inventory booked or refused, as rows of ``source_documents``: written with
the consumer's batch (one row per event applied), and listed for a clerk (``GET /receipts``, ``GET /returns``).

A listed document shows its header from here and its lines from the moves the event booked
(``stock_moves.source_event_id``), or, for a refused document, the lines it refused with what was available,
kept as JSON beside the reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from psi_chassis.bulk import insert_rows
from psi_chassis.paging import count_rows, page_window
from psi_inventory.adapters.tables import source_documents, stock_moves
from psi_inventory.domain.source_documents import SourceDocument


def document_row(
    doc: SourceDocument,
    status: str,
    reason_code: str | None = None,
    reason: str | None = None,
    refused_lines: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """The row of one document applied; a refusal keeps the lines it refused as JSON (decimals as strings)."""
    refused = None
    if refused_lines is not None:
        refused = json.dumps(
            [{k: str(v) if isinstance(v, Decimal) else v for k, v in ln.items()} for ln in refused_lines]
        )
    return {
        "kind": doc.kind,
        "number": doc.number,
        "reference": doc.reference,
        "warehouse_code": doc.warehouse_code,
        "status": status,
        "reason_code": reason_code,
        "reason": reason,
        "refused_lines": refused,
        "occurred_at": doc.occurred_at,
        "source_event_id": doc.event_id,
    }


def insert_documents(session: Session, rows: Sequence[Mapping[str, Any]], recorded_at: datetime) -> None:
    """Every document a batch applied, with one statement whatever their number."""
    insert_rows(session, source_documents, [{**row, "recorded_at": recorded_at} for row in rows])


# --- reads --------------------------------------------------------------------------------------------------


def list_documents(
    session: Session,
    kinds: Sequence[str],
    *,
    sku: str | None,
    warehouse_code: str | None,
    status: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Documents of ``kinds``, newest business time first, each with its lines."""
    query = select(source_documents).where(source_documents.c.kind.in_(kinds))
    if warehouse_code:
        query = query.where(source_documents.c.warehouse_code == warehouse_code)
    if status:
        query = query.where(source_documents.c.status == status)
    if date_from is not None:
        query = query.where(source_documents.c.occurred_at >= date_from)
    if date_to is not None:
        query = query.where(source_documents.c.occurred_at <= date_to)
    if sku:
        moved = select(stock_moves.c.id).where(
            stock_moves.c.source_event_id == source_documents.c.source_event_id, stock_moves.c.sku == sku
        )
        refused = source_documents.c.refused_lines.contains(json.dumps(sku), autoescape=True)
        query = query.where(moved.exists() | refused)
    total = count_rows(session, query)
    rows = session.execute(
        page_window(
            query.order_by(source_documents.c.occurred_at.desc(), source_documents.c.id.desc()), page, page_size
        )
    ).all()
    lines = _lines(session, [r.source_event_id for r in rows])
    return [_view(r, lines.get(r.source_event_id, [])) for r in rows], int(total)


def _lines(session: Session, event_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The moves each event booked, by line (a receipt's or a return's line is its purchase order line)."""
    if not event_ids:
        return {}
    rows = session.execute(
        select(stock_moves)
        .where(stock_moves.c.source_event_id.in_(event_ids))
        .order_by(stock_moves.c.source_line, stock_moves.c.sku)
    ).all()
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r.source_event_id, []).append(
            {
                "line_no": r.source_line,
                "sku": r.sku,
                "quantity": abs(r.quantity),
                "unit_cost": r.unit_cost,
                "value": abs(r.value),
                "value_fifo": abs(r.value_fifo),
            }
        )
    return out


def _view(row: Any, lines: list[dict[str, Any]]) -> dict[str, Any]:
    refused = json.loads(row.refused_lines) if row.refused_lines else []
    return {
        "id": row.id,
        "kind": row.kind,
        "number": row.number,
        "reference": row.reference,
        "warehouse_code": row.warehouse_code,
        "status": row.status,
        "reason_code": row.reason_code,
        "reason": row.reason,
        "occurred_at": row.occurred_at,
        "recorded_at": row.recorded_at,
        "source_event_id": row.source_event_id,
        "lines": lines,
        "refused_lines": [
            {
                "line_no": ln["line_no"],
                "sku": ln["sku"],
                "requested_quantity": Decimal(ln["requested_quantity"]),
                "available_quantity": Decimal(ln["available_quantity"]),
            }
            for ln in refused
        ],
        "total_value": sum((ln["value"] for ln in lines), Decimal(0)),
        "total_value_fifo": sum((ln["value_fifo"] for ln in lines), Decimal(0)),
    }
