"""Purchasing's events: goods received into stock at cost; a supplier return requested (the return saga).

Both arrive on one queue, in the order purchasing published them, so a return is never applied before the receipt
it reverses. Each handler takes every consecutive event of its type in a batch and posts them one after the
other through the batch's stock book (``posting_batch.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import ZERO
from psi_chassis.service import Event, batched
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import (
    INSUFFICIENT_STOCK,
    STOCK_RECEIVED_V1,
    SUPPLIER_RETURN_ISSUED_V1,
    SUPPLIER_RETURN_REJECTED_V1,
    UNKNOWN_SKU,
    UNKNOWN_WAREHOUSE,
)
from psi_inventory.config import base_currency
from psi_inventory.domain import moves
from psi_inventory.domain.source_documents import RECEIPT, SUPPLIER_RETURN, SourceDocument
from psi_inventory.domain.stock_book import Position, Source
from psi_inventory.domain.supplier_returns import (
    RefusedLine,
    ReturnLine,
    short_lines,
    unknown_skus,
)
from psi_inventory.service.event_time import fact_time
from psi_inventory.service.posting_batch import PostingBatch

#: The reason code on a supplier return's moves.
RETURN_REASON = "supplier_return"


@batched
def on_goods_received(batch: PostingBatch, received: Sequence[Event]) -> None:
    """Book each line's accepted quantity at its base-currency cost; rejected quantities never enter stock.

    Each receipt layer remembers its purchase order line, so a later return takes those goods back at their
    cost. A warehouse inventory does not list is created inactive: the goods are there, and refusing a fact
    would leave purchasing and inventory disagreeing. Publishes inventory.StockReceived.v1 (with values).
    """
    for event in batch.each(received):
        _receive(batch, event)


def _receive(batch: PostingBatch, event: Event) -> None:
    data = event.data
    warehouse = data["warehouse_code"]
    lines = [
        ln for ln in sorted(data["lines"], key=lambda ln: (ln["sku"], ln["line_no"])) if ln["accepted_quantity"] > 0
    ]
    if not lines:
        return
    occurred_at = fact_time(event, data["received_at"], batch.stock.recorded_at)
    batch.ensure_listed(warehouse, data["receipt_number"])
    received_lines = []
    total = Decimal(0)
    for line in lines:
        posted = batch.stock.receive(
            line["sku"],
            warehouse,
            moves.RECEIPT,
            line["accepted_quantity"],
            line["unit_cost_base"],
            Source(occurred_at, data["receipt_number"], event.id, line["line_no"]),
            origin=(data["po_number"], line["line_no"]),
        )
        received_lines.append(
            {
                "sku": line["sku"],
                "quantity": line["accepted_quantity"],
                "unit_cost": line["unit_cost_base"],
                "value": posted.value,
            }
        )
        total += posted.value
    batch.booked(SourceDocument(RECEIPT, data["receipt_number"], data["po_number"], warehouse, occurred_at, event.id))
    batch.record(
        STOCK_RECEIVED_V1,
        {
            "source_event_id": event.id,
            "document_ref": data["receipt_number"],
            "warehouse_code": warehouse,
            "occurred_at": occurred_at,
            "currency": base_currency(),
            "lines": received_lines,
            "total_value": total,
        },
        data["receipt_number"],
    )


@batched
def on_goods_return_requested(batch: PostingBatch, requested: Sequence[Event]) -> None:
    """Issue every line at its receipt cost and publish SupplierReturnIssued, or refuse it whole.

    A business refusal is an answer (``inventory.SupplierReturnRejected.v1``), never a dead letter, so
    purchasing marks the return refused and the two services always agree. The rules are in
    ``domain/supplier_returns.py``.
    """
    for event in batch.each(requested):
        _issue_return(batch, event)


def _issue_return(batch: PostingBatch, event: Event) -> None:
    data = event.data
    warehouse = data["warehouse_code"]
    occurred_at = fact_time(event, data["requested_at"], batch.stock.recorded_at)
    lines = [ReturnLine(ln["line_no"], ln["sku"], ln["quantity"], ln["unit_cost_base"]) for ln in data["lines"]]
    document = SourceDocument(
        SUPPLIER_RETURN, data["return_number"], data["po_number"], warehouse, occurred_at, event.id
    )
    refusal = _refusal(batch, warehouse, lines)
    if refusal is not None:
        _reject(batch, event, document, *refusal)
        return
    issued = _issue_lines(batch, event, warehouse, occurred_at, lines)
    batch.booked(document)
    batch.record(
        SUPPLIER_RETURN_ISSUED_V1,
        {
            "source_event_id": event.id,
            "return_id": data["return_id"],
            "return_number": data["return_number"],
            "po_number": data["po_number"],
            "warehouse_code": warehouse,
            "occurred_at": occurred_at,
            "currency": base_currency(),
            "lines": [ln for ln, _ in sorted(issued, key=lambda i: i[0]["line_no"])],
            "total_value": sum((books for _, books in issued), ZERO),
        },
        data["return_number"],
    )


def _issue_lines(
    batch: PostingBatch, event: Event, warehouse: str, occurred_at: datetime, lines: Sequence[ReturnLine]
) -> list[tuple[dict[str, Any], Decimal]]:
    """Issue each line at its receipt cost, in (sku, line) order: the event line and the value the books lost."""
    data = event.data
    issued = []
    for line in sorted(lines, key=lambda ln: (ln.sku, ln.line_no)):
        posted, _own = batch.stock.issue_supplier_return(
            line.sku,
            warehouse,
            moves.SUPPLIER_RETURN,
            line.quantity,
            Source(occurred_at, data["return_number"], event.id, line.line_no, reason_code=RETURN_REASON),
            receipt_cost=line.unit_cost,
            po_number=data["po_number"],
            po_line=line.line_no,
        )
        issued.append(
            (
                {
                    "line_no": line.line_no,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "unit_cost": posted.unit_cost,
                    "value": -posted.value,
                    "value_fifo": -posted.value_fifo,
                },
                -batch.stock.books_value(warehouse, posted),
            )
        )
    return issued


def _refusal(
    batch: PostingBatch, warehouse: str, lines: Sequence[ReturnLine]
) -> tuple[str, str, list[RefusedLine]] | None:
    """Why the return cannot be issued (reason code, reason, lines), or None."""
    if warehouse not in batch.listed:
        return UNKNOWN_WAREHOUSE, f"warehouse {warehouse} is not in inventory's list of warehouses", []
    stocked = {sku for (sku, wh), pos in batch.stock.positions.items() if wh == warehouse and pos.known}
    unknown = unknown_skus(lines, stocked | batch.known_skus)
    if unknown:
        names = ", ".join(sorted({ln.sku for ln in unknown}))
        return UNKNOWN_SKU, f"{names}: not in the item master and never stocked in {warehouse}", unknown
    positions = {ln.sku: batch.stock.positions.get((ln.sku, warehouse)) for ln in lines}
    short = short_lines(lines, {sku: pos.available for sku, pos in positions.items() if pos is not None})
    if not short:
        return None
    reason = "; ".join(
        f"{ln.sku} in {warehouse}: cannot take {ln.requested_quantity}, only {ln.available_quantity} available"
        f" (on hand {_held(positions[ln.sku])})"
        for ln in short
    )
    return INSUFFICIENT_STOCK, reason, short


def _held(pos: Position | None) -> str:
    return f"{pos.on_hand}, reserved {pos.reserved}" if pos is not None else f"{ZERO}, reserved {ZERO}"


def _reject(
    batch: PostingBatch, event: Event, document: SourceDocument, reason_code: str, reason: str, lines: list[RefusedLine]
) -> None:
    refused: list[dict[str, Any]] = [
        {
            "line_no": ln.line_no,
            "sku": ln.sku,
            "requested_quantity": ln.requested_quantity,
            "available_quantity": ln.available_quantity,
        }
        for ln in lines
    ]
    batch.rejected(document, reason_code, reason, refused)
    batch.record(
        SUPPLIER_RETURN_REJECTED_V1,
        {
            "source_event_id": event.id,
            "return_id": event.data["return_id"],
            "return_number": document.number,
            "warehouse_code": document.warehouse_code,
            "occurred_at": utcnow(),
            "reason_code": reason_code,
            "reason": reason,
            "lines": refused,
        },
        document.number,
    )
