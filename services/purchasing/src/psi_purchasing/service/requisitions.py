"""Requisitions (采购申请): a department's need, draft -> submitted -> approved / rejected, or cancelled.

The rules at the top are pure (status transitions, the approval tier an amount falls into, who may approve);
the commands below them run them against the database. Submitting a requisition prices it in the base
currency (domain/estimate.py: foreign prices at the upper bound of their exchange-rate band; a line that cannot
be priced makes the estimate incomplete, and an incomplete estimate needs a purchasing_manager) and looks the
amount up in the ``requisition`` approval tiers: the automatic tier approves at once, any other waits for a
user holding the role fixed at submission (admin always may) who is not its requester or submitter
(domain/four_eyes.py). Only the requester, a purchasing_manager or an admin changes, submits or cancels a
requisition (domain/ownership.py). Every submit, approval, rejection and cancellation is written to
``approvals``: who, when, why, for how much.

A replenishment draft (``source = replenishment``) holds ``replenish_key = "sku|warehouse"`` while it is an
open draft; submitting or cancelling it clears the key, so the next low-stock crossing may raise a new draft.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.orm import Session

from psi_chassis.db import Database, insert_on_conflict
from psi_chassis.decimals import ZERO
from psi_chassis.errors import NotFound
from psi_chassis.paging import count_rows, page_window
from psi_chassis.types import utcnow
from psi_purchasing import config
from psi_purchasing.adapters.tables import (
    approval_tiers,
    approvals,
    requisition_lines,
    requisitions,
    supplier_prices,
    suppliers,
)
from psi_purchasing.domain.approval import DEFAULT_TIERS, DocumentType, Tier, ensure_can_approve, tier_for
from psi_purchasing.domain.commands import Actor
from psi_purchasing.domain.errors import InvalidStatus, RuleViolation
from psi_purchasing.domain.estimate import Estimate, EstimateLine, PlanningPrice, approver_role, estimate
from psi_purchasing.domain.four_eyes import MAKING_DECISIONS, ensure_not_maker
from psi_purchasing.domain.ownership import Owner, ensure_may_change
from psi_purchasing.service import approvals as approvals_log
from psi_purchasing.service.replica import item_status, warehouse_problem, warehouse_status

DOCUMENT_TYPE = DocumentType.REQUISITION.value
SYSTEM = "system"


class RequisitionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    CONVERTED = "converted"
    CANCELLED = "cancelled"


class RequisitionSource(StrEnum):
    MANUAL = "manual"
    REPLENISHMENT = "replenishment"


class RequisitionNotFound(NotFound):
    default_code = "REQUISITION_NOT_FOUND"


# --- pure rules ---------------------------------------------------------------------------------------------

_D, _S = RequisitionStatus.DRAFT, RequisitionStatus.SUBMITTED
#: action -> (statuses it is allowed from, status it leads to; None: decided by the approval tier)
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "edit": (frozenset({_D}), _D),
    "submit": (frozenset({_D}), None),
    "approve": (frozenset({_S}), RequisitionStatus.APPROVED),
    "reject": (frozenset({_S}), RequisitionStatus.REJECTED),
    "cancel": (frozenset({_D, _S}), RequisitionStatus.CANCELLED),
}


def check_transition(status: str, action: str) -> str | None:
    """The status ``action`` leads to from ``status``; raises 409 INVALID_STATUS when it is not allowed."""
    allowed, target = TRANSITIONS[action]
    if status not in allowed:
        raise InvalidStatus(
            f"a {status} requisition cannot be {_PAST[action]}; only " + " or ".join(sorted(allowed)) + " ones can"
        )
    return target


_PAST = {
    "edit": "changed",
    "submit": "submitted",
    "approve": "approved",
    "reject": "rejected",
    "cancel": "cancelled",
}


def required_role(tiers: Sequence[Tier], amount: Decimal) -> str | None:
    """The role that must approve ``amount`` (None: automatic), by the configured tiers or the
    default ones."""
    return tier_for(tiers or DEFAULT_TIERS, amount).approver_role


def requisition_number(requisition_id: int) -> str:
    return f"REQ-{requisition_id:06d}"


def replenish_key(sku: str, warehouse_code: str) -> str:
    return f"{sku}|{warehouse_code}"


SYSTEM_ACTOR = Actor(SYSTEM, SYSTEM, frozenset())


# --- prices -------------------------------------------------------------------------------------------------


def best_price(
    session: Session,
    sku: str,
    quantity: Decimal,
    on: date,
    *,
    supplier_id: int | None = None,
    currency: str | None = None,
) -> Any | None:
    """The price row to plan with: valid on ``on`` for ``quantity``, from an active supplier; the preferred
    one first, else the cheapest (optionally only of one supplier and in one currency).
    None when none fits."""
    sp = supplier_prices.c
    query = (
        select(sp.supplier_id, sp.currency, sp.unit_price, sp.preferred)
        .join(suppliers, suppliers.c.id == sp.supplier_id)
        .where(
            sp.sku == sku,
            suppliers.c.status == "active",
            sp.valid_from <= on,
            or_(sp.valid_to.is_(None), sp.valid_to >= on),
            sp.min_quantity <= quantity,
        )
        .order_by(sp.preferred.desc(), sp.unit_price, sp.id)
        .limit(1)
    )
    if supplier_id is not None:
        query = query.where(sp.supplier_id == supplier_id)
    if currency is not None:
        query = query.where(sp.currency == currency)
    return session.execute(query).first()


def _candidate_prices(
    session: Session, sku: str, quantity: Decimal, on: date, supplier_id: int | None = None
) -> tuple[PlanningPrice, ...]:
    """Every price-list entry valid on ``on`` for ``quantity`` from an active supplier (or from one)."""
    sp = supplier_prices.c
    query = (
        select(sp.currency, sp.unit_price, sp.preferred)
        .join(suppliers, suppliers.c.id == sp.supplier_id)
        .where(
            sp.sku == sku,
            suppliers.c.status == "active",
            sp.valid_from <= on,
            or_(sp.valid_to.is_(None), sp.valid_to >= on),
            sp.min_quantity <= quantity,
        )
        .order_by(sp.id)
    )
    if supplier_id is not None:
        query = query.where(sp.supplier_id == supplier_id)
    return tuple(PlanningPrice(r.currency, r.unit_price, bool(r.preferred)) for r in session.execute(query))


def requisition_estimate(session: Session, lines: Sequence[Any], base_currency: str, on: date) -> Estimate:
    """The estimate of domain/estimate.py over the stored lines: the preferred supplier's prices when the line
    names a supplier that has any, else every active supplier's."""
    priced: list[EstimateLine] = []
    for line in lines:
        prices: tuple[PlanningPrice, ...] = ()
        if line.preferred_supplier_id is not None:
            prices = _candidate_prices(session, line.sku, line.quantity, on, line.preferred_supplier_id)
        if not prices:
            prices = _candidate_prices(session, line.sku, line.quantity, on)
        priced.append(EstimateLine(line.line_no, line.sku, line.quantity, prices))
    return estimate(priced, base_currency, config.rules().rate_bands)


