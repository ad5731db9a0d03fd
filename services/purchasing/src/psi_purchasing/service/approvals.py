"""Approval policy (审批, 采购额度控制): amount tiers per document type, monthly department budgets, and the
log of every approval decision. The pure rules are in domain/approval.py; this module reads and writes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from psi_chassis.db import Database
from psi_chassis.decimals import plain, q6
from psi_chassis.paging import fetch_page
from psi_contracts.permissions import ROLES
from psi_purchasing.adapters.tables import approval_tiers, approvals, department_budgets
from psi_purchasing.domain.approval import DEFAULT_TIERS, DocumentType, Tier, ensure_fits, validate_tiers
from psi_purchasing.domain.commands import Actor
from psi_purchasing.domain.errors import BudgetBelowCommitted, BudgetMismatch, NoBudget
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


def _tiers_view(document_type: str, tiers: Sequence[Tier], configured: bool) -> dict[str, Any]:
    return {
        "document_type": document_type,
        "configured": configured,
        "tiers": [{"up_to_amount": t.up_to_amount, "approver_role": t.approver_role} for t in tiers],
    }


def list_tiers(session: Session) -> list[dict[str, Any]]:
    return [_tiers_view(str(dt), *load_tiers(session, str(dt))) for dt in DocumentType]


def replace_tiers(db: Database, document_type: str, tiers: Sequence[Tier]) -> dict[str, Any]:
    checked = validate_tiers(tiers, ROLES)
    with db.unit_of_work() as session:
        session.execute(delete(approval_tiers).where(approval_tiers.c.document_type == document_type))
        session.execute(
            insert(approval_tiers),
            [
                {
                    "document_type": document_type,
                    "up_to_amount": t.up_to_amount and q6(t.up_to_amount),
                    "approver_role": t.approver_role,
                }
                for t in checked
            ],
        )
        view = _tiers_view(document_type, *load_tiers(session, document_type))
        session.commit()
    return view


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
    rows, total = fetch_page(
        session, query, (department_budgets.c.period, department_budgets.c.department), page, page_size
    )
    return [_budget_view(r) for r in rows], total


def set_budget(db: Database, department: str, period: str, amount: Decimal) -> dict[str, Any]:
    """Create or change a department's budget for a month; never below what is already committed."""
    amount = q6(amount)
    key = (department_budgets.c.department == department, department_budgets.c.period == period)
    with db.unit_of_work() as session:
        for _attempt in range(2):
            row = session.execute(select(department_budgets).where(*key).with_for_update()).first()
            if row is not None:
                if amount < row.committed:
                    raise BudgetBelowCommitted(
                        f"{plain(row.committed)} of the {department} budget for {period} is committed; "
                        f"it cannot go down to {plain(amount)}",
                        errors={"amount": [f"must be at least {plain(row.committed)}"]},
                    )
                session.execute(update(department_budgets).where(*key).values(amount=amount))
                break
            try:
                with session.begin_nested():
                    session.execute(
                        insert(department_budgets).values(
                            department=department, period=period, amount=amount, committed=Decimal(0)
                        )
                    )
                break
            except IntegrityError:
                continue  # created concurrently: lock it and update instead
        row = session.execute(select(department_budgets).where(*key)).one()
        view = _budget_view(row)
        session.commit()
    return view


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


def makers(session: Session, document_type: str, document_id: int, revision: int) -> set[str]:
    """The user ids that submitted or revised this revision of the document (its makers, with its creator)."""
    return set(
        session.execute(
            select(approvals.c.actor_id).where(
                approvals.c.document_type == document_type,
                approvals.c.document_id == document_id,
                approvals.c.revision == revision,
                approvals.c.decision.in_(MAKING_DECISIONS),
            )
        ).scalars()
    )


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


def log_of(
    session: Session, document_type: str, document_id: int, *, page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    query = select(approvals).where(approvals.c.document_type == document_type, approvals.c.document_id == document_id)
    rows, total = fetch_page(session, query, approvals.c.id, page, page_size)
    return [dict(r._mapping) for r in rows], total
