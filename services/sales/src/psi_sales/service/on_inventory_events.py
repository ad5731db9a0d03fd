"""Inventory's events that sales consumes (queue ``psi.sales.on_inventory_events``): the item and warehouse
replicas, the reservation saga's answers, receipts that retry backorders, and refused shipments. One queue keeps
them in inventory's order: an answer never overtakes the receipt before it.

Every handler runs in the consumer's unit of work after the inbox claim, so a redelivery changes nothing, and none
commits. Each event carries the whole record with a ``version`` one higher per change; the newest version wins
(``psi_chassis.replica_store.upsert_newest``), so a late or repeated event changes nothing either.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from psi_chassis.db import after_commit
from psi_chassis.service import Event, PoisonMessage
from psi_chassis.types import utcnow
from psi_sales import metrics
from psi_sales.adapters import order_state, replica
from psi_sales.adapters import shipments as shipment_store
from psi_sales.adapters.order_state import OrderHeader
from psi_sales.domain.order import SalesOrder, ShipLine
from psi_sales.service.order_flow import retry_backorders

_log = logging.getLogger(__name__)


def on_item_snapshot(session: Session, event: Event) -> None:
    """ItemCreated / ItemUpdated: keep the newest snapshot (the category is what pricing's category rules match)."""
    data = event.data
    replica.upsert_item(
        session,
        {
            "sku": data["sku"],
            "name": data["name"],
            "unit_of_measure": data["unit_of_measure"],
            "category": data.get("category"),
            "active": bool(data["active"]),
            "version": int(data["version"]),
            "updated_at": data["changed_at"],
        },
    )


def on_warehouse_snapshot(session: Session, event: Event) -> None:
    """WarehouseCreated / WarehouseUpdated: keep the newest snapshot."""
    data = event.data
    replica.upsert_warehouse(
        session,
        {
            "code": data["code"],
            "name": data["name"],
            "active": bool(data["active"]),
            "version": int(data["version"]),
            "updated_at": data["changed_at"],
        },
    )


# --- the reservation saga -----------------------------------------------------------------------------------


def _answered_order(session: Session, event: Event) -> tuple[OrderHeader, SalesOrder]:
    """The order an answer names, locked; an order sales does not have is a contradiction (dead-lettered)."""
    raw = event.data["order_id"]
    found = order_state.lock_order(session, int(raw)) if str(raw).isdigit() else None
    if found is None or found[0].number != event.data["order_number"]:
        raise PoisonMessage(
            f"{event.type} answers order {raw} ({event.data['order_number']}), which sales does not have"
        )
    return found


def _ignored(session: Session, event: Event, header: OrderHeader, order: SalesOrder) -> None:
    _log.warning(
        "ignored %s %s for order %s (revision %s answered, the order is %s at revision %s)",
        event.type,
        event.id,
        header.number,
        event.data.get("revision"),
        order.status.value,
        order.revision,
    )
    after_commit(session, metrics.SAGA_ANSWERS_IGNORED.labels(event.type, order.status.value).inc)


def on_stock_reserved(session: Session, event: Event) -> None:
    """Every line reserved: the order is ``reserved`` (unless the answer is for an older revision, or a repeat)."""
    header, order = _answered_order(session, event)
    if not order.reserved(event.data.get("revision")):
        _ignored(session, event, header, order)
        return
    now = utcnow()
    order_state.save_order(session, header.id, order, now, reservation_answered_at=now)


def on_reservation_rejected(session: Session, event: Event) -> None:
    """Some line short: the order is ``backordered``, with the short lines shown; nothing is reserved for it."""
    header, order = _answered_order(session, event)
    short = [
        {
            "line_no": ln["line_no"],
            "sku": ln["sku"],
            "requested_quantity": str(ln["requested_quantity"]),
            "available_quantity": str(ln["available_quantity"]),
        }
        for ln in event.data["short_lines"]
    ]
    if not order.rejected(event.data.get("revision"), short):
        _ignored(session, event, header, order)
        return
    now = utcnow()
    order_state.save_order(session, header.id, order, now, reservation_answered_at=now)


def on_stock_received(session: Session, event: Event) -> None:
    """Stock arrived: backordered orders from that warehouse with one of its SKUs ask inventory again."""
    data = event.data
    retried = retry_backorders(session, data["warehouse_code"], [ln["sku"] for ln in data["lines"]], utcnow())
    if retried:
        after_commit(session, lambda: metrics.BACKORDERS_RETRIED.labels("stock_received").inc(retried))


def on_shipment_rejected(session: Session, event: Event) -> None:
    """Inventory refused a shipment whole: it is marked refused and its quantities go back to the order."""
    data = event.data
    raw = data["shipment_id"]
    refusal = {
        "reason_code": data["reason_code"],
        "reason": data["reason"],
        "occurred_at": data["occurred_at"].isoformat(),
        "lines": [{k: str(v) if k.endswith("quantity") else v for k, v in ln.items()} for ln in data["lines"]],
    }
    taken = shipment_store.refuse_shipment(session, int(raw), refusal) if str(raw).isdigit() else None
    if taken is None:
        _log.warning("ignored %s %s: shipment %s is unknown or refused already", event.type, event.id, raw)
        return
    order_id, lines = taken
    found = order_state.lock_order(session, order_id)
    assert found is not None  # a foreign key
    header, order = found
    order.shipment_refused([ShipLine(ln.line_no, ln.quantity) for ln in lines])
    order_state.save_order(session, header.id, order, utcnow())
    after_commit(session, metrics.SHIPMENTS_REFUSED.inc)
