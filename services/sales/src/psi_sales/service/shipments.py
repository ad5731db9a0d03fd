"""Shipments (销售发货) and customer returns (销售退货): what leaves for the customer and what comes back.

A shipment takes reserved quantities only (domain/order.py) and announces them with sales.OrderShipped.v1, which
carries what finance invoices (customer, currency, terms, each line's net price, discount and tax); inventory
issues it or refuses it whole (inventory.ShipmentRejected.v1, service/on_inventory_events.py takes it back). A
return takes at most what was shipped and not returned, per line, and is announced once with
sales.ReturnReceived.v1 at the price it was sold at; damaged goods are received and written off by inventory.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.business_time import ensure_happened
from psi_chassis.db import Database, run_command
from psi_chassis.decimals import ZERO, line_amount, tax_amount
from psi_chassis.outbox import record_event
from psi_chassis.replica import ensure_active_warehouse
from psi_chassis.types import utcnow
from psi_contracts.events.sales import ORDER_SHIPPED_V1, RETURN_RECEIVED_V1
from psi_sales.adapters import customers as customer_store
from psi_sales.adapters import order_state, replica
from psi_sales.adapters import shipments as store
from psi_sales.config import SERVICE_NAME
from psi_sales.domain.commands import ReceiveReturn, ShipOrder
from psi_sales.domain.errors import SalesReturnNotFound, ShipmentNotFound
from psi_sales.domain.order_events import ReturnFacts, ShipmentFacts, order_shipped, return_received
from psi_sales.service.order_flow import facts_of, locked


def ship_order(db: Database, cmd: ShipOrder, actor: Actor) -> dict[str, Any]:
    """Record a shipment of reserved lines and publish it; more than reserved is 409 and publishes nothing."""

    def work(session: Session) -> dict[str, Any]:
        header, order = locked(session, cmd.order_id)
        now = utcnow()
        shipped_at = ensure_happened(cmd.shipped_at or now, now, "shipped_at")
        taken = order.ship(cmd.lines)
        shipment_id, number = store.add_shipment(
            session,
            {
                "order_id": header.id,
                "warehouse_code": header.warehouse_code,
                "status": "shipped",
                "carrier": cmd.carrier,
                "tracking_number": cmd.tracking_number,
                "shipped_at": shipped_at,
                "created_by": actor.username,
                "created_at": now,
            },
            [{"line_no": ln.line_no, "sku": ln.sku, "quantity": q} for ln, q in taken],
        )
        customer = customer_store.customer(session, header.customer_id)
        assert customer is not None  # a foreign key
        facts = ShipmentFacts(shipment_id, number, shipped_at, cmd.carrier, cmd.tracking_number)
        data = order_shipped(facts_of(session, header, customer), order, facts, taken, customer["payment_terms_days"])
        record_event(session, ORDER_SHIPPED_V1, data, source=SERVICE_NAME, subject=header.number)
        order_state.save_order(session, header.id, order, now)
        return _shipment(session, shipment_id)

    return run_command(db, work)


def _shipment(session: Session, shipment_id: int) -> dict[str, Any]:
    found = store.shipment(session, shipment_id)
    if found is None:
        raise ShipmentNotFound(f"shipment {shipment_id} does not exist")
    return found


def get_shipment(db: Database, shipment_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return _shipment(session, shipment_id)


def receive_return(db: Database, cmd: ReceiveReturn, actor: Actor) -> dict[str, Any]:
    """Receive goods sent back against shipped lines into an active warehouse, and publish the return once."""

    def work(session: Session) -> dict[str, Any]:
        header, order = locked(session, cmd.order_id)
        now = utcnow()
        received_at = ensure_happened(cmd.received_at or now, now, "received_at")
        warehouse = cmd.warehouse_code or header.warehouse_code
        ensure_active_warehouse(replica.warehouse_status(session, [warehouse]), warehouse)
        taken = order.receive_return(cmd.lines)
        net = sum((line_amount(rl.quantity, ln.unit_price) for ln, rl in taken), ZERO)
        tax = sum((tax_amount(line_amount(rl.quantity, ln.unit_price), ln.tax_rate) for ln, rl in taken), ZERO)
        return_id, number = store.add_return(
            session,
            _return_header(header.id, warehouse, cmd.reason, received_at, net, tax, actor, now),
            [_return_line(i, ln, rl) for i, (ln, rl) in enumerate(taken, start=1)],
        )
        facts = ReturnFacts(return_id, number, warehouse, received_at, cmd.reason)
        data = return_received(facts_of(session, header), order, facts, taken)
        record_event(session, RETURN_RECEIVED_V1, data, source=SERVICE_NAME, subject=header.number)
        order_state.save_order(session, header.id, order, now)
        return _return(session, return_id)

    return run_command(db, work)


def _return_header(
    order_id: int, warehouse: str, reason: str, received_at: Any, net: Decimal, tax: Decimal, actor: Actor, now: Any
) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "warehouse_code": warehouse,
        "reason": reason,
        "received_at": received_at,
        "net_amount": net,
        "tax_amount": tax,
        "created_by": actor.username,
        "created_at": now,
    }


def _return_line(line_no: int, ln: Any, rl: Any) -> dict[str, Any]:
    return {
        "line_no": line_no,
        "order_line_no": ln.line_no,
        "sku": ln.sku,
        "quantity": rl.quantity,
        "condition": rl.condition,
        "unit_price": ln.unit_price,
        "tax_rate": ln.tax_rate,
    }


def _return(session: Session, return_id: int) -> dict[str, Any]:
    found = store.sales_return(session, return_id)
    if found is None:
        raise SalesReturnNotFound(f"sales return {return_id} does not exist")
    return found


def get_return(db: Database, return_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return _return(session, return_id)