# --- storage ------------------------------------------------------------------------------------------------


def insert_requisition(
    session: Session,
    *,
    department: str,
    requester: str,
    source: str,
    note: str | None,
    lines: Sequence[Mapping[str, Any]],
    now: datetime,
    replenish_key: str | None = None,
    created_by: str | None = None,
) -> int | None:
    """Insert a draft and its lines; with a ``replenish_key`` already held by an open draft, nothing (None).

    The key's UNIQUE constraint decides (INSERT ... ON CONFLICT DO NOTHING), so two concurrent low-stock
    events cannot both create a draft.
    """
    values = {
        "department": department,
        "requester": requester,
        "status": RequisitionStatus.DRAFT.value,
        "source": source,
        "note": note,
        "replenish_key": replenish_key,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
    }
    if replenish_key is None:
        requisition_id = session.execute(insert(requisitions).values(**values)).inserted_primary_key[0]
    else:
        requisition_id = session.execute(
            insert_on_conflict(session, requisitions)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["replenish_key"])
            .returning(requisitions.c.id)
        ).scalar()
        if requisition_id is None:
            return None
    requisition_id = int(requisition_id)
    session.execute(
        update(requisitions)
        .where(requisitions.c.id == requisition_id)
        .values(number=requisition_number(requisition_id))
    )
    _insert_lines(session, requisition_id, lines)
    return requisition_id


