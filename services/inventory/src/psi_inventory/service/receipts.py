"""Purchasing's events: goods received into stock at cost; a supplier return requested (``supplier_returns.py``).

One queue for both, in the order purchasing published them, so a return is never applied before the receipt it
reverses.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from psi_chassis.outbox import record_event
from psi_chassis.service import Event
from psi_chassis.types import utcnow
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain import events
from psi_inventory.service.catalog import ensure_warehouse
from psi_inventory.service.event_time import fact_time
from psi_inventory.service.ledger import Ledger, Source
from psi_inventory.service.source_documents import RECEIPT, SourceDocument, record_booked


def on_goods_received(session: Session, event: Event) -> None:
    """Book each line's accepted quantity at its base-currency cost; rejected quantities never enter stock.

    Each receipt layer remembers its purchase order line, so a later return takes those goods back at their
    cost. A warehouse inventory does not list is created inactive (:func:`ensure_warehouse`): the goods are
    there, and refusing a fact would leave purchasing and inventory disagreeing. Publishes
    inventory.StockReceived.v1 (with values) for finance, through the outbox.
    """
    data = event.data
    warehouse = data["warehouse_code"]
    lines = [ln for ln in sorted(data["lines"], key=lambda ln: (ln["sku"], ln["line_no"]))
             if ln["accepted_quantity"] > 0]
    if not lines:
        return
    occurred_at = fact_time(event, data["received_at"], utcnow())
    ensure_warehouse(session, warehouse, data["receipt_number"])
    ledger = Ledger(session)
    received_lines = []
    total = Decimal(0)
    for line in lines:
        quantity: Decimal = line["accepted_quantity"]
        posted = ledger.receive(
            line["sku"], warehouse, RECEIPT, quantity, line["unit_cost_base"],
            Source(occurred_at, data["receipt_number"], event.id, line["line_no"]),
            origin=(data["po_number"], line["line_no"]),
        )
        received_lines.append({"sku": line["sku"], "quantity": quantity, "unit_cost": line["unit_cost_base"],
                               "value": posted.value})
        total += posted.value
    record_booked(session, SourceDocument(RECEIPT, data["receipt_number"], data["po_number"], warehouse,
                                          occurred_at, event.id))
    record_event(session, events.STOCK_RECEIVED, {
        "source_event_id": event.id, "document_ref": data["receipt_number"], "warehouse_code": warehouse,
        "occurred_at": occurred_at, "currency": base_currency(), "lines": received_lines,
        "total_value": total,
    }, source=SERVICE_NAME, subject=data["receipt_number"])
