"""The SQL of the approval policy (审批, 采购额度控制): amount tiers, monthly department budgets and the log of
every approval decision. The rules are domain/approval.py and domain/four_eyes.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from psi_chassis.decimals import ZERO, plain, q6
from psi_chassis.paging import fetch_page
from psi_purchasing.adapters.tables import approval_tiers, approvals, department_budgets
from psi_purchasing.domain.approval import DEFAULT_TIERS, DocumentType, Tier, ensure_fits
from psi_purchasing.domain.commands import Actor
from psi_purchasing.domain.errors import BudgetMismatch, NoBudget
from psi_purchasing.domain.four_eyes import MAKING_DECISIONS

# --- tiers --------------------------------------------------------------------------------------------------


def load_tiers(session: Session, document_type: str) -> tuple[tuple[Tier, ...], bool]:
    """The tiers of a document type and whether they were configured (else the defaults)."""
    rows = session.execute(
        select(approval_tiers.c.up_to_amount, approval_tiers.c.approver_role).where(
            approval_tiers.c.document_type == document_type
        )
    ).all()
    if not rows:
        return DEFAULT_TIERS, False
    tiers = sorted(
        (Tier(r.up_to_amount, r.approver_role) for r in rows),
        key=lambda t: (t.up_to_amount is None, t.up_to_amount or Decimal(0)),
    )
    return tuple(tiers), True


def write_tiers(session: Session, document_type: str, tiers: Sequence[Tier]) -> None:
    """Replace a document type's tiers (checked ones: domain/approval.validate_tiers)."""
    session.execute(delete(approval_tiers).where(approval_tiers.c.document_type == document_type))
    session.execute(
        insert(approval_tiers),
        [
            {
                "document_type": document_type,
                "up_to_amount": t.up_to_amount and q6(t.up_to_amount),
                "approver_role": t.approver_role,
            }
            for t in tiers
        ],
    )


def tiers_view(session: Session, document_type: str) -> dict[str, Any]:
    tiers, configured = load_tiers(session, document_type)
    return {
        "document_type": document_type,
        "configured": configured,
        "tiers": [{"up_to_amount": t.up_to_amount, "approver_role": t.approver_role} for t in tiers],
    }


def list_tiers(session: Session) -> list[dict[str, Any]]:
    return [tiers_view(session, str(dt)) for dt in DocumentType]


# --- budgets ------------------------------------------------------------------------------------------------


def _budget_view(row: Any) -> dict[str, Any]:
    view = dict(row._mapping)
    view["available"] = view["amount"] - view["committed"]
    return view