def _insert_lines(session: Session, requisition_id: int, lines: Sequence[Mapping[str, Any]]) -> None:
    session.execute(
        insert(requisition_lines),
        [
            {
                "requisition_id": requisition_id,
                "line_no": n,
                "sku": ln["sku"],
                "warehouse_code": ln["warehouse_code"],
                "quantity": ln["quantity"],
                "needed_by": ln.get("needed_by"),
                "note": ln.get("note"),
                "preferred_supplier_id": ln.get("preferred_supplier_id"),
                "ordered_quantity": ZERO,
            }
            for n, ln in enumerate(lines, start=1)
        ],
    )


def _check_lines(session: Session, lines: Sequence[Mapping[str, Any]]) -> None:
    """Every SKU and warehouse known and active in the replicas, every preferred supplier existing; else 422
    naming the lines."""
    known = item_status(session, [ln["sku"] for ln in lines])
    stores = warehouse_status(session, {ln["warehouse_code"] for ln in lines})
    wanted_suppliers = {ln["preferred_supplier_id"] for ln in lines if ln.get("preferred_supplier_id") is not None}
    existing = (
        set(session.execute(select(suppliers.c.id).where(suppliers.c.id.in_(wanted_suppliers))).scalars())
        if wanted_suppliers
        else set()
    )
    errors: dict[str, dict[str, list[str]]] = {}
    codes: list[str] = []
    for index, line in enumerate(lines):
        sku = line["sku"]
        if sku not in known:
            errors.setdefault(str(index), {})["sku"] = [f"unknown SKU {sku!r}"]
            codes.append("UNKNOWN_SKU")
        elif not known[sku]:
            errors.setdefault(str(index), {})["sku"] = [f"SKU {sku!r} is inactive"]
            codes.append("INACTIVE_SKU")
        problem = warehouse_problem(stores, line["warehouse_code"])
        if problem is not None:
            errors.setdefault(str(index), {})["warehouse_code"] = [problem[1]]
            codes.append(problem[0])
        supplier_id = line.get("preferred_supplier_id")
        if supplier_id is not None and supplier_id not in existing:
            errors.setdefault(str(index), {})["preferred_supplier_id"] = [f"supplier {supplier_id} does not exist"]
            codes.append("SUPPLIER_NOT_FOUND")
    if errors:
        code = codes[0]
        raise RuleViolation(
            f"{len(errors)} requisition line(s) cannot be accepted ({code})",
            code=code,
            errors={"lines": errors},
        )


def _check_warehouses(session: Session, lines: Sequence[Any]) -> None:
    """At submission: every stored line's warehouse still active in the replica (it may have been closed)."""
    stores = warehouse_status(session, {ln.warehouse_code for ln in lines})
    errors: dict[str, Any] = {}
    codes: list[str] = []
    for index, line in enumerate(lines):
        problem = warehouse_problem(stores, line.warehouse_code)
        if problem is not None:
            errors[str(index)] = {"warehouse_code": [problem[1]]}
            codes.append(problem[0])
    if errors:
        raise RuleViolation(
            f"{len(errors)} requisition line(s) name a warehouse that cannot take orders",
            code=codes[0],
            errors={"lines": errors},
        )


def _lock(session: Session, requisition_id: int) -> Any:
    row = session.execute(select(requisitions).where(requisitions.c.id == requisition_id).with_for_update()).first()
    if row is None:
        raise RequisitionNotFound(f"requisition {requisition_id} does not exist")
    return row


def _ensure_owner(row: Any, actor: Actor, action: str) -> None:
    owner = Owner(user_id=row.created_by, username=row.requester, source=row.source)
    ensure_may_change(
        owner, actor.user_id, actor.username, actor.roles, action=action, number=row.number or str(row.id)
    )


def _makers(session: Session, row: Any) -> set[str]:
    """Who made the requisition: its requester and whoever submitted it (domain/four_eyes.py)."""
    makers = set(
        session.execute(
            select(approvals.c.actor_id).where(
                approvals.c.document_type == DOCUMENT_TYPE,
                approvals.c.document_id == row.id,
                approvals.c.decision.in_(MAKING_DECISIONS),
            )
        ).scalars()
    )
    if row.created_by is not None:
        makers.add(row.created_by)
    return makers


