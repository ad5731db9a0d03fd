"""After the draft: confirm (credit control, then the reservation saga), release a hold, retry, amend, cancel, close.

Every command locks the order row, then (for credit) the customer's, decides with the domain (domain/order.py,
domain/credit.py) and commits the order, the credit log and the event it announces together
(:func:`~psi_chassis.db.run_command`): a refused command changes nothing and publishes nothing.

A hold after an amendment keeps the reservation of the earlier revision until the order is released (the new
revision then replaces it in inventory) or cancelled: the goods stay put while a manager decides.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.db import Database, run_command
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.sales import ORDER_CANCELLED_V1, ORDER_CONFIRMED_V1
from psi_sales import config
from psi_sales.adapters import credit as credit_store
from psi_sales.adapters import customers as customer_store
from psi_sales.adapters import order_state
from psi_sales.adapters.order_state import OrderHeader
from psi_sales.config import SERVICE_NAME
from psi_sales.domain.commands import DraftLine
from psi_sales.domain.credit import (
    CreditDecision,
    CustomerNotAllowed,
    check_credit,
    ensure_may_release,
    open_order_exposure,
)
from psi_sales.domain.customer import CustomerStatus
from psi_sales.domain.errors import CustomerBlocked, CustomerNotAllowedToConfirm, SalesOrderNotFound
from psi_sales.domain.order import AMENDABLE, OrderStatus, SalesOrder
from psi_sales.domain.order_events import OrderFacts, order_cancelled, order_confirmed
from psi_sales.domain.pricing import LineToPrice
from psi_sales.service.orders import line_row, order_lines, order_view
from psi_sales.service.pricing import price_lines_for


def locked(session: Session, order_id: int) -> tuple[OrderHeader, SalesOrder]:
    found = order_state.lock_order(session, order_id)
    if found is None:
        raise SalesOrderNotFound(f"sales order {order_id} does not exist")
    return found


def facts_of(session: Session, header: OrderHeader, customer: dict[str, Any] | None = None) -> OrderFacts:
    """Who and where, for an event; ``customer`` when the caller has read it already."""
    customer = customer or customer_store.customer(session, header.customer_id)
    code = customer["code"] if customer is not None else str(header.customer_id)
    return OrderFacts(header.id, header.number, header.customer_id, code, header.warehouse_code)


def ask_inventory(session: Session, header: OrderHeader, order: SalesOrder, now: datetime) -> None:
    """Publish the order's current revision for inventory to reserve (sales.OrderConfirmed.v1)."""
    data = order_confirmed(facts_of(session, header), order, header.confirmed_at or now)
    record_event(session, ORDER_CONFIRMED_V1, data, source=SERVICE_NAME, subject=header.number)


def _credit_decision(session: Session, header: OrderHeader, order: SalesOrder) -> CreditDecision:
    customer = customer_store.customer(session, header.customer_id, lock=True)  # one confirmation per customer
    assert customer is not None  # a foreign key
    try:
        return check_credit(
            CustomerStatus(customer["status"]),
            customer["credit_limit"],
            credit_store.open_receivables(session, header.customer_id),
            open_order_exposure(credit_store.open_orders(session, header.customer_id, other_than=header.id)),
            order.total_amount,
        )
    except CustomerNotAllowed as exc:
        blocked = customer["status"] == CustomerStatus.BLOCKED
        refusal = CustomerBlocked if blocked else CustomerNotAllowedToConfirm
        raise refusal(f"customer {customer['code']}: {exc}") from exc


def _log(
    session: Session, header: OrderHeader, decision: CreditDecision, action: str, actor: Actor, **why: Any
) -> None:
    credit_store.log_decision(
        session,
        {
            "order_id": header.id,
            "customer_id": header.customer_id,
            "action": action,
            "exposure_before": decision.exposure_before,
            "order_amount": decision.order_amount,
            "credit_limit": decision.credit_limit,
            "reason": why.get("reason") or decision.reason(),
            "decided_by": actor.username,
            "decided_at": why["at"],
        },
    )


def _confirm(session: Session, header: OrderHeader, order: SalesOrder, actor: Actor, now: datetime) -> None:
    order.require(frozenset({OrderStatus.DRAFT}), "confirmed")  # before any credit figure is read
    decision = _credit_decision(session, header, order)
    asks = order.confirm(decision.held, now)
    _log(session, header, decision, "held" if decision.held else "passed", actor, at=now)
    if asks:
        ask_inventory(session, header, order, now)
    order_state.save_order(session, header.id, order, now, confirmed_at=header.confirmed_at or now)


