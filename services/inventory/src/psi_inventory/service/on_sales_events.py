"""Sales' events: reserve on confirmation, release on cancellation, issue on shipment, restock on return.

They arrive on one queue, in the order sales published them, so a cancellation never overtakes the confirmation
it cancels. Each handler takes every consecutive event of its type in a batch and posts them in order through
the batch's stock and reservation books (``posting_batch.py``). A shipment inventory cannot issue is answered
(ShipmentRejected), never dead-lettered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from psi_chassis.decimals import ZERO, q6
from psi_chassis.service import Event, batched
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import (
    RESERVATION_REJECTED_V1,
    RETURN_RESTOCKED_V1,
    SHIPMENT_REJECTED_V1,
    STOCK_ADJUSTED_V1,
    STOCK_ISSUED_V1,
    STOCK_RESERVED_V1,
)
from psi_inventory.config import base_currency
from psi_inventory.domain.commands import ReservationLine
from psi_inventory.domain.documents import RETURN_DAMAGED_REASON
from psi_inventory.domain.moves import ADJUSTMENT, CUSTOMER_RETURN, ISSUE
from psi_inventory.domain.reservation_book import FIRST_REVISION, Answer
from psi_inventory.domain.shipments import (
    ShipmentLine,
    ShipmentRefusal,
    SkuStock,
    refuse_shipment,
    unknown_warehouse,
)
from psi_inventory.domain.source_documents import CUSTOMER_RETURN as CUSTOMER_RETURN_DOC
from psi_inventory.domain.source_documents import SHIPMENT, SourceDocument, is_damaged
from psi_inventory.domain.stock_book import Posted, Source
from psi_inventory.domain.valuation import ReturnedCost, cost_that_left
from psi_inventory.service.adjustments import AdjustedLine, add_adjusted_lines, adjusted_event, open_adjustment
from psi_inventory.service.event_time import fact_time
from psi_inventory.service.posting_batch import PostingBatch


@batched
def on_order_confirmed(batch: PostingBatch, confirmed: Sequence[Event]) -> None:
    """Reserve every line or none for the confirmation's revision; answer StockReserved or ReservationRejected
    naming that revision (the reservation saga).

    A higher revision replaces the reservation of an older one, a repeat of the revision held is answered again,
    a stale one is ignored (``domain/reservation_book.py``, ``ReservationBook.confirm``).
    """
    for event in batch.each(confirmed):
        data = event.data
        lines = [ReservationLine(ln["line_no"], ln["sku"], ln["quantity"]) for ln in data["lines"]]
        revision = data.get("revision") or FIRST_REVISION
        answer = batch.reservations.confirm(data["order_id"], revision, data["warehouse_code"], lines)
        if answer is not None:
            _answer_confirmation(batch, data, answer)


def _answer_confirmation(batch: PostingBatch, data: Mapping[str, Any], answer: Answer) -> None:
    common = {
        "order_id": data["order_id"],
        "order_number": data["order_number"],
        "warehouse_code": data["warehouse_code"],
        "revision": answer.revision,
    }
    if answer.rejected:
        short_lines = [
            {
                "line_no": s.line_no,
                "sku": s.sku,
                "requested_quantity": s.requested_quantity,
                "available_quantity": s.available_quantity,
            }
            for s in answer.short
        ]
        batch.record(RESERVATION_REJECTED_V1, {**common, "short_lines": short_lines}, data["order_number"])
    else:
        lines = [{"line_no": ln.line_no, "sku": ln.sku, "quantity": ln.quantity} for ln in answer.reserved]
        batch.record(STOCK_RESERVED_V1, {**common, "lines": lines}, data["order_number"])


@batched
def on_order_cancelled(batch: PostingBatch, cancelled: Sequence[Event]) -> None:
    for event in batch.each(cancelled):
        batch.reservations.release(event.data["order_id"])


@batched
def on_order_shipped(batch: PostingBatch, shipped: Sequence[Event]) -> None:
    """Issue a shipment whole from the order's reservation and publish its cost both ways; or refuse it whole.

    Every line must be covered by the order's reservation of its SKU in that warehouse and be on the shelf
    (``domain/shipments.py``); otherwise nothing moves and ShipmentRejected tells sales why.
    """
    for event in batch.each(shipped):
        _ship(batch, event)


def _ship(batch: PostingBatch, event: Event) -> None:
    data = event.data
    warehouse = data["warehouse_code"]
    occurred_at = fact_time(event, data["shipped_at"], batch.stock.recorded_at)
    document = SourceDocument(SHIPMENT, data["shipment_number"], data["order_number"], warehouse, occurred_at, event.id)
    lines = [ShipmentLine(ln["line_no"], ln["sku"], ln["quantity"]) for ln in data["lines"]]
    refusal = _shipment_refusal(batch, data["order_id"], warehouse, lines)
    if refusal is not None:
        _reject_shipment(batch, event, document, refusal)
        return
    issued = []
    total_cost = Decimal(0)  # what the books removed, exactly (not unit cost × quantity, which rounds)
    for line in sorted(lines, key=lambda ln: (ln.sku, ln.line_no)):
        covered = batch.reservations.take_for_shipment(data["order_id"], line.sku, warehouse, line.quantity)
        posted = batch.stock.issue(
            line.sku,
            warehouse,
            ISSUE,
            line.quantity,
            Source(occurred_at, data["order_number"], event.id, line.line_no),
            from_reserved=covered,
        )
        issued.append(
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": line.quantity,
                "cost_moving_average": -posted.value,
                "cost_fifo": -posted.value_fifo,
                "unit_cost": posted.unit_cost,
            }
        )
        total_cost -= batch.stock.books_value(warehouse, posted)
    batch.booked(document)
    batch.record(
        STOCK_ISSUED_V1,
        {
            "shipment_id": data["shipment_id"],
            "order_id": data["order_id"],
            "order_number": data["order_number"],
            "warehouse_code": warehouse,
            "occurred_at": occurred_at,
            "currency": base_currency(),
            "lines": sorted(issued, key=lambda ln: ln["line_no"]),
            "total_cost": total_cost,
        },
        data["order_number"],
    )


def _shipment_refusal(
    batch: PostingBatch, order_id: str, warehouse: str, lines: list[ShipmentLine]
) -> ShipmentRefusal | None:
    """Why the shipment cannot be issued, or None."""
    if warehouse not in batch.listed:
        return unknown_warehouse(warehouse)
    held = batch.reservations.held_for(order_id, warehouse)
    stock = {}
    for sku in {ln.sku for ln in lines}:
        pos = batch.stock.positions.get((sku, warehouse))
        stock[sku] = SkuStock(held.get(sku, ZERO), pos.on_hand if pos else ZERO, pos.reserved if pos else ZERO)
    return refuse_shipment(lines, stock)


def _reject_shipment(batch: PostingBatch, event: Event, document: SourceDocument, refusal: ShipmentRefusal) -> None:
    refused = [
        {
            "line_no": ln.line_no,
            "sku": ln.sku,
            "requested_quantity": ln.requested_quantity,
            "reserved_quantity": ln.reserved_quantity,
            "available_quantity": ln.available_quantity,
        }
        for ln in refusal.lines
    ]
    batch.rejected(document, refusal.reason_code, refusal.reason, refused)
    data = event.data
    batch.record(
        SHIPMENT_REJECTED_V1,
        {
            "source_event_id": event.id,
            "shipment_id": data["shipment_id"],
            "shipment_number": data["shipment_number"],
            "order_id": data["order_id"],
            "order_number": data["order_number"],
            "warehouse_code": document.warehouse_code,
            "occurred_at": utcnow(),
            "reason_code": refusal.reason_code,
            "reason": refusal.reason,
            "lines": refused,
        },
        data["order_number"],
    )


@batched
def on_return_received(batch: PostingBatch, returned: Sequence[Event]) -> None:
    """Restock returned goods at what they cost when they left, per method (the current cost if unknown).

    Moving average gets back ``quantity × the moving-average cost that left``, FIFO a new layer at the FIFO
    cost that left: a FIFO warehouse books back the FIFO cost, not the moving average of the shipment. Damaged
    goods are received the same way and written off at once (:func:`_write_off_damaged`).
    """
    for event in batch.each(returned):
        _restock(batch, event)


def _restock(batch: PostingBatch, event: Event) -> None:
    data = event.data
    warehouse = data["warehouse_code"]
    occurred_at = fact_time(event, data["received_at"], batch.stock.recorded_at)
    batch.ensure_listed(warehouse, data["return_number"])
    method = batch.stock.method_of(warehouse)
    lines = sorted(data["lines"], key=lambda ln: (ln["sku"], ln["line_no"]))
    restocked: list[tuple[Mapping[str, Any], Posted]] = []
    for line in (ln for ln in lines if not is_damaged(ln)):
        quantity: Decimal = line["quantity"]
        cost = _returned_cost(batch, data["order_number"], line["sku"], warehouse)
        posted = batch.stock.receive(
            line["sku"],
            warehouse,
            CUSTOMER_RETURN,
            quantity,
            cost.for_method(method),
            _returned(event, occurred_at, line),
            fifo_layers=[(quantity, cost.fifo)],
            value=q6(quantity * cost.moving_average),
        )
        restocked.append((line, posted))
    damaged = [ln for ln in lines if is_damaged(ln)]
    write_off = _write_off_damaged(batch, event, occurred_at, damaged) if damaged else None
    if write_off is not None:
        restocked += write_off[0]
    _announce_restock(batch, event, occurred_at, restocked)
    if write_off is not None:  # announced after the restock it writes off
        batch.record(STOCK_ADJUSTED_V1, write_off[1], write_off[1]["document_ref"])
    batch.booked(
        SourceDocument(
            CUSTOMER_RETURN_DOC, data["return_number"], data["order_number"], warehouse, occurred_at, event.id
        )
    )


def _announce_restock(
    batch: PostingBatch, event: Event, occurred_at: datetime, restocked: list[tuple[Mapping[str, Any], Posted]]
) -> None:
    """ReturnRestocked: what came back into the books, line by line, for finance's Dr Inventory / Cr COGS."""
    data = event.data
    warehouse = data["warehouse_code"]
    lines = [
        {
            "line_no": line["line_no"],
            "sku": line["sku"],
            "quantity": posted.quantity,
            "unit_cost": posted.unit_cost,
            "value": posted.value,
            "value_fifo": posted.value_fifo,
        }
        for line, posted in sorted(restocked, key=lambda lp: lp[0]["line_no"])
    ]
    payload = {
        "source_event_id": event.id,
        "return_id": data["return_id"],
        "return_number": data["return_number"],
        "order_id": data["order_id"],
        "order_number": data["order_number"],
        "warehouse_code": warehouse,
        "occurred_at": occurred_at,
        "currency": base_currency(),
        "lines": lines,
        "total_value": sum((batch.stock.books_value(warehouse, posted) for _, posted in restocked), Decimal(0)),
    }
    batch.record(RETURN_RESTOCKED_V1, payload, data["order_number"])


