"""Replenishment: ``inventory.StockBelowReorderPoint.v1`` raises a draft requisition for the SKU and
warehouse.

Never a second open draft for one SKU and warehouse: the draft holds ``replenish_key = "sku|warehouse"``
under a UNIQUE constraint and is inserted with ON CONFLICT DO NOTHING, so a repeated event or a second
crossing while the draft is open creates nothing. Submitting or cancelling the draft clears the key
(service/requisitions).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from psi_chassis.decimals import MAX_AMOUNT, ONE, ZERO, plain, q6
from psi_chassis.service import Event, PoisonMessage
from psi_chassis.types import utcnow
from psi_purchasing.service.requisitions import (
    SYSTEM,
    RequisitionSource,
    best_price,
    insert_requisition,
    replenish_key,
)

#: Department of the drafts replenishment raises (a later setting may name another one).
REPLENISHMENT_DEPARTMENT = "replenishment"


def replenish_quantity(
    reorder_quantity: Decimal | None, reorder_point: Decimal, available: Decimal, safety_stock: Decimal
) -> Decimal:
    """How much to ask for: the item's reorder quantity; without one (0 or absent), enough to bring available
    stock back to the reorder point plus the safety stock, and at least 1."""
    if reorder_quantity is not None and reorder_quantity > ZERO:
        return q6(reorder_quantity)
    return max(q6(reorder_point - available + safety_stock), ONE)


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
    if quantity >= MAX_AMOUNT:
        raise PoisonMessage(f"replenishment quantity {quantity} for {sku} in {warehouse} is out of range")
    now = utcnow()
    price = best_price(session, sku, quantity, now.date())
    note = (
        f"low stock: available {plain(data['available'])} below reorder point {plain(data['reorder_point'])}"
        f" in {warehouse}"
    )
    return insert_requisition(
        session,
        department=department,
        requester=SYSTEM,
        source=RequisitionSource.REPLENISHMENT,
        note=note,
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
