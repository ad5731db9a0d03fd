"""Sales' events: reserve on confirmation, release on cancellation, issue on shipment, restock on return.

They arrive on one queue, in the order sales published them, so a cancellation never overtakes the
confirmation it cancels.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from psi_chassis.consumer import PoisonMessage
from psi_chassis.outbox import record_event
from psi_chassis.service import Event
from psi_inventory.adapters.tables import stock_moves
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain import events
from psi_inventory.domain.model import ZERO, StockRuleViolation, q6
from psi_inventory.service import reservations
from psi_inventory.service.ledger import Ledger, Source

ISSUE = "issue"
CUSTOMER_RETURN = "customer_return"


def on_sales_order_event(session: Session, event: Event) -> None:
    handler = {
        events.ORDER_CONFIRMED: on_order_confirmed,
        events.ORDER_CANCELLED: on_order_cancelled,
        events.ORDER_SHIPPED: on_order_shipped,
        events.RETURN_RECEIVED: on_return_received,
    }[event.type]
    handler(session, event)


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
    """Issue what was shipped, consuming the order's reservation; publish the cost of goods both ways."""
    data = event.data
    ledger = Ledger(session)
    warehouse = data["warehouse_code"]
    lines = []
    total_cost = Decimal(0)  # what the books removed, exactly (not unit cost × quantity, which rounds)
    for line in sorted(data["lines"], key=lambda ln: (ln["sku"], ln["line_no"])):
        covered = reservations.take_for_shipment(session, data["order_id"], line["sku"], warehouse, line["quantity"])
        try:
            posted = ledger.issue(line["sku"], warehouse, ISSUE, line["quantity"],
                                  Source(data["shipped_at"], data["order_number"], event.id, line["line_no"]),
                                  from_reserved=covered)
        except StockRuleViolation as exc:
            raise PoisonMessage(f"shipment {data['shipment_number']} cannot be issued: {exc}") from exc
        lines.append({"line_no": line["line_no"], "sku": line["sku"], "quantity": line["quantity"],
                      "cost_moving_average": -posted.value, "cost_fifo": -posted.value_fifo,
                      "unit_cost": posted.unit_cost})
        total_cost -= ledger.books_value(warehouse, posted)
    record_event(session, events.STOCK_ISSUED, {
        "shipment_id": data["shipment_id"], "order_id": data["order_id"], "order_number": data["order_number"],
        "warehouse_code": warehouse, "occurred_at": data["shipped_at"], "currency": base_currency(),
        "lines": lines,
        "total_cost": total_cost,
    }, source=SERVICE_NAME, subject=data["order_number"])


def _original_unit_cost(session: Session, order_number: str, sku: str, warehouse: str) -> Decimal | None:
    """What the order's shipments of ``sku`` cost per unit (moving average), for restocking its returns."""
    quantity, value = session.execute(
        select(func.sum(stock_moves.c.quantity), func.sum(stock_moves.c.value))
        .where(stock_moves.c.document_ref == order_number, stock_moves.c.sku == sku,
               stock_moves.c.warehouse_code == warehouse, stock_moves.c.kind == ISSUE)
    ).one()
    if not quantity:
        return None
    return q6(Decimal(value) / Decimal(quantity))


def on_return_received(session: Session, event: Event) -> None:
    """Restock returned goods at what they cost when they left (the current cost if that is unknown)."""
    data = event.data
    ledger = Ledger(session)
    warehouse = data["warehouse_code"]
    for line in sorted(data["lines"], key=lambda ln: (ln["sku"], ln["line_no"])):
        cost = _original_unit_cost(session, data["order_number"], line["sku"], warehouse)
        if cost is None:
            cost = ledger.current_unit_cost(line["sku"], warehouse)
        ledger.receive(line["sku"], warehouse, CUSTOMER_RETURN, line["quantity"], max(cost, ZERO),
                       Source(data["received_at"], data["return_number"], event.id, line["line_no"],
                              reason_code="customer_return"))
