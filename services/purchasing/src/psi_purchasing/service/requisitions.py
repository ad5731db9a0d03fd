"""Requisition commands (采购申请): create, edit, submit, approve, reject, cancel.

Each one locks the requisition row, asks the rules (domain/requisition.py: transitions, who approves;
domain/ownership.py: who may change it; domain/four_eyes.py; domain/estimate.py: the base-currency amount it
is approved on), writes through adapters/requisitions.py and logs the decision in ``approvals``, in one
transaction (psi_chassis.db.run_command). A refused command changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.types import utcnow
from psi_purchasing import config
from psi_purchasing.adapters import approvals as approvals_log
from psi_purchasing.adapters import prices, replica
from psi_purchasing.adapters import requisitions as store
from psi_purchasing.domain.approval import Tier, ensure_can_approve
from psi_purchasing.domain.commands import Actor
from psi_purchasing.domain.errors import RequisitionNotFound
from psi_purchasing.domain.estimate import Estimate, EstimateLine, PlanningPrice, approver_role, estimate
from psi_purchasing.domain.four_eyes import ensure_not_maker
from psi_purchasing.domain.ownership import Owner, ensure_may_change
from psi_purchasing.domain.requisition import (
    AUTOMATIC_APPROVAL,
    DOCUMENT_TYPE,
    SYSTEM_ACTOR,
    RequisitionSource,
    RequisitionStatus,
    check_lines,
    check_warehouses,
    incomplete_note,
)

# The rules moved to domain/requisition.py; the unit tests still import them from here.
from psi_purchasing.domain.requisition import check_transition as check_transition
from psi_purchasing.domain.requisition import replenish_key as replenish_key
from psi_purchasing.domain.requisition import required_role as required_role
from psi_purchasing.domain.requisition import requisition_number as requisition_number


def requisition_estimate(session: Session, lines: Sequence[Any], base_currency: str, on: date) -> Estimate:
    """The estimate of domain/estimate.py over the stored lines: the preferred supplier's prices when the line
    names a supplier that has any, else every active supplier's."""
    priced: list[EstimateLine] = []
    for line in lines:
        candidates = []
        if line.preferred_supplier_id is not None:
            candidates = prices.applicable_prices(
                session, line.sku, on, line.quantity, supplier_id=line.preferred_supplier_id, active_suppliers=True
            )
        if not candidates:
            candidates = prices.applicable_prices(session, line.sku, on, line.quantity, active_suppliers=True)
        planning = tuple(PlanningPrice(p.currency, p.unit_price, p.preferred) for p in candidates)
        priced.append(EstimateLine(line.line_no, line.sku, line.quantity, planning))
    return estimate(priced, base_currency, config.rules().rate_bands)


def _check_lines(session: Session, lines: Sequence[Mapping[str, Any]]) -> None:
    """Every SKU and warehouse known and active in the replicas, every preferred supplier existing."""
    wanted = {ln["preferred_supplier_id"] for ln in lines if ln.get("preferred_supplier_id") is not None}
    check_lines(
        lines,
        replica.item_status(session, [ln["sku"] for ln in lines]),
        replica.warehouse_status(session, {ln["warehouse_code"] for ln in lines}),
        store.existing_suppliers(session, wanted),
    )


def _lock(session: Session, requisition_id: int) -> Any:
    row = store.lock(session, requisition_id)
    if row is None:
        raise RequisitionNotFound(f"requisition {requisition_id} does not exist")
    return row


def _ensure_owner(row: Any, actor: Actor, action: str) -> None:
    owner = Owner(user_id=row.created_by, username=row.requester, source=row.source)
    ensure_may_change(
        owner, actor.user_id, actor.username, actor.roles, action=action, number=row.number or str(row.id)
    )


def _record(
    session: Session,
    requisition_id: int,
    decision: str,
    actor: Actor,
    now: datetime,
    *,
    reason: str | None = None,
    amount_base: Decimal | None = None,
) -> None:
    approvals_log.record(
        session,
        document_type=DOCUMENT_TYPE,
        document_id=requisition_id,
        revision=1,
        decision=decision,
        actor=actor,
        now=now,
        reason=reason,
        amount_base=amount_base,
    )


def _view(session: Session, requisition_id: int) -> dict[str, Any]:
    view = store.requisition(session, requisition_id)
    assert view is not None
    return view


