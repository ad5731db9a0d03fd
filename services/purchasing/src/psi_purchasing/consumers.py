"""Which incoming event types map to which handlers (one queue per handler, one handler per producer).

Inventory's events share one queue: the item master and warehouse changes, low-stock crossings and the answers
to purchase returns. One queue keeps one item's (or warehouse's) events in the order inventory published them,
and a return's answer can never overtake the warehouse change before it. Finance's exchange rates have a queue
of their own (``on_finance_events``): nothing orders them against inventory's events, and a slow or stopped
finance never holds up the item master.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.service import Event, EventHandler
from psi_contracts.events.finance import EXCHANGE_RATE_SET_V1
from psi_contracts.events.inventory import (
    ITEM_CREATED_V1,
    ITEM_UPDATED_V1,
    STOCK_BELOW_REORDER_POINT_V1,
    SUPPLIER_RETURN_ISSUED_V1,
    SUPPLIER_RETURN_REJECTED_V1,
    WAREHOUSE_CREATED_V1,
    WAREHOUSE_UPDATED_V1,
)
from psi_purchasing.service.on_finance_events import on_exchange_rate_set
from psi_purchasing.service.on_inventory_events import (
    apply_item_snapshot,
    apply_warehouse_snapshot,
    on_stock_below_reorder_point,
    on_supplier_return_issued,
    on_supplier_return_rejected,
)


def _data(apply: Callable[[Session, Mapping[str, Any]], Any]) -> Callable[[Session, Event], None]:
    def handle(session: Session, event: Event) -> None:
        apply(session, event.data)

    return handle


ON_INVENTORY_EVENTS: dict[str, Callable[[Session, Event], Any]] = {
    ITEM_CREATED_V1: _data(apply_item_snapshot),
    ITEM_UPDATED_V1: _data(apply_item_snapshot),
    WAREHOUSE_CREATED_V1: _data(apply_warehouse_snapshot),
    WAREHOUSE_UPDATED_V1: _data(apply_warehouse_snapshot),
    STOCK_BELOW_REORDER_POINT_V1: on_stock_below_reorder_point,
    SUPPLIER_RETURN_ISSUED_V1: on_supplier_return_issued,
    SUPPLIER_RETURN_REJECTED_V1: on_supplier_return_rejected,
}


ON_FINANCE_EVENTS: dict[str, Callable[[Session, Event], Any]] = {
    EXCHANGE_RATE_SET_V1: on_exchange_rate_set,
}


HANDLERS: tuple[EventHandler, ...] = (
    EventHandler("on_inventory_events", ON_INVENTORY_EVENTS),
    EventHandler("on_finance_events", ON_FINANCE_EVENTS),
)
