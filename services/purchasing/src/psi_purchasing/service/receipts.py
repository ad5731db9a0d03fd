"""Goods receipts: inspect what arrived against a purchase order and publish purchasing.GoodsReceived.v1."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.purchasing import GOODS_RECEIVED_V1
from psi_purchasing import metrics
from psi_purchasing.adapters import purchase_orders as orders
from psi_purchasing.adapters import queries, receipts
from psi_purchasing.config import SERVICE_NAME
from psi_purchasing.domain import events
from psi_purchasing.domain.business_time import ensure_happened
from psi_purchasing.domain.commands import ReceiveGoods
from psi_purchasing.domain.errors import PurchaseOrderNotFound


def receive_goods(db: Database, cmd: ReceiveGoods) -> dict[str, Any]:
    """Post a goods receipt against an approved order, all or nothing.

    The order row is locked (FOR UPDATE) before its received quantities are read, so two concurrent receipts
    cannot both fit into the same open quantity. The receipt, the new quantities and status, and the event in
    the outbox commit together (psi_chassis.db.run_command); the relay publishes the event afterwards.
    """

    def work(session: Session) -> dict[str, Any]:
        loaded = orders.lock_purchase_order(session, cmd.po_id)
        if loaded is None:
            raise PurchaseOrderNotFound(f"purchase order {cmd.po_id} does not exist")
        header, po = loaded
        now = utcnow()
        received_at = ensure_happened(cmd.received_at or now, now, "received_at")
        received = po.receive(cmd.lines)

        receipts.add_received_quantities(session, header.id, received)
        orders.save_status(session, header.id, po.status, now)
        receipt_id, number = receipts.add_receipt(session, header.id, received_at, received, now)
        data = events.goods_received(
            receipt_id=receipt_id,
            receipt_number=number,
            po_id=header.id,
            po_number=header.number,
            supplier_id=header.supplier_id,
            supplier_code=header.supplier_code,
            warehouse_code=header.warehouse_code,
            received_at=received_at,
            currency=header.currency,
            exchange_rate=po.exchange_rate,
            lines=received,
        )
        event_id = record_event(session, GOODS_RECEIVED_V1, data, source=SERVICE_NAME, subject=header.number)
        receipts.complete_receipt(session, receipt_id, number, event_id)
        view = queries.receipt(session, receipt_id)
        assert view is not None
        return view

    view = run_command(db, work)
    metrics.GOODS_RECEIPTS_POSTED.inc()
    return view