def create_requisition(db: Database, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    """A draft of the caller's (they are its requester and owner)."""

    def work(session: Session) -> dict[str, Any]:
        _check_lines(session, body["lines"])
        requisition_id = store.insert_requisition(
            session,
            department=body["department"],
            requester=actor.username,
            created_by=actor.user_id,
            source=RequisitionSource.MANUAL,
            note=body.get("note"),
            lines=body["lines"],
            now=utcnow(),
        )
        assert requisition_id is not None
        return _view(session, requisition_id)

    return run_command(db, work)


def update_requisition(db: Database, requisition_id: int, actor: Actor, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change a draft's note, department or (all of its) lines: its requester, or a manager (ownership.py)."""

    def work(session: Session) -> dict[str, Any]:
        row = _lock(session, requisition_id)
        _ensure_owner(row, actor, "change")
        check_transition(row.status, "edit")
        if "lines" in changes:
            _check_lines(session, changes["lines"])
            store.replace_lines(session, requisition_id, changes["lines"])
        header = {k: changes[k] for k in ("note", "department") if k in changes}
        store.update_header(session, requisition_id, utcnow(), **header)
        return _view(session, requisition_id)

    return run_command(db, work)


def submit_requisition(db: Database, requisition_id: int, actor: Actor, base_currency: str) -> dict[str, Any]:
    """Draft -> submitted, priced and recorded; approved at once when the amount is in the automatic tier.

    The approver's role is fixed now, so later changes to the tiers do not move a requisition already waiting.
    """

    def work(session: Session) -> dict[str, Any]:
        row = _lock(session, requisition_id)
        _ensure_owner(row, actor, "submit")
        check_transition(row.status, "submit")
        lines = store.lines_of(session, requisition_id)
        check_warehouses(
            [ln.warehouse_code for ln in lines],
            replica.warehouse_status(session, {ln.warehouse_code for ln in lines}),
        )
        now = utcnow()
        result = requisition_estimate(session, lines, base_currency, now.date())
        role = approver_role(approvals_log.load_tiers(session, DOCUMENT_TYPE)[0], result)
        _record(
            session, requisition_id, "submitted", actor, now, amount_base=result.amount, reason=incomplete_note(result)
        )
        if role is None:
            store.set_status(session, requisition_id, RequisitionStatus.APPROVED, now, replenish_key=None)
            _record(
                session,
                requisition_id,
                "approved",
                SYSTEM_ACTOR,
                now,
                amount_base=result.amount,
                reason=AUTOMATIC_APPROVAL,
            )
        else:
            store.set_status(
                session, requisition_id, RequisitionStatus.SUBMITTED, now, replenish_key=None, approver_role=role
            )
        return _view(session, requisition_id)

    return run_command(db, work)


def _decide(
    db: Database, requisition_id: int, actor: Actor, action: str, reason: str | None, *, four_eyes: bool
) -> dict[str, Any]:
    """Approve or reject a submitted requisition: the role fixed at submission (admin always may) and, for an
    approval, the four-eyes rule (its requester and submitter never approve it)."""

    def work(session: Session) -> dict[str, Any]:
        row = _lock(session, requisition_id)
        target = check_transition(row.status, action)
        assert target is not None
        amount = approvals_log.last_submitted_amount(session, DOCUMENT_TYPE, requisition_id)
        ensure_can_approve(Tier(None, store.approver_role(session, row, amount)), actor.roles, amount)
        if four_eyes:
            ensure_not_maker(
                actor.user_id, store.makers(session, row), document=row.number, enabled=config.rules().four_eyes
            )
        now = utcnow()
        store.set_status(session, requisition_id, target, now)
        _record(session, requisition_id, target, actor, now, reason=reason, amount_base=amount)
        return _view(session, requisition_id)

    return run_command(db, work)


def approve_requisition(db: Database, requisition_id: int, actor: Actor, reason: str | None = None) -> dict[str, Any]:
    """Submitted -> approved."""
    return _decide(db, requisition_id, actor, "approve", reason, four_eyes=True)


def reject_requisition(db: Database, requisition_id: int, actor: Actor, reason: str) -> dict[str, Any]:
    """Submitted -> rejected, with a reason. Rejecting needs the same role as approving would."""
    return _decide(db, requisition_id, actor, "reject", reason, four_eyes=False)


def cancel_requisition(db: Database, requisition_id: int, actor: Actor, reason: str | None = None) -> dict[str, Any]:
    """Draft or submitted -> cancelled, by its owner; a replenishment draft's key is freed for the next one."""

    def work(session: Session) -> dict[str, Any]:
        row = _lock(session, requisition_id)
        _ensure_owner(row, actor, "cancel")
        check_transition(row.status, "cancel")
        now = utcnow()
        store.set_status(session, requisition_id, RequisitionStatus.CANCELLED, now, replenish_key=None)
        _record(session, requisition_id, "cancelled", actor, now, reason=reason)
        return _view(session, requisition_id)

    return run_command(db, work)
