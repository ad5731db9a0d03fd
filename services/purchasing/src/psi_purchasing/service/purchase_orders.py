"""Purchase order commands: create, amend, submit, approve / reject, un-approve (反审核), cancel.

Every command locks the order row first (``SELECT ... FOR UPDATE``) and does all its checks before it
writes, in one transaction: a refused command (403, 409, 422) leaves the order, the budgets and the approvals
log exactly as they were.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database
from psi_chassis.decimals import plain
from psi_chassis.errors import add_error
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.purchasing import (
    PURCHASE_ORDER_APPROVED_V1,
    PURCHASE_ORDER_CANCELLED_V1,
    PURCHASE_ORDER_SHORT_CLOSED_V1,
)
from psi_purchasing import config, metrics
from psi_purchasing.adapters import approvals, prices, queries, replica
from psi_purchasing.adapters import purchase_orders as orders
from psi_purchasing.adapters import suppliers as suppliers_store
from psi_purchasing.adapters.purchase_orders import OrderHeader
from psi_purchasing.config import SERVICE_NAME
from psi_purchasing.domain import events
from psi_purchasing.domain.approval import (
    DocumentType,
    budget_period,
    ensure_can_approve,
    tier_for,
)
from psi_purchasing.domain.commands import UNSET, Actor, CreatePurchaseOrder, OrderLine
from psi_purchasing.domain.errors import PurchaseOrderNotFound, RuleViolation
from psi_purchasing.domain.four_eyes import ensure_not_maker
from psi_purchasing.domain.fx import order_exchange_rate
from psi_purchasing.domain.model import POStatus, PurchaseOrder
from psi_purchasing.domain.pricing import no_price_message, order_price
from psi_purchasing.domain.replica import ensure_active_warehouse, item_problem
from psi_purchasing.domain.short_close import release_of
from psi_purchasing.service.unit_of_work import run_command

PO = str(DocumentType.PURCHASE_ORDER)


# --- lines: the item replica and the price list -----------------------------------------------------------


def price_for(
    session: Session, supplier_id: int, sku: str, currency: str, on: date, quantity: Decimal
) -> Decimal | None:
    """The supplier's price for a SKU valid on a date, in a currency, for a quantity (domain/pricing.order_price:
    the highest quantity break it reaches wins, then the newest ``valid_from``)."""
    entries = prices.applicable_prices(session, sku, on, quantity, supplier_id=supplier_id, currency=currency)
    chosen = order_price(entries, on, quantity, currency)
    return None if chosen is None else chosen.unit_price


def resolve_lines(
    session: Session,
    lines: Sequence[OrderLine],
    *,
    supplier_id: int,
    currency: str,
    on: date,
    field: str = "lines",
    indexes: Sequence[int] | None = None,
) -> tuple[OrderLine, ...]:
    """Check each SKU against the item replica and fill a missing unit price from the price list.

    Raises 422 with field errors ``lines.<n>.sku`` (UNKNOWN_SKU, INACTIVE_SKU) or ``lines.<n>.unit_price``
    (NO_PRICE); the code is that of the first problem found.
    """
    active = replica.item_status(session, {line.sku for line in lines})
    errors: dict[str, Any] = {}
    codes: list[str] = []
    resolved: list[OrderLine] = []

    def err(i: int, name: str, message: str, code: str) -> None:
        if indexes is not None:
            i = indexes[i]
        add_error(errors, field, message, i, name)
        codes.append(code)

    for i, line in enumerate(lines):
        problem = item_problem(active, line.sku)
        if problem is not None:
            err(i, "sku", problem[1], problem[0])
        price = line.unit_price
        if price is None and line.quantity > 0:
            price = price_for(session, supplier_id, line.sku, currency, on, line.quantity)
            if price is None:
                err(i, "unit_price", no_price_message(currency, line.sku, on, line.quantity), "NO_PRICE")
        resolved.append(dataclasses.replace(line, unit_price=price))
    if errors:
        raise RuleViolation("the purchase order lines are not valid; see errors", code=codes[0], errors=errors)
    return tuple(resolved)


def _ensure_active_warehouse(session: Session, code: str) -> None:
    """422 UNKNOWN_WAREHOUSE / INACTIVE_WAREHOUSE unless the replica holds the warehouse as active."""
    ensure_active_warehouse(replica.warehouse_status(session, [code]), code)


def _supplier_for_order(session: Session, supplier_id: int) -> Any:
    supplier = suppliers_store.get_supplier(session, supplier_id)
    if supplier is None:
        raise RuleViolation(
            f"supplier {supplier_id} does not exist",
            code="SUPPLIER_NOT_FOUND",
            errors={"supplier_id": [f"supplier {supplier_id} does not exist"]},
        )
    supplier.ensure_can_order()
    return supplier


def insert_order(session: Session, cmd: CreatePurchaseOrder, now: datetime, created_by: Actor) -> int:
    """Validate and insert a draft order (shared with the conversion of requisitions); ``created_by`` is its
    maker for the four-eyes rule."""
    supplier = _supplier_for_order(session, cmd.supplier_id)
    _ensure_active_warehouse(session, cmd.warehouse_code)
    currency = cmd.currency or supplier.currency
    rate = order_exchange_rate(
        currency, cmd.exchange_rate, base=config.base_currency(), bands=config.rules().rate_bands
    )
    lines = resolve_lines(session, cmd.lines, supplier_id=supplier.id, currency=currency, on=now.date())
    po = PurchaseOrder.draft(lines, rate)
    return orders.add_purchase_order(
        session,
        po,
        supplier_id=supplier.id,
        warehouse_code=cmd.warehouse_code,
        currency=currency,
        expected_date=cmd.expected_date,
        department=cmd.department,
        now=now,
        created_by=created_by.user_id,
    )


def create_purchase_order(db: Database, cmd: CreatePurchaseOrder, actor: Actor) -> dict[str, Any]:
    """A draft order for an active supplier, in the supplier's currency unless another one is given."""
    view = _finish(db, lambda session: insert_order(session, cmd, utcnow(), actor))
    metrics.PURCHASE_ORDERS_CREATED.inc()
    return view


