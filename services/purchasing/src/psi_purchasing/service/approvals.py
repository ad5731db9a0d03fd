"""Approval-policy commands (审批, 采购额度控制): replace a document type's tiers, set a department's budget.

The rules are domain/approval.py; the SQL (tiers, budgets, the approvals log) is adapters/approvals.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.decimals import q6
from psi_contracts.permissions import ROLES
from psi_purchasing.adapters import approvals as store
from psi_purchasing.domain.approval import Tier, ensure_covers_committed, validate_tiers


def replace_tiers(db: Database, document_type: str, tiers: Sequence[Tier]) -> dict[str, Any]:
    """Replace one document type's tiers, checked first (domain/approval.validate_tiers)."""
    checked = validate_tiers(tiers, ROLES)

    def work(session: Session) -> dict[str, Any]:
        store.write_tiers(session, document_type, checked)
        return store.tiers_view(session, document_type)

    return run_command(db, work)


def set_budget(db: Database, department: str, period: str, amount: Decimal) -> dict[str, Any]:
    """Create or change a department's budget for a month; never below what is already committed.

    The row is locked before the check, so an approval committing against it meanwhile waits; a budget created
    concurrently makes the insert fail, and the second pass locks and updates it instead.
    """
    amount = q6(amount)

    def work(session: Session) -> dict[str, Any]:
        for _attempt in range(2):
            committed = store.lock_budget_committed(session, department, period)
            if committed is not None:
                ensure_covers_committed(amount, committed, department=department, period=period)
                store.set_budget_amount(session, department, period, amount)
                break
            if store.try_add_budget(session, department, period, amount):
                break
        return store.budget_view(session, department, period)

    return run_command(db, work)
