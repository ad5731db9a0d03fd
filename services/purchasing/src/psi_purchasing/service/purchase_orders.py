"""Purchase order commands: create, amend, cancel and short-close (结案); approval is service/order_approval.py.

Every command locks the order row first (``SELECT ... FOR UPDATE``) and does all its checks before it
writes, in one transaction: a refused command (403, 409, 422) leaves the order, the budgets and the approvals
log exactly as they were.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.purchasing import PURCHASE_ORDER_CANCELLED_V1, PURCHASE_ORDER_SHORT_CLOSED_V1
from psi_purchasing import metrics
from psi_purchasing.adapters import approvals
from psi_purchasing.adapters import purchase_orders as orders
from psi_purchasing.adapters.purchase_orders import OrderHeader
from psi_purchasing.config import SERVICE_NAME
from psi_purchasing.domain import events
from psi_purchasing.domain.commands import UNSET, Actor, CreatePurchaseOrder, OrderLine
from psi_purchasing.domain.model import PurchaseOrder
from psi_purchasing.domain.short_close import release_of
from psi_purchasing.service.order_approval import (
    PO,
    lock_order,
    release_commitment,
    route_by_tier,
    run_order_command,
    tier_reason,
)
from psi_purchasing.service.order_lines import ensure_warehouse_takes_orders, insert_order, resolve_lines


def create_purchase_order(db: Database, cmd: CreatePurchaseOrder, actor: Actor) -> dict[str, Any]:
    """A draft order for an active supplier, in the supplier's currency unless another one is given."""
    view = run_order_command(db, lambda session: insert_order(session, cmd, utcnow(), actor))
    metrics.PURCHASE_ORDERS_CREATED.inc()
    return view


def cancel_purchase_order(db: Database, po_id: int, actor: Actor, reason: str) -> dict[str, Any]:
    """Cancel a draft, pending or approved order with nothing received; publishes PurchaseOrderCancelled.v1
    when it had been approved (finance may have it open for matching)."""

    def work(session: Session) -> int:
        header, po = lock_order(session, po_id)
        was_approved = po.cancel() or approvals.ever_approved(session, PO, po_id)
        now = utcnow()
        release_commitment(session, header)
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

    return run_order_command(db, work)


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
        reason=tier_reason(po),
        amount_base=po.total_amount_base,
    )
    route_by_tier(session, header, po, actor, now)


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
        header, po = lock_order(session, po_id)
        ensure_warehouse_takes_orders(session, header.warehouse_code)
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
            release_commitment(session, header)
            values.update(approved_at=None, budget_period=None)
        if resolved is not None:
            orders.replace_lines(session, po_id, po.lines)
        orders.save_order(session, po_id, po, now, **values)
        if revised:
            _record_revision(session, new_header, po, actor, now)
        return po_id

    return run_order_command(db, work)


def short_close_purchase_order(db: Database, po_id: int, actor: Actor, reason: str) -> dict[str, Any]:
    """结案: settle a partly received order at what was accepted, give the rest of its budget commitment back
    (one conditional UPDATE), log who and why, and publish purchasing.PurchaseOrderShortClosed.v1."""

    def work(session: Session) -> int:
        header, po = lock_order(session, po_id)
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

    view = run_order_command(db, work)
    metrics.PURCHASE_ORDERS_SHORT_CLOSED.inc()
    return view
