"""Event types the inventory service publishes and consumes (schemas live in psi_contracts)."""

# published
STOCK_RECEIVED = "inventory.StockReceived.v1"
STOCK_ISSUED = "inventory.StockIssued.v1"
STOCK_RESERVED = "inventory.StockReserved.v1"
RESERVATION_REJECTED = "inventory.ReservationRejected.v1"
STOCK_ADJUSTED = "inventory.StockAdjusted.v1"
STOCK_BELOW_REORDER_POINT = "inventory.StockBelowReorderPoint.v1"
STOCK_TRANSFERRED = "inventory.StockTransferred.v1"
ITEM_CREATED = "inventory.ItemCreated.v1"
ITEM_UPDATED = "inventory.ItemUpdated.v1"

# consumed
GOODS_RECEIVED = "purchasing.GoodsReceived.v1"
GOODS_RETURNED = "purchasing.GoodsReturned.v1"
ORDER_CONFIRMED = "sales.OrderConfirmed.v1"
ORDER_CANCELLED = "sales.OrderCancelled.v1"
ORDER_SHIPPED = "sales.OrderShipped.v1"
RETURN_RECEIVED = "sales.ReturnReceived.v1"
