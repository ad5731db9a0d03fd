"""Purchase order commands: create a draft, approve it."""

from __future__ import annotations

from typing import Any

from psi_chassis.db import Database
from psi_chassis.types import utcnow
from psi_purchasing import metrics
from psi_purchasing.adapters import repository
from psi_purchasing.domain.commands import ApprovePurchaseOrder, CreatePurchaseOrder
from psi_purchasing.domain.errors import PurchaseOrderNotFound, RuleViolation
from psi_purchasing.domain.model import PurchaseOrder
from psi_purchasing.service import queries


def create_purchase_order(db: Database, cmd: CreatePurchaseOrder) -> dict[str, Any]:
    """A draft order for an active supplier, in the supplier's currency unless another one is given."""
    with db.unit_of_work() as session:
        supplier = repository.get_supplier(session, cmd.supplier_id)
        if supplier is None:
            raise RuleViolation(
                f"supplier {cmd.supplier_id} does not exist",
                code="SUPPLIER_NOT_FOUND",
                errors={"supplier_id": [f"supplier {cmd.supplier_id} does not exist"]},
            )
        supplier.ensure_can_order()
        po = PurchaseOrder.draft(cmd.lines, cmd.exchange_rate)
        po_id = repository.add_purchase_order(
            session,
            po,
            supplier_id=supplier.id,
            warehouse_code=cmd.warehouse_code,
            currency=cmd.currency or supplier.currency,
            expected_date=cmd.expected_date,
            now=utcnow(),
        )
        view = queries.purchase_order(session, po_id)
        session.commit()
    metrics.PURCHASE_ORDERS_CREATED.inc()
    assert view is not None
    return view


def approve_purchase_order(db: Database, cmd: ApprovePurchaseOrder) -> dict[str, Any]:
    with db.unit_of_work() as session:
        loaded = repository.lock_purchase_order(session, cmd.po_id)
        if loaded is None:
            raise PurchaseOrderNotFound(f"purchase order {cmd.po_id} does not exist")
        _header, po = loaded
        po.approve()
        now = utcnow()
        repository.save_status(session, cmd.po_id, po.status, now, approved_at=now)
        view = queries.purchase_order(session, cmd.po_id)
        session.commit()
    assert view is not None
    return view
