"""Event types the inventory service publishes (schemas live in psi_contracts)."""

STOCK_RECEIVED = "inventory.StockReceived.v1"
GOODS_RECEIVED = "purchasing.GoodsReceived.v1"
