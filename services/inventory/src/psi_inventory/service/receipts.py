"""Purchasing's events: goods received into stock at cost, goods returned to the supplier."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from psi_chassis.consumer import PoisonMessage
from psi_chassis.outbox import record_event
from psi_chassis.service import Event
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain import events
from psi_inventory.domain.model import StockRuleViolation
from psi_inventory.service.ledger import Ledger, Source

RECEIPT = "receipt"
SUPPLIER_RETURN = "supplier_return"


def on_purchasing_event(session: Session, event: Event) -> None:
    """One queue for purchasing's events, so a return is never applied before the receipt it reverses."""
    if event.type == events.GOODS_RECEIVED:
        on_goods_received(session, event)
    elif event.type == events.GOODS_RETURNED:
        on_goods_returned(session, event)


def on_goods_received(session: Session, event: Event) -> None:
    """Book each line's accepted quantity at its base-currency cost; rejected quantities never enter stock.

    Publishes inventory.StockReceived.v1 (with values) for finance, through the outbox.
    """
    data = event.data
    warehouse = data["warehouse_code"]
    ledger = Ledger(session)
    received_lines = []
    total = Decimal(0)
    for line in sorted(data["lines"], key=lambda ln: (ln["sku"], ln["line_no"])):
        quantity: Decimal = line["accepted_quantity"]
        if quantity <= 0:
            continue
        posted = ledger.receive(
            line["sku"], warehouse, RECEIPT, quantity, line["unit_cost_base"],
            Source(data["received_at"], data["receipt_number"], event.id, line["line_no"]),
        )
        received_lines.append({"sku": line["sku"], "quantity": quantity, "unit_cost": line["unit_cost_base"],
                               "value": posted.value})
        total += posted.value
    if not received_lines:
        return
    record_event(session, events.STOCK_RECEIVED, {
        "source_event_id": event.id, "document_ref": data["receipt_number"], "warehouse_code": warehouse,
        "occurred_at": data["received_at"], "currency": base_currency(), "lines": received_lines,
        "total_value": total,
    }, source=SERVICE_NAME, subject=data["receipt_number"])


def on_goods_returned(session: Session, event: Event) -> None:
    """Issue returned goods back to the supplier, valued like any issue (the books' method)."""
    data = event.data
    ledger = Ledger(session)
    lines = []
    for line in sorted(data["lines"], key=lambda ln: (ln["sku"], ln["line_no"])):
        try:
            posted = ledger.issue(line["sku"], data["warehouse_code"], SUPPLIER_RETURN, line["quantity"],
                                  Source(data["returned_at"], data["return_number"], event.id, line["line_no"],
                                         reason_code="supplier_return"))
        except StockRuleViolation as exc:
            raise PoisonMessage(f"return {data['return_number']} cannot be issued: {exc}") from exc
        lines.append({"sku": line["sku"], "quantity": -line["quantity"], "unit_cost": posted.unit_cost,
                      "value": posted.value, "value_fifo": posted.value_fifo,
                      "books": ledger.books_value(data["warehouse_code"], posted)})
    record_event(session, events.STOCK_ADJUSTED, {
        "adjustment_id": event.id, "document_ref": data["return_number"], "warehouse_code": data["warehouse_code"],
        "occurred_at": data["returned_at"], "reason_code": "supplier_return", "currency": base_currency(),
        "lines": [{k: v for k, v in ln.items() if k != "books"} for ln in lines],
        "total_value": sum((ln["books"] for ln in lines), Decimal(0)),
    }, source=SERVICE_NAME, subject=data["return_number"])
