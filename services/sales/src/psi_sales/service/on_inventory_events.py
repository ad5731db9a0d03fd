"""Inventory's events that sales consumes (queue ``psi.sales.on_inventory_events``): the item and warehouse
replicas for now; the reservation saga's answers join this queue with the orders.

Every handler runs in the consumer's unit of work after the inbox claim, so a redelivery changes nothing, and none
commits. Each event carries the whole record with a ``version`` one higher per change; the newest version wins
(``psi_chassis.replica_store.upsert_newest``), so a late or repeated event changes nothing either.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from psi_chassis.service import Event
from psi_sales.adapters import replica


def on_item_snapshot(session: Session, event: Event) -> None:
    """ItemCreated / ItemUpdated: keep the newest snapshot (the category is what pricing's category rules match)."""
    data = event.data
    replica.upsert_item(
        session,
        {
            "sku": data["sku"],
            "name": data["name"],
            "unit_of_measure": data["unit_of_measure"],
            "category": data.get("category"),
            "active": bool(data["active"]),
            "version": int(data["version"]),
            "updated_at": data["changed_at"],
        },
    )


def on_warehouse_snapshot(session: Session, event: Event) -> None:
    """WarehouseCreated / WarehouseUpdated: keep the newest snapshot."""
    data = event.data
    replica.upsert_warehouse(
        session,
        {
            "code": data["code"],
            "name": data["name"],
            "active": bool(data["active"]),
            "version": int(data["version"]),
            "updated_at": data["changed_at"],
        },
    )
