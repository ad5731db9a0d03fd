"""Purchase returns (退货): the request that starts the saga -> purchasing.GoodsReturnRequested.v1.

Inventory answers with SupplierReturnIssued or SupplierReturnRejected (service/on_inventory_events.py); only then is
the return completed (and announced as GoodsReturned) or refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.purchasing import GOODS_RETURN_REQUESTED_V1
from psi_purchasing.adapters import purchase_orders as orders
from psi_purchasing.adapters import queries, returns
from psi_purchasing.config import SERVICE_NAME
from psi_purchasing.domain import events
from psi_purchasing.domain.business_time import ensure_happened
from psi_purchasing.domain.commands import ReturnGoods
from psi_purchasing.domain.errors import PurchaseOrderNotFound


def return_goods(db: Database, cmd: ReturnGoods) -> dict[str, Any]:
    """Record a return as ``requested`` against a received order, all or nothing: per line at most
    accepted − returned, where returned already counts every return not refused (so two returns in a row
    cannot both send back the same goods, even before inventory answered the first).

    The order row is locked first, and the CHECK ``returned_quantity <= accepted_quantity`` stands behind it.
    The return, the quantities and the GoodsReturnRequested event commit together.
    """

    def work(session: Session) -> dict[str, Any]:
        loaded = orders.lock_purchase_order(session, cmd.po_id)
        if loaded is None:
            raise PurchaseOrderNotFound(f"purchase order {cmd.po_id} does not exist")
        header, po = loaded
        now = utcnow()
        requested_at = ensure_happened(cmd.requested_at or now, now, "requested_at")
        returned = po.return_goods(cmd.lines)
        returns.add_returned_quantities(session, header.id, returned)
        return_id, number = returns.add_return(session, header.id, cmd.reason, requested_at, returned, now)
        data = events.goods_return_requested(
            return_id=return_id,
            return_number=number,
            po_id=header.id,
            po_number=header.number,
            supplier_id=header.supplier_id,
            warehouse_code=header.warehouse_code,
            requested_at=requested_at,
            reason=cmd.reason,
            lines=returned,
        )
        event_id = record_event(session, GOODS_RETURN_REQUESTED_V1, data, source=SERVICE_NAME, subject=number)
        returns.number_return(session, return_id, number, event_id)
        view = queries.purchase_return(session, return_id)
        assert view is not None
        return view

    return run_command(db, work)