def _write_off_damaged(
    batch: PostingBatch, event: Event, occurred_at: datetime, damaged: list[Mapping[str, Any]]
) -> tuple[list[tuple[Mapping[str, Any], Posted]], dict[str, Any]]:
    """Damaged goods back from a customer: received at the cost that left (so the books see the return at cost),
    then written off by an adjustment (ADJ-..., reason ``return_damaged``) removing exactly that; returns the
    moves that received them and the StockAdjusted the caller announces (so finance posts the loss). On hand
    ends where it was.

    The adjustment is numbered before its moves are booked, so each damaged return costs the batch three
    statements of its own (the header, its number, its lines), like an adjustment through the API.
    """
    data = event.data
    warehouse = data["warehouse_code"]
    note = f"damaged goods of customer return {data['return_number']} (order {data['order_number']})"
    document_id, number = open_adjustment(
        batch.session, warehouse, batch.stock.recorded_at, RETURN_DAMAGED_REASON, note
    )
    method = batch.stock.method_of(warehouse)
    written_off = []
    received: list[tuple[Mapping[str, Any], Posted]] = []
    for adjustment_line, line in enumerate(sorted(damaged, key=lambda ln: ln["line_no"]), start=1):
        quantity: Decimal = line["quantity"]
        cost = _returned_cost(batch, data["order_number"], line["sku"], warehouse)
        came_back, posted = batch.stock.receive_written_off(
            line["sku"],
            warehouse,
            CUSTOMER_RETURN,
            quantity,
            cost.for_method(method),
            _returned(event, occurred_at, line),
            fifo_layers=[(quantity, cost.fifo)],
            value=q6(quantity * cost.moving_average),
            write_off_kind=ADJUSTMENT,
            write_off=Source(occurred_at, number, line=adjustment_line, reason_code=RETURN_DAMAGED_REASON),
        )
        written_off.append(AdjustedLine(adjustment_line, line["sku"], posted.quantity, posted))
        received.append((line, came_back))
    add_adjusted_lines(batch.session, document_id, written_off)
    books_value = partial(batch.stock.books_value, warehouse)
    adjusted = adjusted_event(
        document_id, number, warehouse, occurred_at, RETURN_DAMAGED_REASON, written_off, books_value
    )
    return received, adjusted


def _returned(event: Event, occurred_at: datetime, line: Mapping[str, Any]) -> Source:
    """Where a customer return move comes from: the return, its event and line."""
    return Source(occurred_at, event.data["return_number"], event.id, line["line_no"], reason_code="customer_return")


def _returned_cost(batch: PostingBatch, order_number: str, sku: str, warehouse: str) -> ReturnedCost:
    """What the order's shipments of ``sku`` cost per unit under each method, wherever they left from; the
    current cost in ``warehouse`` when the order shipped none of it."""
    shipped = batch.shipped_cost(order_number, sku)
    if shipped is None:
        current = batch.stock.current_unit_cost(sku, warehouse)
        return ReturnedCost(current, current)
    quantity, value, value_fifo = shipped
    return cost_that_left(-quantity, -value, -value_fifo)
