"""Which incoming event types map to which handlers (one queue per handler)."""

from psi_chassis.service import EventHandler
from psi_inventory.domain.events import GOODS_RECEIVED
from psi_inventory.service.receipts import on_goods_received

HANDLERS = (EventHandler("on_goods_received", (GOODS_RECEIVED,), on_goods_received),)
