"""Which incoming event types map to which handlers (one queue per producer, so each producer's order is kept)."""

from __future__ import annotations

from psi_chassis.service import EventHandler
from psi_contracts.events.inventory import (
    RETURN_RESTOCKED_V1,
    STOCK_ADJUSTED_V1,
    STOCK_ISSUED_V1,
    STOCK_RECEIVED_V1,
    STOCK_TRANSFERRED_V1,
    SUPPLIER_RETURN_ISSUED_V1,
    WAREHOUSE_CREATED_V1,
    WAREHOUSE_UPDATED_V1,
)
from psi_contracts.events.purchasing import (
    GOODS_RECEIVED_V1,
    GOODS_RETURNED_V1,
    PURCHASE_ORDER_APPROVED_V1,
    PURCHASE_ORDER_CANCELLED_V1,
    PURCHASE_ORDER_SHORT_CLOSED_V1,
)
from psi_contracts.events.sales import ORDER_SHIPPED_V1, RETURN_RECEIVED_V1
from psi_finance.service.on_inventory_events import (
    on_return_restocked,
    on_stock_adjusted,
    on_stock_issued,
    on_stock_received,
    on_stock_transferred,
    on_supplier_return_issued,
    on_warehouse_snapshot,
)
from psi_finance.service.on_purchasing_events import (
    on_goods_received,
    on_goods_returned,
    on_purchase_order_approved,
    on_purchase_order_cancelled,
    on_purchase_order_short_closed,
)
from psi_finance.service.on_sales_events import on_order_shipped, on_return_received

HANDLERS: tuple[EventHandler, ...] = (
    EventHandler(
        "on_inventory_events",
        {
            STOCK_RECEIVED_V1: on_stock_received,
            STOCK_ISSUED_V1: on_stock_issued,
            STOCK_ADJUSTED_V1: on_stock_adjusted,
            SUPPLIER_RETURN_ISSUED_V1: on_supplier_return_issued,
            RETURN_RESTOCKED_V1: on_return_restocked,
            STOCK_TRANSFERRED_V1: on_stock_transferred,
            WAREHOUSE_CREATED_V1: on_warehouse_snapshot,
            WAREHOUSE_UPDATED_V1: on_warehouse_snapshot,
        },
    ),
    EventHandler("on_sales_events", {ORDER_SHIPPED_V1: on_order_shipped, RETURN_RECEIVED_V1: on_return_received}),
    EventHandler(
        "on_purchasing_events",
        {
            PURCHASE_ORDER_APPROVED_V1: on_purchase_order_approved,
            GOODS_RECEIVED_V1: on_goods_received,
            GOODS_RETURNED_V1: on_goods_returned,
            PURCHASE_ORDER_CANCELLED_V1: on_purchase_order_cancelled,
            PURCHASE_ORDER_SHORT_CLOSED_V1: on_purchase_order_short_closed,
        },
    ),
)
