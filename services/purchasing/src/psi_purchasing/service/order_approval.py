"""Purchase order approval (审核): submit, approve, reject, un-approve (反审核), and the routing by amount tier
that an amendment shares.

Every command locks the order row first (``SELECT ... FOR UPDATE``) and does all its checks before it writes,
in one transaction (psi_chassis.db.run_command): a refused command (403, 409, 422) leaves the order, the budgets
and the approvals log exactly as they were. The rules are domain/approval.py (tiers, budgets),
domain/four_eyes.py and domain/fx.py (the amount a tier sees when a typed rate is further from finance's than
the tolerance); the receipt and rate tolerances are read once at start (config.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.decimals import plain
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.purchasing import PURCHASE_ORDER_APPROVED_V1
from psi_purchasing import config
from psi_purchasing.adapters import approvals, queries
from psi_purchasing.adapters import purchase_orders as orders
from psi_purchasing.adapters import suppliers as suppliers_store
from psi_purchasing.adapters.purchase_orders import OrderHeader
from psi_purchasing.config import SERVICE_NAME
from psi_purchasing.domain import events
from psi_purchasing.domain.approval import DocumentType, budget_period, ensure_can_approve, tier_for
from psi_purchasing.domain.commands import Actor
from psi_purchasing.domain.errors import PurchaseOrderNotFound
from psi_purchasing.domain.four_eyes import ensure_not_maker
from psi_purchasing.domain.fx import tier_note
from psi_purchasing.domain.model import POStatus, PurchaseOrder
from psi_purchasing.service.order_lines import ensure_warehouse_takes_orders

PO = str(DocumentType.PURCHASE_ORDER)


def lock_order(session: Session, po_id: int) -> tuple[OrderHeader, PurchaseOrder]:
    """The order for change, its row locked until the transaction ends (every writer locks it first, so two
    commands on one order run one after the other); 404 PURCHASE_ORDER_NOT_FOUND."""
    loaded = orders.lock_purchase_order(session, po_id)
    if loaded is None:
        raise PurchaseOrderNotFound(f"purchase order {po_id} does not exist")
    return loaded


def release_commitment(session: Session, header: OrderHeader) -> None:
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


def tier_amount(po: PurchaseOrder) -> Decimal:
    """The amount the tiers route the order by: its base total, or at finance's rate when a typed rate is
    lower than the table's by more than the tolerance read at start (domain/fx.py)."""
    return po.tier_amount_base(config.rules().rate_tolerance_percent)


def tier_reason(po: PurchaseOrder) -> str | None:
    """For the log of a submission or revision: why the order is routed at the table rate (None: it is not)."""
    return tier_note(po.exchange_rate, po.table_rate, config.rules().rate_tolerance_percent)


def route_by_tier(session: Session, header: OrderHeader, po: PurchaseOrder, actor: Actor, now: datetime) -> None:
    """A pending order: approve it at once when its amount tier is automatic, else leave it waiting."""
    tiers, _ = approvals.load_tiers(session, PO)
    tier = tier_for(tiers, tier_amount(po))
    if tier.automatic:
        bound = "no bound" if tier.up_to_amount is None else f"up to {plain(tier.up_to_amount)}"
        _approve(session, header, po, actor, now, f"automatic: amount tier {bound}")
    else:
        orders.save_order(session, header.id, po, now)


def run_order_command(db: Database, work: Callable[[Session], int]) -> dict[str, Any]:
    """Run one order command in its own transaction (psi_chassis.db.run_command) and answer with the order."""

    def run(session: Session) -> dict[str, Any]:
        view = queries.purchase_order(session, work(session))
        assert view is not None
        return view

    return run_command(db, run)


def submit_purchase_order(db: Database, po_id: int, actor: Actor) -> dict[str, Any]:
    """draft -> pending_approval, or straight to approved when the amount is within the automatic tier."""

    def work(session: Session) -> int:
        header, po = lock_order(session, po_id)
        supplier = suppliers_store.get_supplier(session, header.supplier_id)
        assert supplier is not None
        supplier.ensure_can_order()
        ensure_warehouse_takes_orders(session, header.warehouse_code)
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
            reason=tier_reason(po),
            amount_base=po.total_amount_base,
        )
        route_by_tier(session, header, po, actor, now)
        return po_id

    return run_order_command(db, work)


def _ensure_approver(session: Session, po: PurchaseOrder, actor: Actor) -> None:
    tiers, _ = approvals.load_tiers(session, PO)
    amount = tier_amount(po)
    ensure_can_approve(tier_for(tiers, amount), actor.roles, amount)


def _ensure_not_maker(session: Session, header: OrderHeader, po: PurchaseOrder, actor: Actor) -> None:
    """Four-eyes: not its creator, nor who submitted or revised the revision waiting (domain/four_eyes.py)."""
    makers = approvals.makers(session, PO, header.id, po.revision)
    if header.created_by is not None:
        makers.add(header.created_by)
    ensure_not_maker(actor.user_id, makers, document=header.number, enabled=config.rules().four_eyes)


def approve_purchase_order(db: Database, po_id: int, actor: Actor, reason: str | None = None) -> dict[str, Any]:
    """pending_approval -> approved by a holder of the amount tier's role (an admin may always)."""

    def work(session: Session) -> int:
        header, po = lock_order(session, po_id)
        if po.status != POStatus.PENDING_APPROVAL:
            po.approve()  # raises INVALID_STATUS
        _ensure_approver(session, po, actor)
        _ensure_not_maker(session, header, po, actor)
        _approve(session, header, po, actor, utcnow(), reason)
        return po_id

    return run_order_command(db, work)


def reject_purchase_order(db: Database, po_id: int, actor: Actor, reason: str) -> dict[str, Any]:
    """pending_approval -> draft, with the reason in the log."""

    def work(session: Session) -> int:
        _header, po = lock_order(session, po_id)
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

    return run_order_command(db, work)


def unapprove_purchase_order(db: Database, po_id: int, actor: Actor, reason: str | None) -> dict[str, Any]:
    """approved -> draft (反审核) while nothing is received; the budget commitment is given back."""

    def work(session: Session) -> int:
        header, po = lock_order(session, po_id)
        po.unapprove()
        _ensure_approver(session, po, actor)
        now = utcnow()
        release_commitment(session, header)
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

    return run_order_command(db, work)
