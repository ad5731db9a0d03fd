"""Business metrics of the purchasing service (the HTTP and messaging metrics come from the chassis)."""

from __future__ import annotations

from prometheus_client import Counter

PURCHASE_ORDERS_CREATED = Counter(
    "psi_purchasing_purchase_orders_created_total", "Purchase orders created (as drafts)."
)
GOODS_RECEIPTS_POSTED = Counter(
    "psi_purchasing_goods_receipts_posted_total",
    "Goods receipts posted (each publishes purchasing.GoodsReceived.v1).",
)
RETURN_REPLIES_IGNORED = Counter(
    "psi_purchasing_return_replies_ignored_total",
    "Inventory answers to a purchase return that is no longer requested (the first answer stands).",
    ["event_type", "status"],
)
PURCHASE_ORDERS_SHORT_CLOSED = Counter(
    "psi_purchasing_purchase_orders_short_closed_total",
    "Partly received purchase orders short-closed (each publishes purchasing.PurchaseOrderShortClosed.v1).",
)