# --- approval ---------------------------------------------------------------------------------------------


def _lock(session: Session, po_id: int) -> tuple[OrderHeader, PurchaseOrder]:
    loaded = orders.lock_purchase_order(session, po_id)
    if loaded is None:
        raise PurchaseOrderNotFound(f"purchase order {po_id} does not exist")
    return loaded


def _release(session: Session, header: OrderHeader) -> None:
    """Give back the budget an approved order had committed (if it had)."""
    if header.department and header.budget_period:
        approvals.release_budget(session, header.department, header.budget_period, header.committed_base)


def _approve(
    session: Session,
    header: OrderHeader,
    po: PurchaseOrder,
    actor: Actor,
    now: datetime,
    reason: str | None,
) -> None:
    """pending_approval -> approved: commit the budget, fix max_receivable (with the receipt tolerance read at
    start, config.py), log it, publish the event."""
    amount = po.total_amount_base
    period = None
    if header.department:
        assert header.order_date is not None
        period = budget_period(header.order_date)
        approvals.commit_budget(session, header.department, period, amount)
    po.approve(config.rules().receipt_tolerance)
    orders.save_order(session, header.id, po, now, approved_at=now, budget_period=period)
    approvals.record(
        session,
        document_type=PO,
        document_id=header.id,
        revision=po.revision,
        decision="approved",
        actor=actor,
        now=now,
        reason=reason,
        amount_base=amount,
    )
    data = events.purchase_order_approved(
        po_id=header.id,
        po_number=header.number,
        supplier_id=header.supplier_id,
        supplier_code=header.supplier_code,
        warehouse_code=header.warehouse_code,
        currency=header.currency,
        approved_at=now,
        po=po,
    )
    record_event(session, PURCHASE_ORDER_APPROVED_V1, data, source=SERVICE_NAME, subject=header.number)


def _route(session: Session, header: OrderHeader, po: PurchaseOrder, actor: Actor, now: datetime) -> None:
    """A pending order: approve it at once when its amount tier is automatic, else leave it waiting."""
    tiers, _ = approvals.load_tiers(session, PO)
    tier = tier_for(tiers, po.total_amount_base)
    if tier.automatic:
        bound = "no bound" if tier.up_to_amount is None else f"up to {plain(tier.up_to_amount)}"
        _approve(session, header, po, actor, now, f"automatic: amount tier {bound}")
    else:
        orders.save_order(session, header.id, po, now)


def _finish(db: Database, work: Callable[[Session], int]) -> dict[str, Any]:
    """Run one order command in its own transaction (service/unit_of_work.py) and answer with the order."""

    def run(session: Session) -> dict[str, Any]:
        view = queries.purchase_order(session, work(session))
        assert view is not None
        return view

    return run_command(db, run)


