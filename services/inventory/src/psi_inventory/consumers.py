"""Which incoming event types map to which handlers (one queue per handler).

One queue per producer stream: events of one order (or one purchase order) are applied in the order they
were published, which a queue per event type could not promise. purchasing.GoodsReturned.v1 is not consumed:
since the return saga it is the "return completed" fact for finance, published after inventory issued the goods
in answer to purchasing.GoodsReturnRequested.v1.
"""

from psi_chassis.service import EventHandler
from psi_inventory.domain import events
from psi_inventory.service.orders import on_sales_order_event
from psi_inventory.service.receipts import on_purchasing_event

HANDLERS = (
    EventHandler("on_purchasing_events", (events.GOODS_RECEIVED, events.GOODS_RETURN_REQUESTED),
                 on_purchasing_event),
    EventHandler(
        "on_sales_events",
        (events.ORDER_CONFIRMED, events.ORDER_CANCELLED, events.ORDER_SHIPPED, events.RETURN_RECEIVED),
        on_sales_order_event,
    ),
)