def confirm_order(db: Database, order_id: int, actor: Actor) -> dict[str, Any]:
    """Confirm a draft: a customer on hold or blocked is refused (409); over the credit limit it is held;
    otherwise inventory is asked to reserve it."""

    def work(session: Session) -> dict[str, Any]:
        header, order = locked(session, order_id)
        _confirm(session, header, order, actor, utcnow())
        return order_view(session, order_id)

    return run_command(db, work)


def release_credit_hold(db: Database, order_id: int, actor: Actor, reason: str) -> dict[str, Any]:
    """A sales manager lets a held order go on to reservation; logged with who, when and why."""
    ensure_may_release(actor.roles)

    def work(session: Session) -> dict[str, Any]:
        header, order = locked(session, order_id)
        now = utcnow()
        order.release_credit(now)
        decision = _credit_decision(session, header, order)  # the figures at the release, for the log
        _log(session, header, decision, "released", actor, at=now, reason=reason)
        ask_inventory(session, header, order, now)
        order_state.save_order(session, header.id, order, now)
        return order_view(session, order_id)

    return run_command(db, work)


def retry_reservation(db: Database, order_id: int, actor: Actor) -> dict[str, Any]:
    """By hand: a backordered order asks inventory again, or a confirmed one whose answer is overdue resends."""

    def work(session: Session) -> dict[str, Any]:
        header, order = locked(session, order_id)
        now = utcnow()
        order.retry_reservation(now, config.rules().reservation_reply_timeout_seconds)
        ask_inventory(session, header, order, now)
        order_state.save_order(session, header.id, order, now)
        return order_view(session, order_id)

    return run_command(db, work)


def retry_backorders(session: Session, warehouse: str, skus: list[str], now: datetime) -> int:
    """Stock of ``skus`` arrived in ``warehouse``: every backordered order with such a line asks again, first
    confirmed first (inventory answers them in that order). Inside the caller's transaction."""
    timeout = config.rules().reservation_reply_timeout_seconds
    retried = 0
    for order_id in order_state.backordered_for(session, warehouse, skus):
        header, order = locked(session, order_id)
        if order.status is not OrderStatus.BACKORDERED:  # answered or cancelled since the list was read
            continue
        order.retry_reservation(now, timeout)
        ask_inventory(session, header, order, now)
        order_state.save_order(session, header.id, order, now)
        retried += 1
    return retried


def amend_order(
    db: Database, order_id: int, lines: list[DraftLine], actor: Actor, manual_cap: Decimal
) -> dict[str, Any]:
    """New lines, priced on the order date; after confirmation the order runs credit and reservation again
    (a higher revision, which replaces the earlier reservation in inventory)."""

    def work(session: Session) -> dict[str, Any]:
        header, order = locked(session, order_id)
        order.require(AMENDABLE, "amended")
        wanted = [LineToPrice(ln.sku, None, ln.quantity, ln.manual_discount_percent) for ln in lines]
        priced = price_lines_for(session, header.customer_id, wanted, header.order_date, actor, manual_cap)
        new_lines = order_lines(lines, priced)
        rerun = order.amend(new_lines)
        order_state.replace_lines(
            session, header.id, [line_row(ln, p) for ln, p in zip(new_lines, priced, strict=True)]
        )
        now = utcnow()
        if rerun:
            _confirm(session, header, order, actor, now)
        else:
            order_state.save_order(session, header.id, order, now)
        return order_view(session, order_id)

    return run_command(db, work)


def cancel_order(db: Database, order_id: int, actor: Actor, reason: str | None) -> dict[str, Any]:
    """Cancel an order nothing of which has shipped; inventory is told when it may hold a reservation."""

    def work(session: Session) -> dict[str, Any]:
        header, order = locked(session, order_id)
        now = utcnow()
        if order.cancel():
            data = order_cancelled(facts_of(session, header), now, reason)
            record_event(session, ORDER_CANCELLED_V1, data, source=SERVICE_NAME, subject=header.number)
        order_state.save_order(session, header.id, order, now, cancel_reason=reason)
        return order_view(session, order_id)

    return run_command(db, work)


def complete_order(db: Database, order_id: int, actor: Actor, reason: str | None) -> dict[str, Any]:
    """Close a shipped order (结案); a partially shipped one is closed short and its unshipped reservation released
    (published as sales.OrderCancelled.v1, whose consumers release what is left)."""

    def work(session: Session) -> dict[str, Any]:
        header, order = locked(session, order_id)
        now = utcnow()
        if order.complete():
            why = reason or "closed short: the unshipped quantities are not wanted"
            data = order_cancelled(facts_of(session, header), now, why)
            record_event(session, ORDER_CANCELLED_V1, data, source=SERVICE_NAME, subject=header.number)
        order_state.save_order(session, header.id, order, now, cancel_reason=reason)
        return order_view(session, order_id)

    return run_command(db, work)
