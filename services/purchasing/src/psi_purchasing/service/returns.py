"""Purchase returns: accepted goods sent back to the supplier after receipt -> purchasing.GoodsReturned.v1."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from psi_chassis.db import Database, run_transaction
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_purchasing.adapters import repository
from psi_purchasing.config import SERVICE_NAME
from psi_purchasing.domain import events
from psi_purchasing.domain.commands import ReturnGoods
from psi_purchasing.domain.errors import PurchaseOrderNotFound
from psi_purchasing.service import queries


def return_goods(db: Database, cmd: ReturnGoods) -> dict[str, Any]:
    """Post a return against a received order, all or nothing: per line at most accepted − returned.

    The order row is locked first, so two concurrent returns cannot both send back the same goods (and the
    CHECK ``returned_quantity <= accepted_quantity`` stands behind that).
    """

    def attempt() -> dict[str, Any]:
        with db.unit_of_work() as session:
            loaded = repository.lock_purchase_order(session, cmd.po_id)
            if loaded is None:
                raise PurchaseOrderNotFound(f"purchase order {cmd.po_id} does not exist")
            header, po = loaded
            returned = po.return_goods(cmd.lines)
            now = utcnow()
            returned_at = (cmd.returned_at or now).astimezone(UTC)
            repository.add_returned_quantities(session, header.id, returned)
            return_id, number = repository.add_return(
                session, header.id, cmd.reason, returned_at, returned, now
            )
            data = events.goods_returned(
                return_id=return_id,
                return_number=number,
                po_id=header.id,
                po_number=header.number,
                supplier_id=header.supplier_id,
                warehouse_code=header.warehouse_code,
                returned_at=returned_at,
                reason=cmd.reason,
                lines=returned,
            )
            event_id = record_event(session, events.GOODS_RETURNED, data, source=SERVICE_NAME, subject=number)
            repository.complete_return(session, return_id, number, event_id)
            view = queries.purchase_return(session, return_id)
            session.commit()
        assert view is not None
        return view

    return run_transaction(attempt)