def submit_purchase_order(db: Database, po_id: int, actor: Actor) -> dict[str, Any]:
    """draft -> pending_approval, or straight to approved when the amount is within the automatic tier."""

    def work(session: Session) -> int:
        header, po = _lock(session, po_id)
        supplier = suppliers_store.get_supplier(session, header.supplier_id)
        assert supplier is not None
        supplier.ensure_can_order()
        _ensure_active_warehouse(session, header.warehouse_code)
        po.submit()
        now = utcnow()
        approvals.record(
            session,
            document_type=PO,
            document_id=po_id,
            revision=po.revision,
            decision="submitted",
            actor=actor,
            now=now,
            amount_base=po.total_amount_base,
        )
        _route(session, header, po, actor, now)
        return po_id

    return _finish(db, work)


def _ensure_approver(session: Session, po: PurchaseOrder, actor: Actor) -> None:
    tiers, _ = approvals.load_tiers(session, PO)
    ensure_can_approve(tier_for(tiers, po.total_amount_base), actor.roles, po.total_amount_base)


def _ensure_not_maker(session: Session, header: OrderHeader, po: PurchaseOrder, actor: Actor) -> None:
    """Four-eyes: not its creator, nor who submitted or revised the revision waiting (domain/four_eyes.py)."""
    makers = approvals.makers(session, PO, header.id, po.revision)
    if header.created_by is not None:
        makers.add(header.created_by)
    ensure_not_maker(actor.user_id, makers, document=header.number, enabled=config.rules().four_eyes)


def approve_purchase_order(db: Database, po_id: int, actor: Actor, reason: str | None = None) -> dict[str, Any]:
    """pending_approval -> approved by a holder of the amount tier's role (an admin may always)."""

    def work(session: Session) -> int:
        header, po = _lock(session, po_id)
        if po.status != POStatus.PENDING_APPROVAL:
            po.approve()  # raises INVALID_STATUS
        _ensure_approver(session, po, actor)
        _ensure_not_maker(session, header, po, actor)
        _approve(session, header, po, actor, utcnow(), reason)
        return po_id

    return _finish(db, work)


def reject_purchase_order(db: Database, po_id: int, actor: Actor, reason: str) -> dict[str, Any]:
    """pending_approval -> draft, with the reason in the log."""

    def work(session: Session) -> int:
        _header, po = _lock(session, po_id)
        if po.status == POStatus.PENDING_APPROVAL:
            _ensure_approver(session, po, actor)
        po.reject()
        now = utcnow()
        orders.save_order(session, po_id, po, now)
        approvals.record(
            session,
            document_type=PO,
            document_id=po_id,
            revision=po.revision,
            decision="rejected",
            actor=actor,
            now=now,
            reason=reason,
            amount_base=po.total_amount_base,
        )
        return po_id

    return _finish(db, work)


def unapprove_purchase_order(db: Database, po_id: int, actor: Actor, reason: str | None) -> dict[str, Any]:
    """approved -> draft (反审核) while nothing is received; the budget commitment is given back."""

    def work(session: Session) -> int:
        header, po = _lock(session, po_id)
        po.unapprove()
        _ensure_approver(session, po, actor)
        now = utcnow()
        _release(session, header)
        orders.save_order(session, po_id, po, now, approved_at=None, budget_period=None)
        approvals.record(
            session,
            document_type=PO,
            document_id=po_id,
            revision=po.revision,
            decision="unapproved",
            actor=actor,
            now=now,
            reason=reason,
            amount_base=po.total_amount_base,
        )
        return po_id

    return _finish(db, work)


def cancel_purchase_order(db: Database, po_id: int, actor: Actor, reason: str) -> dict[str, Any]:
    """Cancel a draft, pending or approved order with nothing received; publishes PurchaseOrderCancelled.v1
    when it had been approved (finance may have it open for matching)."""

    def work(session: Session) -> int:
        header, po = _lock(session, po_id)
        was_approved = po.cancel() or approvals.ever_approved(session, PO, po_id)
        now = utcnow()
        _release(session, header)
        orders.save_order(session, po_id, po, now, budget_period=None, cancelled_at=now, cancel_reason=reason)
        approvals.record(
            session,
            document_type=PO,
            document_id=po_id,
            revision=po.revision,
            decision="cancelled",
            actor=actor,
            now=now,
            reason=reason,
            amount_base=po.total_amount_base,
        )
        if was_approved:
            data = events.purchase_order_cancelled(
                po_id=po_id, po_number=header.number, revision=po.revision, cancelled_at=now, reason=reason
            )
            record_event(session, PURCHASE_ORDER_CANCELLED_V1, data, source=SERVICE_NAME, subject=header.number)
        return po_id

    return _finish(db, work)


