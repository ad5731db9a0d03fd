"""Sales' events: reserve on confirmation, release on cancellation, issue on shipment, restock on return.

They arrive on one queue, in the order sales published them, so a cancellation never overtakes the
confirmation it cancels. A shipment inventory cannot issue is answered (ShipmentRejected), never dead-lettered.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from psi_chassis.outbox import record_event
from psi_chassis.service import Event
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import reservations as reservation_rows
from psi_inventory.adapters.tables import stock_balances, stock_moves
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain import events
from psi_inventory.domain.model import ZERO, q6
from psi_inventory.domain.shipments import (
    ShipmentLine,
    ShipmentRefusal,
    SkuStock,
    refuse_shipment,
    unknown_warehouse,
)
from psi_inventory.domain.valuation import ReturnedCost, cost_that_left
from psi_inventory.service import reservations
from psi_inventory.service.catalog import ensure_warehouse, warehouse_is_listed
from psi_inventory.service.event_time import fact_time
from psi_inventory.service.ledger import Ledger, Source
from psi_inventory.service.source_documents import CUSTOMER_RETURN as CUSTOMER_RETURN_DOC
from psi_inventory.service.source_documents import (
    SHIPMENT,
    SourceDocument,
    record_booked,
    record_rejected,
)

ISSUE = "issue"
CUSTOMER_RETURN = "customer_return"


def on_order_confirmed(session: Session, event: Event) -> None:
    data = event.data
    lines = [reservations.ReservationLine(ln["line_no"], ln["sku"], ln["quantity"]) for ln in data["lines"]]
    try:
        short = reservations.reserve(session, data["order_id"], data["warehouse_code"], lines)
    except reservations.AlreadyReserved:
        return  # the same order confirmed again: its reservation stands
    common = {"order_id": data["order_id"], "order_number": data["order_number"],
              "warehouse_code": data["warehouse_code"]}
    if short:
        record_event(session, events.RESERVATION_REJECTED, {**common, "short_lines": [
            {"line_no": s.line_no, "sku": s.sku, "requested_quantity": s.requested_quantity,
             "available_quantity": s.available_quantity} for s in short]},
            source=SERVICE_NAME, subject=data["order_number"])
    else:
        record_event(session, events.STOCK_RESERVED, {**common, "lines": [
            {"line_no": ln.line_no, "sku": ln.sku, "quantity": ln.quantity} for ln in lines]},
            source=SERVICE_NAME, subject=data["order_number"])


def on_order_cancelled(session: Session, event: Event) -> None:
    reservations.release(session, event.data["order_id"])


def on_order_shipped(session: Session, event: Event) -> None:
    """Issue a shipment whole from the order's reservation and publish its cost both ways; or refuse it whole.

    Every line must be covered by the order's reservation of its SKU in that warehouse and be on the shelf
    (``domain/shipments.py``); otherwise nothing moves and ShipmentRejected tells sales why.
    """
    data = event.data
    warehouse = data["warehouse_code"]
    occurred_at = fact_time(event, data["shipped_at"], utcnow())
    document = SourceDocument(SHIPMENT, data["shipment_number"], data["order_number"], warehouse, occurred_at,
                              event.id)
    lines = [ShipmentLine(ln["line_no"], ln["sku"], ln["quantity"]) for ln in data["lines"]]
    refusal = _shipment_refusal(session, data["order_id"], warehouse, lines)
    if refusal is not None:
        _reject_shipment(session, event, document, refusal)
        return
    ledger = Ledger(session)
    issued = []
    total_cost = Decimal(0)  # what the books removed, exactly (not unit cost × quantity, which rounds)
    for line in sorted(lines, key=lambda ln: (ln.sku, ln.line_no)):
        covered = reservations.take_for_shipment(session, data["order_id"], line.sku, warehouse, line.quantity)
        posted = ledger.issue(line.sku, warehouse, ISSUE, line.quantity,
                              Source(occurred_at, data["order_number"], event.id, line.line_no),
                              from_reserved=covered)
        issued.append({"line_no": line.line_no, "sku": line.sku, "quantity": line.quantity,
                       "cost_moving_average": -posted.value, "cost_fifo": -posted.value_fifo,
                       "unit_cost": posted.unit_cost})
        total_cost -= ledger.books_value(warehouse, posted)
    record_booked(session, document)
    record_event(session, events.STOCK_ISSUED, {
        "shipment_id": data["shipment_id"], "order_id": data["order_id"], "order_number": data["order_number"],
        "warehouse_code": warehouse, "occurred_at": occurred_at, "currency": base_currency(),
        "lines": sorted(issued, key=lambda ln: ln["line_no"]),
        "total_cost": total_cost,
    }, source=SERVICE_NAME, subject=data["order_number"])


def _shipment_refusal(session: Session, order_id: str, warehouse: str,
                      lines: list[ShipmentLine]) -> ShipmentRefusal | None:
    """Why the shipment cannot be issued, or None. Locks the order's reservation rows, then the balance rows
    in SKU order (the order every other path locks them in), so what it checked still holds when it issues."""
    if not warehouse_is_listed(session, warehouse):
        return unknown_warehouse(warehouse)
    skus = sorted({ln.sku for ln in lines})
    held: dict[str, Decimal] = {}
    for row in session.execute(
        select(reservation_rows.c.sku, reservation_rows.c.quantity, reservation_rows.c.consumed)
        .where(reservation_rows.c.reference == order_id, reservation_rows.c.warehouse_code == warehouse,
               reservation_rows.c.sku.in_(skus), reservation_rows.c.status == reservations.ACTIVE)
        .order_by(reservation_rows.c.sku, reservation_rows.c.line_no).with_for_update()
    ).all():
        held[row.sku] = held.get(row.sku, ZERO) + row.quantity - row.consumed
    balances = {r.sku: r for r in session.execute(
        select(stock_balances.c.sku, stock_balances.c.on_hand, stock_balances.c.reserved)
        .where(stock_balances.c.warehouse_code == warehouse, stock_balances.c.sku.in_(skus))
        .order_by(stock_balances.c.sku).with_for_update()
    ).all()}
    stock = {sku: SkuStock(held.get(sku, ZERO), balances[sku].on_hand if sku in balances else ZERO,
                           balances[sku].reserved if sku in balances else ZERO) for sku in skus}
    return refuse_shipment(lines, stock)


def _reject_shipment(session: Session, event: Event, document: SourceDocument, refusal: ShipmentRefusal) -> None:
    refused = [{"line_no": ln.line_no, "sku": ln.sku, "requested_quantity": ln.requested_quantity,
                "reserved_quantity": ln.reserved_quantity, "available_quantity": ln.available_quantity}
               for ln in refusal.lines]
    record_rejected(session, document, refusal.reason_code, refusal.reason, refused)
    data = event.data
    record_event(session, events.SHIPMENT_REJECTED, {
        "source_event_id": event.id, "shipment_id": data["shipment_id"], "shipment_number": data["shipment_number"],
        "order_id": data["order_id"], "order_number": data["order_number"], "warehouse_code": document.warehouse_code,
        "occurred_at": utcnow(), "reason_code": refusal.reason_code, "reason": refusal.reason, "lines": refused,
    }, source=SERVICE_NAME, subject=data["order_number"])


def _cost_that_left(session: Session, order_number: str, sku: str) -> ReturnedCost | None:
    """What the order's shipments of ``sku`` cost per unit under each method, wherever they left from."""
    quantity, value, value_fifo = session.execute(
        select(func.sum(stock_moves.c.quantity), func.sum(stock_moves.c.value), func.sum(stock_moves.c.value_fifo))
        .where(stock_moves.c.document_ref == order_number, stock_moves.c.sku == sku, stock_moves.c.kind == ISSUE)
    ).one()
    if not quantity:
        return None
    return cost_that_left(-Decimal(quantity), -Decimal(value), -Decimal(value_fifo))