def _approver_role(session: Session, row: Any, amount: Decimal) -> str | None:
    """The role fixed when it was submitted (rows submitted before it was kept: the tiers of today)."""
    if row.approver_role is not None:
        return str(row.approver_role)
    return required_role(_tiers(session), amount)


def _lines(session: Session, requisition_id: int) -> list[Any]:
    return list(
        session.execute(
            select(requisition_lines)
            .where(requisition_lines.c.requisition_id == requisition_id)
            .order_by(requisition_lines.c.line_no)
        ).all()
    )


def _tiers(session: Session) -> list[Tier]:
    rows = session.execute(
        select(approval_tiers.c.up_to_amount, approval_tiers.c.approver_role).where(
            approval_tiers.c.document_type == DOCUMENT_TYPE
        )
    ).all()
    return [Tier(r.up_to_amount, r.approver_role) for r in rows]


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


def _submitted_amount(session: Session, requisition_id: int) -> Decimal:
    amount = session.execute(
        select(approvals.c.amount_base)
        .where(
            approvals.c.document_type == DOCUMENT_TYPE,
            approvals.c.document_id == requisition_id,
            approvals.c.decision == "submitted",
        )
        .order_by(approvals.c.id.desc())
        .limit(1)
    ).scalar()
    return amount if amount is not None else ZERO


def _set_status(session: Session, requisition_id: int, status: str, now: datetime, **extra: Any) -> None:
    session.execute(
        update(requisitions).where(requisitions.c.id == requisition_id).values(status=status, updated_at=now, **extra)
    )


# --- commands -----------------------------------------------------------------------------------------------