def _amended_lines(
    session: Session, header: OrderHeader, po: PurchaseOrder, lines: Sequence[OrderLine]
) -> tuple[OrderLine, ...]:
    """The new lines checked and priced at the order date; a line that stays the same SKU at the same position
    keeps its link to a requisition line (so conversion's ``ordered_quantity`` still points at it)."""
    assert header.order_date is not None
    old = {line.line_no: line for line in po.lines}
    resolved = resolve_lines(
        session, lines, supplier_id=header.supplier_id, currency=header.currency, on=header.order_date
    )
    return tuple(
        dataclasses.replace(ln, requisition_line_id=old[n].requisition_line_id)
        if n in old and old[n].sku == ln.sku and ln.requisition_line_id is None
        else ln
        for n, ln in enumerate(resolved, start=1)
    )


def _record_revision(session: Session, header: OrderHeader, po: PurchaseOrder, actor: Actor, now: datetime) -> None:
    """A new revision is logged (its maker is the reviser) and routed to approval like a submission."""
    approvals.record(
        session,
        document_type=PO,
        document_id=header.id,
        revision=po.revision,
        decision="revised",
        actor=actor,
        now=now,
        amount_base=po.total_amount_base,
    )
    _route(session, header, po, actor, now)


def amend_purchase_order(
    db: Database,
    po_id: int,
    actor: Actor,
    *,
    lines: Sequence[OrderLine] | None = None,
    expected_date: Any = UNSET,
    department: Any = UNSET,
) -> dict[str, Any]:
    """Change lines, expected date or department. A draft changes in place; an approved order with nothing
    received becomes a new revision that needs approval again (at once if its tier is automatic), and its
    budget commitment is given back and taken again on approval. Refused after any receipt."""

    def work(session: Session) -> int:
        header, po = _lock(session, po_id)
        _ensure_active_warehouse(session, header.warehouse_code)
        resolved = None if lines is None else _amended_lines(session, header, po, lines)
        revised = po.amend(resolved)
        now = utcnow()
        values: dict[str, Any] = {}
        if expected_date is not UNSET:
            values["expected_date"] = expected_date
        new_header = header
        if department is not UNSET:
            values["department"] = department
            new_header = dataclasses.replace(header, department=department)
        if revised:
            _release(session, header)
            values.update(approved_at=None, budget_period=None)
        if resolved is not None:
            orders.replace_lines(session, po_id, po.lines)
        orders.save_order(session, po_id, po, now, **values)
        if revised:
            _record_revision(session, new_header, po, actor, now)
        return po_id

    return _finish(db, work)


def short_close_purchase_order(db: Database, po_id: int, actor: Actor, reason: str) -> dict[str, Any]:
    """结案: settle a partly received order at what was accepted, give the rest of its budget commitment back
    (one conditional UPDATE), log who and why, and publish purchasing.PurchaseOrderShortClosed.v1."""

    def work(session: Session) -> int:
        header, po = _lock(session, po_id)
        closed = po.short_close()
        release = release_of(po, header.committed_base)
        now = utcnow()
        if header.department and header.budget_period and release.released_base > 0:
            approvals.release_budget(session, header.department, header.budget_period, release.released_base)
        orders.save_short_close(session, po_id, po, now, reason)
        approvals.record(
            session,
            document_type=PO,
            document_id=po_id,
            revision=po.revision,
            decision="short_closed",
            actor=actor,
            now=now,
            reason=reason,
            amount_base=release.released_base,
        )
        data = events.purchase_order_short_closed(
            po_id=po_id,
            po_number=header.number,
            revision=po.revision,
            supplier_id=header.supplier_id,
            warehouse_code=header.warehouse_code,
            currency=header.currency,
            closed_at=now,
            reason=reason,
            lines=closed,
            release=release,
        )
        record_event(session, PURCHASE_ORDER_SHORT_CLOSED_V1, data, source=SERVICE_NAME, subject=header.number)
        return po_id

    view = _finish(db, work)
    metrics.PURCHASE_ORDERS_SHORT_CLOSED.inc()
    return view
