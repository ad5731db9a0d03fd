"""Inventory's events, the one producer purchasing consumes (queue ``psi.purchasing.on_inventory_events``).

One queue keeps one item's (or warehouse's) events in the order inventory published them; every handler runs in
the consumer's unit of work after the inbox claim, so a redelivery changes nothing, and none commits.

* **The replicas** (``ItemCreated/Updated``, ``WarehouseCreated/Updated``): every event carries the whole record
  with a ``version`` one higher per change; the newest version wins (adapters/replica.py keeps the rule in the
  upsert's ``WHERE``), so a redelivered or late event changes nothing. What the replicas allow is
  psi_chassis/replica.py.
* **Replenishment** (``StockBelowReorderPoint``): a draft requisition for the SKU and warehouse; how much is
  domain/replenishment.py, the proposed supplier the planning choice of domain/pricing.py. Never a second open
  draft for one SKU and warehouse: the draft holds ``replenish_key = "sku|warehouse"`` under a UNIQUE
  constraint and is inserted with ON CONFLICT DO NOTHING; submitting or cancelling it clears the key.
* **Answers to a purchase return** (``SupplierReturnIssued`` completes it and purchasing announces
  ``GoodsReturned``; ``SupplierReturnRejected`` refuses it and gives its quantities back to the order lines;
  rules in domain/purchase_return.py). A reply for a return that is no longer ``requested`` changes nothing; it
  is logged and counted in ``psi_purchasing_return_replies_ignored_total``. A reply that contradicts the return
  (unknown id, another number or request, other lines) is dead-lettered as poison for an operator. Locks: the
  order row first, then the return row, as the request did, so a reply and a new return on the same order wait
  for each other instead of deadlocking.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import after_commit
from psi_chassis.decimals import ZERO
from psi_chassis.outbox import record_event
from psi_chassis.service import Event, PoisonMessage
from psi_chassis.types import utcnow
from psi_contracts.events.purchasing import GOODS_RETURNED_V1
from psi_purchasing import metrics
from psi_purchasing.adapters import prices, replica, returns
from psi_purchasing.adapters import purchase_orders as orders
from psi_purchasing.adapters.purchase_orders import OrderHeader
from psi_purchasing.adapters.requisitions import insert_requisition
from psi_purchasing.config import SERVICE_NAME
from psi_purchasing.domain import events
from psi_purchasing.domain.model import PurchaseOrder
from psi_purchasing.domain.pricing import planning_choice
from psi_purchasing.domain.purchase_return import RequestedReturn, awaits_reply, contradiction, issue_mismatch
from psi_purchasing.domain.replenishment import (
    REPLENISHMENT_DEPARTMENT,
    in_range,
    low_stock_note,
    replenish_quantity,
)
from psi_purchasing.domain.requisition import SYSTEM, RequisitionSource, replenish_key

_log = logging.getLogger(__name__)

# --- the item and warehouse replicas ------------------------------------------------------------------------


def apply_item_snapshot(session: Session, data: Mapping[str, Any]) -> bool:
    """Upsert one item snapshot; True when it was newer than what the replica held (and so was stored)."""
    return replica.upsert_item(
        session,
        {
            "sku": data["sku"],
            "name": data["name"],
            "unit_of_measure": data["unit_of_measure"],
            "active": bool(data["active"]),
            "reorder_quantity": data.get("reorder_quantity"),
            "version": int(data["version"]),
            "updated_at": data.get("changed_at") or utcnow(),
        },
    )


def apply_warehouse_snapshot(session: Session, data: Mapping[str, Any]) -> bool:
    """Upsert one warehouse snapshot; True when it was newer than what the replica held."""
    return replica.upsert_warehouse(
        session,
        {
            "code": data["code"],
            "name": data["name"],
            "active": bool(data["active"]),
            "valuation_method": data["valuation_method"],
            "version": int(data["version"]),
            "updated_at": data.get("changed_at") or utcnow(),
        },
    )


# --- replenishment ------------------------------------------------------------------------------------------


def on_stock_below_reorder_point(
    session: Session, event: Event, department: str = REPLENISHMENT_DEPARTMENT
) -> int | None:
    """Raise the draft; its id, or None when an open draft for the SKU and warehouse already exists."""
    data = event.data
    sku, warehouse = data["sku"], data["warehouse_code"]
    quantity = replenish_quantity(
        data.get("reorder_quantity"),
        data["reorder_point"],
        data["available"],
        data.get("safety_stock") or ZERO,
    )
    if not in_range(quantity):
        raise PoisonMessage(f"replenishment quantity {quantity} for {sku} in {warehouse} is out of range")
    now = utcnow()
    on = now.date()
    price = planning_choice(prices.applicable_prices(session, sku, on, quantity, active_suppliers=True), on, quantity)
    return insert_requisition(
        session,
        department=department,
        requester=SYSTEM,
        source=RequisitionSource.REPLENISHMENT,
        note=low_stock_note(data["available"], data["reorder_point"], warehouse),
        lines=[
            {
                "sku": sku,
                "warehouse_code": warehouse,
                "quantity": quantity,
                "preferred_supplier_id": price.supplier_id if price is not None else None,
            }
        ],
        now=now,
        replenish_key=replenish_key(sku, warehouse),
    )


# --- answers to a purchase return ---------------------------------------------------------------------------


def _answered(session: Session, event: Event) -> tuple[OrderHeader, PurchaseOrder, RequestedReturn] | None:
    """Lock the order and the return a reply answers; None when the return no longer awaits a reply."""
    data = event.data
    try:
        return_id = int(data["return_id"])
    except ValueError:
        raise PoisonMessage(f"{event.type}: return_id {data['return_id']!r} is not a purchasing return") from None
    po_id = returns.return_order_id(session, return_id)
    loaded = None if po_id is None else orders.lock_purchase_order(session, po_id)
    ret = None if loaded is None else returns.lock_return(session, return_id)
    if loaded is None or ret is None:
        raise PoisonMessage(
            f"{event.type} answers return {return_id} ({data['return_number']}), which purchasing does not have"
        )
    problem = contradiction(ret, return_number=data["return_number"], source_event_id=data["source_event_id"])
    if problem is not None:
        raise PoisonMessage(f"{event.type}: {problem}")
    if not awaits_reply(ret.status):
        _log.warning(
            "ignored %s %s for return %s: it is %s already, the first answer stands",
            event.type,
            event.id,
            ret.number,
            ret.status,
        )
        counter = metrics.RETURN_REPLIES_IGNORED.labels(event.type, ret.status)
        after_commit(session, counter.inc)  # counted once the inbox row commits, not per retried delivery
        return None
    return loaded[0], loaded[1], ret


def on_supplier_return_issued(session: Session, event: Event) -> None:
    """requested -> completed: keep inventory's values, and announce GoodsReturned (``returned_at`` = the time
    inventory issued the goods) for finance's debit note."""
    answered = _answered(session, event)
    if answered is None:
        return
    header, _po, ret = answered
    data = event.data
    mismatch = issue_mismatch(ret, [(ln["line_no"], ln["quantity"]) for ln in data["lines"]])
    if mismatch is not None:
        raise PoisonMessage(f"{event.type}: {mismatch}")
    returned = returns.returned_lines(session, ret.id)
    reason = returns.return_reason(session, ret.id)
    payload = events.goods_returned(
        return_id=ret.id,
        return_number=ret.number,
        po_id=header.id,
        po_number=header.number,
        supplier_id=header.supplier_id,
        warehouse_code=header.warehouse_code,
        returned_at=data["occurred_at"],
        reason=reason,
        lines=returned,
    )
    event_id = record_event(session, GOODS_RETURNED_V1, payload, source=SERVICE_NAME, subject=ret.number)
    returns.mark_return_completed(
        session,
        ret.id,
        returned_at=data["occurred_at"],
        answered_at=utcnow(),
        currency=data["currency"],
        total_value=data["total_value"],
        issued=data["lines"],
        returned_event_id=event_id,
    )


def on_supplier_return_rejected(session: Session, event: Event) -> None:
    """requested -> refused with inventory's reason; the quantities become returnable again."""
    answered = _answered(session, event)
    if answered is None:
        return
    header, po, ret = answered
    data: Any = event.data
    po.give_back_return(ret.quantities)
    returns.subtract_returned_quantities(session, header.id, ret.quantities)
    returns.mark_return_refused(session, ret.id, answered_at=utcnow(), code=data["reason_code"], reason=data["reason"])
    _log.info("return %s refused by inventory: %s %s", ret.number, data["reason_code"], data["reason"])