def on_return_received(session: Session, event: Event) -> None:
    """Restock returned goods at what they cost when they left, per method (the current cost if unknown).

    Moving average gets back ``quantity × the moving-average cost that left``, FIFO a new layer at the FIFO
    cost that left: a FIFO warehouse books back the FIFO cost, not the moving average of the shipment.
    """
    data = event.data
    warehouse = data["warehouse_code"]
    occurred_at = fact_time(event, data["received_at"], utcnow())
    ensure_warehouse(session, warehouse, data["return_number"])
    ledger = Ledger(session)
    method = ledger.method_of(warehouse)
    for line in sorted(data["lines"], key=lambda ln: (ln["sku"], ln["line_no"])):
        quantity: Decimal = line["quantity"]
        cost = _cost_that_left(session, data["order_number"], line["sku"])
        if cost is None:
            current = ledger.current_unit_cost(line["sku"], warehouse)
            cost = ReturnedCost(current, current)
        ledger.receive(line["sku"], warehouse, CUSTOMER_RETURN, quantity, cost.for_method(method),
                       Source(occurred_at, data["return_number"], event.id, line["line_no"],
                              reason_code="customer_return"),
                       fifo_layers=[(quantity, cost.fifo)], value=q6(quantity * cost.moving_average))
    record_booked(session, SourceDocument(CUSTOMER_RETURN_DOC, data["return_number"], data["order_number"],
                                          warehouse, occurred_at, event.id))
