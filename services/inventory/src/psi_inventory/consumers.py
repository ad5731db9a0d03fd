"""Which incoming event types map to which handlers (one queue per handler).

One queue per producer stream: events of one order (or one purchase order) are applied in the order they
were published, which a queue per event type could not promise. purchasing.GoodsReturned.v1 is not consumed:
since the return saga it is the "return completed" fact for finance, published after inventory issued the goods
in answer to purchasing.GoodsReturnRequested.v1.
"""

from psi_chassis.service import EventHandler
from psi_contracts.events.purchasing import GOODS_RECEIVED_V1, GOODS_RETURN_REQUESTED_V1
from psi_contracts.events.sales import ORDER_CANCELLED_V1, ORDER_CONFIRMED_V1, ORDER_SHIPPED_V1, RETURN_RECEIVED_V1
from psi_inventory.service.on_purchasing_events import on_goods_received, on_goods_return_requested
from psi_inventory.service.on_sales_events import (
    on_order_cancelled,
    on_order_confirmed,
    on_order_shipped,
    on_return_received,
)
from psi_inventory.service.posting_batch import posting_batch

#: Each queue's batch is posted through one stock book (``service/posting_batch.py``): one statement per kind of
#: row loads it, one per kind writes it back, however many events the batch holds.
HANDLERS = (
    EventHandler(
        "on_purchasing_events",
        {
            GOODS_RECEIVED_V1: on_goods_received,
            GOODS_RETURN_REQUESTED_V1: on_goods_return_requested,
        },
        context=posting_batch,
    ),
    EventHandler(
        "on_sales_events",
        {
            ORDER_CONFIRMED_V1: on_order_confirmed,
            ORDER_CANCELLED_V1: on_order_cancelled,
            ORDER_SHIPPED_V1: on_order_shipped,
            RETURN_RECEIVED_V1: on_return_received,
        },
        context=posting_batch,
    ),
)