def list_budgets(
    session: Session, *, department: str | None, period: str | None, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query = select(department_budgets)
    if department:
        query = query.where(department_budgets.c.department == department)
    if period:
        query = query.where(department_budgets.c.period == period)
    order = (department_budgets.c.period, department_budgets.c.department)
    rows, total = fetch_page(session, query, order, page, page_size)
    return [_budget_view(r) for r in rows], total


def _budget_key(department: str, period: str) -> tuple[Any, Any]:
    return department_budgets.c.department == department, department_budgets.c.period == period


def lock_budget_committed(session: Session, department: str, period: str) -> Decimal | None:
    """What is committed against a budget, holding its row lock; None when there is no budget row."""
    row = session.execute(
        select(department_budgets.c.committed).where(*_budget_key(department, period)).with_for_update()
    ).first()
    return None if row is None else row.committed


def set_budget_amount(session: Session, department: str, period: str, amount: Decimal) -> None:
    session.execute(update(department_budgets).where(*_budget_key(department, period)).values(amount=amount))


def try_add_budget(session: Session, department: str, period: str, amount: Decimal) -> bool:
    """Insert a budget with nothing committed; False when one was created concurrently (lock it, update it)."""
    try:
        with session.begin_nested():
            session.execute(
                insert(department_budgets).values(department=department, period=period, amount=amount, committed=ZERO)
            )
    except IntegrityError:
        return False
    return True


def budget_view(session: Session, department: str, period: str) -> dict[str, Any]:
    return _budget_view(session.execute(select(department_budgets).where(*_budget_key(department, period))).one())


def commit_budget(session: Session, department: str, period: str, add: Decimal) -> None:
    """Commit ``add`` against a budget with one conditional UPDATE, so concurrent approvals cannot overspend.

    Raises BUDGET_EXCEEDED (nothing changes) or NO_BUDGET (no row for the department and month).
    """
    c = department_budgets.c
    done = session.execute(
        update(department_budgets)
        .where(c.department == department, c.period == period, c.committed + add <= c.amount)
        .values(committed=c.committed + add)
    ).rowcount
    if done == 1:
        return
    row = session.execute(select(c.amount, c.committed).where(c.department == department, c.period == period)).first()
    if row is None:
        raise NoBudget(f"department {department} has no budget for {period}")
    ensure_fits(row.amount, row.committed, add, department=department, period=period)
    raise AssertionError("the conditional budget update failed but the budget has room")  # pragma: no cover


def release_budget(session: Session, department: str, period: str, amount: Decimal) -> None:
    """Give back what an order had committed (un-approve, cancel, amendment, short-close), with one conditional
    UPDATE: it never takes the commitment below 0, and a budget that does not hold the amount is an error
    (the order and the budget disagree), never silently clipped."""
    c = department_budgets.c
    done = session.execute(
        update(department_budgets)
        .where(c.department == department, c.period == period, c.committed >= amount)
        .values(committed=c.committed - amount)
    ).rowcount
    if done != 1:
        raise BudgetMismatch(
            f"the budget of {department} for {period} does not hold the {plain(amount)} the order committed"
        )


# --- the approvals log --------------------------------------------------------------------------------------


def record(
    session: Session,
    *,
    document_type: str,
    document_id: int,
    revision: int,
    decision: str,
    actor: Actor,
    now: datetime,
    reason: str | None = None,
    amount_base: Decimal | None = None,
) -> None:
    """One decision in the log: who (id, name and roles, cut to the columns), when, why, for how much."""
    session.execute(
        insert(approvals).values(
            document_type=document_type,
            document_id=document_id,
            revision=revision,
            decision=decision,
            actor_id=actor.user_id[:64],
            actor_name=actor.username[:64],
            actor_roles=",".join(sorted(actor.roles))[:255],
            reason=reason,
            amount_base=amount_base,
            decided_at=now,
        )
    )


def makers(session: Session, document_type: str, document_id: int, revision: int | None = None) -> set[str]:
    """The user ids that submitted or revised the document (one revision of it, when given): its makers for the
    four-eyes rule, with its creator."""
    query = select(approvals.c.actor_id).where(
        approvals.c.document_type == document_type,
        approvals.c.document_id == document_id,
        approvals.c.decision.in_(MAKING_DECISIONS),
    )
    if revision is not None:
        query = query.where(approvals.c.revision == revision)
    return set(session.execute(query).scalars())


def ever_approved(session: Session, document_type: str, document_id: int) -> bool:
    """Whether any revision of the document was approved (finance may hold it open even if it is not now)."""
    return (
        session.execute(
            select(approvals.c.id)
            .where(
                approvals.c.document_type == document_type,
                approvals.c.document_id == document_id,
                approvals.c.decision == "approved",
            )
            .limit(1)
        ).first()
        is not None
    )


def last_submitted_amount(session: Session, document_type: str, document_id: int) -> Decimal:
    """The base amount of the latest submission (0 if none recorded one)."""
    amount = session.execute(
        select(approvals.c.amount_base)
        .where(
            approvals.c.document_type == document_type,
            approvals.c.document_id == document_id,
            approvals.c.decision == "submitted",
        )
        .order_by(approvals.c.id.desc())
        .limit(1)
    ).scalar()
    return amount if amount is not None else ZERO


def log_of(
    session: Session, document_type: str, document_id: int, *, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query = select(approvals).where(approvals.c.document_type == document_type, approvals.c.document_id == document_id)
    rows, total = fetch_page(session, query, approvals.c.id, page, page_size)
    return [dict(r._mapping) for r in rows], total


def full_log(session: Session, document_type: str, document_id: int) -> list[dict[str, Any]]:
    """Every decision on the document, oldest first, with the roles as a list."""
    rows = session.execute(
        select(approvals)
        .where(approvals.c.document_type == document_type, approvals.c.document_id == document_id)
        .order_by(approvals.c.id)
    ).all()
    return [{**dict(a._mapping), "actor_roles": [r for r in a.actor_roles.split(",") if r]} for a in rows]
