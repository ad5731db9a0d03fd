"""Replenishment: ``inventory.StockBelowReorderPoint.v1`` raises a draft requisition for the SKU and
warehouse.

Never a second open draft for one SKU and warehouse: the draft holds ``replenish_key = "sku|warehouse"``
under a UNIQUE constraint and is inserted with ON CONFLICT DO NOTHING (adapters/requisitions.py), so a repeated
event or a second crossing while the draft is open creates nothing. Submitting or cancelling the draft clears
the key (service/requisitions.py). How much it asks for is domain/replenishment.py; the supplier it proposes,
the planning choice of domain/pricing.py.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from psi_chassis.decimals import ZERO
from psi_chassis.service import Event, PoisonMessage
from psi_chassis.types import utcnow
from psi_purchasing.adapters import prices
from psi_purchasing.adapters.requisitions import insert_requisition
from psi_purchasing.domain.pricing import planning_choice
from psi_purchasing.domain.replenishment import REPLENISHMENT_DEPARTMENT, in_range, low_stock_note

# The rule moved to domain/replenishment.py; the unit tests still import it from here.
from psi_purchasing.domain.replenishment import replenish_quantity as replenish_quantity
from psi_purchasing.domain.requisition import SYSTEM, RequisitionSource, replenish_key


def on_stock_below_reorder_point(
    session: Session, event: Event, department: str = REPLENISHMENT_DEPARTMENT
) -> int | None:
    """Raise the draft; its id, or None when an open draft for the SKU and warehouse already exists."""
    data = event.data
    sku, warehouse = data["sku"], data["warehouse_code"]
    quantity = replenish_quantity(
        data.get("reorder_quantity"),
        data["reorder_point"],
        data["available"],
        data.get("safety_stock") or ZERO,
    )
    if not in_range(quantity):
        raise PoisonMessage(f"replenishment quantity {quantity} for {sku} in {warehouse} is out of range")
    now = utcnow()
    on = now.date()
    price = planning_choice(prices.applicable_prices(session, sku, on, quantity, active_suppliers=True), on, quantity)
    return insert_requisition(
        session,
        department=department,
        requester=SYSTEM,
        source=RequisitionSource.REPLENISHMENT,
        note=low_stock_note(data["available"], data["reorder_point"], warehouse),
        lines=[
            {
                "sku": sku,
                "warehouse_code": warehouse,
                "quantity": quantity,
                "preferred_supplier_id": price.supplier_id if price is not None else None,
            }
        ],
        now=now,
        replenish_key=replenish_key(sku, warehouse),
    )
