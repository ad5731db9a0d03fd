"""Which incoming event types map to which handlers (one queue per handler).

Inventory's item master changes and low-stock crossings share one queue, so one item's events are applied in
the order inventory published them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from psi_chassis.service import Event, EventHandler
from psi_contracts.events.inventory import (
    ITEM_CREATED_V1,
    ITEM_UPDATED_V1,
    STOCK_BELOW_REORDER_POINT_V1,
)
from psi_purchasing.service.replenishment import on_stock_below_reorder_point
from psi_purchasing.service.replica import apply_item_snapshot


def on_inventory_event(session: Session, event: Event) -> None:
    if event.type == STOCK_BELOW_REORDER_POINT_V1:
        on_stock_below_reorder_point(session, event)
    else:
        apply_item_snapshot(session, event.data)


HANDLERS: tuple[EventHandler, ...] = (
    EventHandler(
        "on_inventory_events",
        (ITEM_CREATED_V1, ITEM_UPDATED_V1, STOCK_BELOW_REORDER_POINT_V1),
        on_inventory_event,
    ),
)
