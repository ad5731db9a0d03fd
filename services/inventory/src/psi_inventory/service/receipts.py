"""Booking received goods into the ledger and balances (handler of purchasing.GoodsReceived.v1)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session

from psi_chassis.outbox import record_event
from psi_chassis.service import Event
from psi_chassis.types import utcnow
from psi_inventory.adapters.balances import lock_position, save_position
from psi_inventory.adapters.tables import stock_moves
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain.events import STOCK_RECEIVED

RECEIPT = "receipt"


def on_goods_received(session: Session, event: Event) -> None:
    """Book each line's accepted quantity at its base-currency cost; rejected quantities never enter stock.

    Lines are applied in (sku, line) order so concurrent receipts lock balance rows in one global order.
    Publishes inventory.StockReceived.v1 (with values) for finance, through the outbox.
    """
    data = event.data
    warehouse = data["warehouse_code"]
    recorded_at = utcnow()
    received_lines = []
    total = Decimal(0)
    for line in sorted(data["lines"], key=lambda ln: (ln["sku"], ln["line_no"])):
        quantity: Decimal = line["accepted_quantity"]
        if quantity <= 0:
            continue
        unit_cost: Decimal = line["unit_cost_base"]
        position = lock_position(session, line["sku"], warehouse)
        new_position, move_value = position.receive(quantity, unit_cost)
        session.execute(
            insert(stock_moves).values(
                sku=line["sku"],
                warehouse_code=warehouse,
                kind=RECEIPT,
                quantity=quantity,
                unit_cost=unit_cost,
                value=move_value,
                source_event_id=event.id,
                source_line=line["line_no"],
                document_ref=data["receipt_number"],
                occurred_at=data["received_at"],
                recorded_at=recorded_at,
            )
        )
        save_position(session, line["sku"], warehouse, new_position)
        received_lines.append({"sku": line["sku"], "quantity": quantity, "unit_cost": unit_cost, "value": move_value})
        total += move_value
    if not received_lines:
        return
    record_event(
        session,
        STOCK_RECEIVED,
        {
            "source_event_id": event.id,
            "document_ref": data["receipt_number"],
            "warehouse_code": warehouse,
            "occurred_at": data["received_at"],
            "currency": base_currency(),
            "lines": received_lines,
            "total_value": total,
        },
        source=SERVICE_NAME,
        subject=data["receipt_number"],
    )
