"""Which incoming event types map to which handlers (one queue per handler).

One queue per producer: inventory's events share ``on_inventory_events``, so one item's (or warehouse's) changes
are applied in the order inventory published them; finance's (customer balances, exchange rates) share
``on_finance_events``.
"""

from __future__ import annotations

from psi_chassis.service import EventHandler
from psi_contracts.events.finance import CUSTOMER_BALANCE_CHANGED_V1, EXCHANGE_RATE_SET_V1
from psi_contracts.events.inventory import (
    ITEM_CREATED_V1,
    ITEM_UPDATED_V1,
    RESERVATION_REJECTED_V1,
    SHIPMENT_REJECTED_V1,
    STOCK_RECEIVED_V1,
    STOCK_RESERVED_V1,
    WAREHOUSE_CREATED_V1,
    WAREHOUSE_UPDATED_V1,
)
from psi_sales.service.on_finance_events import on_customer_balance_changed, on_exchange_rate_set
from psi_sales.service.on_inventory_events import (
    on_item_snapshot,
    on_reservation_rejected,
    on_shipment_rejected,
    on_stock_received,
    on_stock_reserved,
    on_warehouse_snapshot,
)

HANDLERS: tuple[EventHandler, ...] = (
    EventHandler(
        "on_inventory_events",
        {
            ITEM_CREATED_V1: on_item_snapshot,
            ITEM_UPDATED_V1: on_item_snapshot,
            WAREHOUSE_CREATED_V1: on_warehouse_snapshot,
            WAREHOUSE_UPDATED_V1: on_warehouse_snapshot,
            STOCK_RESERVED_V1: on_stock_reserved,
            RESERVATION_REJECTED_V1: on_reservation_rejected,
            STOCK_RECEIVED_V1: on_stock_received,
            SHIPMENT_REJECTED_V1: on_shipment_rejected,
        },
    ),
    EventHandler(
        "on_finance_events",
        {
            CUSTOMER_BALANCE_CHANGED_V1: on_customer_balance_changed,
            EXCHANGE_RATE_SET_V1: on_exchange_rate_set,
        },
    ),
)