def create_requisition(db: Database, actor: Actor, body: Mapping[str, Any]) -> dict[str, Any]:
    with db.unit_of_work() as session:
        _check_lines(session, body["lines"])
        requisition_id = insert_requisition(
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
        view = requisition(session, requisition_id)
        session.commit()
    assert view is not None
    return view


def update_requisition(db: Database, requisition_id: int, actor: Actor, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change a draft's note, department or (all of its) lines: its requester, or a manager (ownership.py)."""
    with db.unit_of_work() as session:
        row = _lock(session, requisition_id)
        _ensure_owner(row, actor, "change")
        check_transition(row.status, "edit")
        header = {k: changes[k] for k in ("note", "department") if k in changes}
        if "lines" in changes:
            _check_lines(session, changes["lines"])
            session.execute(requisition_lines.delete().where(requisition_lines.c.requisition_id == requisition_id))
            _insert_lines(session, requisition_id, changes["lines"])
        session.execute(
            update(requisitions).where(requisitions.c.id == requisition_id).values(updated_at=utcnow(), **header)
        )
        view = requisition(session, requisition_id)
        session.commit()
    assert view is not None
    return view


def submit_requisition(db: Database, requisition_id: int, actor: Actor, base_currency: str) -> dict[str, Any]:
    """Draft -> submitted, priced and recorded; approved at once when the amount is in the automatic tier."""
    with db.unit_of_work() as session:
        row = _lock(session, requisition_id)
        _ensure_owner(row, actor, "submit")
        check_transition(row.status, "submit")
        lines = _lines(session, requisition_id)
        _check_warehouses(session, lines)
        now = utcnow()
        result = requisition_estimate(session, lines, base_currency, now.date())
        amount = result.amount
        role = approver_role(_tiers(session), result)
        incomplete = None if result.complete else "estimate incomplete: " + "; ".join(result.unpriced)
        _record(session, requisition_id, "submitted", actor, now, amount_base=amount, reason=incomplete)
        if role is None:
            _set_status(session, requisition_id, RequisitionStatus.APPROVED, now, replenish_key=None)
            _record(
                session,
                requisition_id,
                "approved",
                SYSTEM_ACTOR,
                now,
                amount_base=amount,
                reason="automatic: within the first approval tier",
            )
        else:
            _set_status(
                session, requisition_id, RequisitionStatus.SUBMITTED, now, replenish_key=None, approver_role=role
            )
        view = requisition(session, requisition_id)
        session.commit()
    assert view is not None
    return view


def approve_requisition(db: Database, requisition_id: int, actor: Actor, reason: str | None = None) -> dict[str, Any]:
    with db.unit_of_work() as session:
        row = _lock(session, requisition_id)
        check_transition(row.status, "approve")
        amount = _submitted_amount(session, requisition_id)
        ensure_can_approve(Tier(None, _approver_role(session, row, amount)), actor.roles, amount)
        ensure_not_maker(actor.user_id, _makers(session, row), document=row.number, enabled=config.rules().four_eyes)
        now = utcnow()
        _set_status(session, requisition_id, RequisitionStatus.APPROVED, now)
        _record(session, requisition_id, "approved", actor, now, reason=reason, amount_base=amount)
        view = requisition(session, requisition_id)
        session.commit()
    assert view is not None
    return view


def reject_requisition(db: Database, requisition_id: int, actor: Actor, reason: str) -> dict[str, Any]:
    """Submitted -> rejected, with a reason. Rejecting needs the same role as approving would."""
    with db.unit_of_work() as session:
        row = _lock(session, requisition_id)
        check_transition(row.status, "reject")
        amount = _submitted_amount(session, requisition_id)
        ensure_can_approve(Tier(None, _approver_role(session, row, amount)), actor.roles, amount)
        now = utcnow()
        _set_status(session, requisition_id, RequisitionStatus.REJECTED, now)
        _record(session, requisition_id, "rejected", actor, now, reason=reason, amount_base=amount)
        view = requisition(session, requisition_id)
        session.commit()
    assert view is not None
    return view


def cancel_requisition(db: Database, requisition_id: int, actor: Actor, reason: str | None = None) -> dict[str, Any]:
    with db.unit_of_work() as session:
        row = _lock(session, requisition_id)
        _ensure_owner(row, actor, "cancel")
        check_transition(row.status, "cancel")
        now = utcnow()
        _set_status(session, requisition_id, RequisitionStatus.CANCELLED, now, replenish_key=None)
        _record(session, requisition_id, "cancelled", actor, now, reason=reason)
        view = requisition(session, requisition_id)
        session.commit()
    assert view is not None
    return view


# --- reads --------------------------------------------------------------------------------------------------


def requisition(session: Session, requisition_id: int) -> dict[str, Any] | None:
    """One requisition with its lines (and what was ordered of each) and its approvals log, oldest first."""
    row = session.execute(select(requisitions).where(requisitions.c.id == requisition_id)).first()
    if row is None:
        return None
    view = dict(row._mapping)
    view["lines"] = [dict(ln._mapping) for ln in _lines(session, requisition_id)]
    log = session.execute(
        select(approvals)
        .where(approvals.c.document_type == DOCUMENT_TYPE, approvals.c.document_id == requisition_id)
        .order_by(approvals.c.id)
    ).all()
    view["approvals"] = [{**dict(a._mapping), "actor_roles": [r for r in a.actor_roles.split(",") if r]} for a in log]
    submitted = [a for a in view["approvals"] if a["decision"] == "submitted"]
    view["amount_base"] = submitted[-1]["amount_base"] if submitted else None
    view["approver_role"] = (
        _approver_role(session, row, view["amount_base"] or ZERO) if row.status == RequisitionStatus.SUBMITTED else None
    )
    return view


def list_requisitions(
    session: Session,
    *,
    status: str | None,
    department: str | None,
    source: str | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Headers, newest first, each with its number of lines."""
    counts = (
        select(requisition_lines.c.requisition_id, func.count().label("line_count"))
        .group_by(requisition_lines.c.requisition_id)
        .subquery()
    )
    query = select(requisitions, func.coalesce(counts.c.line_count, 0).label("line_count")).outerjoin(
        counts, counts.c.requisition_id == requisitions.c.id
    )
    conditions = []
    if status:
        conditions.append(requisitions.c.status == status)
    if department:
        conditions.append(requisitions.c.department == department)
    if source:
        conditions.append(requisitions.c.source == source)
    if conditions:
        query = query.where(and_(*conditions))
    total = count_rows(session, query)
    rows = session.execute(page_window(query.order_by(requisitions.c.id.desc()), page, page_size)).all()
    return [dict(r._mapping) for r in rows], int(total)
