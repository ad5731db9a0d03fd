"""Pure approval-policy rules (审批, 采购额度控制): amount tiers by role, and monthly department budgets.

No database, no framework. Amounts are in the base currency: an order's total including tax times its exchange
rate, rounded to six decimals.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from psi_chassis.decimals import ZERO, has_at_most_6_places, plain, q6
from psi_chassis.errors import add_error
from psi_purchasing.domain.errors import ApproverRoleRequired, BudgetBelowCommitted, BudgetExceeded, RuleViolation

ADMIN = "admin"


class DocumentType(StrEnum):
    PURCHASE_ORDER = "purchase_order"
    REQUISITION = "requisition"


@dataclass(frozen=True)
class Tier:
    """Up to ``up_to_amount`` (inclusive; None: no bound) needs ``approver_role`` (None: automatic)."""

    up_to_amount: Decimal | None
    approver_role: str | None

    @property
    def automatic(self) -> bool:
        return self.approver_role is None


#: Used for a document type while nobody has configured its tiers.
DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier(Decimal(5000), None),
    Tier(Decimal(50000), "purchasing_manager"),
    Tier(None, ADMIN),
)


def amount_base(total: Decimal, exchange_rate: Decimal) -> Decimal:
    """A document total converted to the base currency (``total × exchange_rate``, six decimals)."""
    return q6(total * exchange_rate)


def budget_period(day: date) -> str:
    """The budget month of a date: ``2026-03``."""
    return f"{day.year:04d}-{day.month:02d}"


def validate_tiers(tiers: Sequence[Tier], known_roles: Collection[str]) -> tuple[Tier, ...]:
    """Check a tier table and return it sorted by bound (the unbounded tier last).

    Rules: at least one tier; bounds > 0 with at most six decimals and all different; exactly one tier
    without a bound (so every amount has a tier); roles are known roles or None.
    """
    errors: dict[str, Any] = {}

    def err(i: int, name: str, message: str) -> None:
        add_error(errors, "tiers", message, i, name)

    if not tiers:
        errors["tiers"] = ["at least one tier is needed"]
    bounds: set[Decimal] = set()
    unbounded = 0
    for i, tier in enumerate(tiers):
        if tier.up_to_amount is None:
            unbounded += 1
        elif not has_at_most_6_places(tier.up_to_amount) or tier.up_to_amount <= ZERO:
            err(i, "up_to_amount", "must be greater than 0 with at most 6 decimal places")
        elif tier.up_to_amount in bounds:
            err(i, "up_to_amount", f"{plain(tier.up_to_amount)} appears more than once")
        else:
            bounds.add(tier.up_to_amount)
        if tier.approver_role is not None and tier.approver_role not in known_roles:
            err(i, "approver_role", f"unknown role {tier.approver_role!r}")
    if tiers and unbounded != 1 and "tiers" not in errors:
        errors["tiers"] = ["exactly one tier must have no upper bound (up_to_amount null)"]
    if errors:
        raise RuleViolation("the approval tiers are not valid; see errors", errors=errors)
    return tuple(sorted(tiers, key=lambda t: (t.up_to_amount is None, t.up_to_amount or ZERO)))


def tier_for(tiers: Sequence[Tier], amount: Decimal) -> Tier:
    """The first tier (by bound) whose bound the amount does not exceed; the unbounded tier otherwise.

    Should a stored table lack an unbounded tier, amounts above its highest bound go to an admin.
    """
    ordered = sorted(tiers, key=lambda t: (t.up_to_amount is None, t.up_to_amount or ZERO))
    for tier in ordered:
        if tier.up_to_amount is None or amount <= tier.up_to_amount:
            return tier
    return Tier(None, ADMIN)


def can_approve(tier: Tier, roles: Collection[str]) -> bool:
    """An admin may approve any tier; otherwise the caller must hold the tier's role."""
    return tier.automatic or ADMIN in roles or tier.approver_role in roles


def ensure_can_approve(tier: Tier, roles: Collection[str], amount: Decimal) -> None:
    if not can_approve(tier, roles):
        raise ApproverRoleRequired(
            f"an amount of {plain(amount)} in the base currency needs approval by {tier.approver_role}"
        )


def ensure_fits(budget_amount: Decimal, committed: Decimal, add: Decimal, *, department: str, period: str) -> None:
    """The rule the conditional UPDATE enforces: committed + add <= amount."""
    if committed + add > budget_amount:
        raise BudgetExceeded(
            f"the budget of {department} for {period} is {plain(budget_amount)}, "
            f"{plain(committed)} committed; "
            f"{plain(add)} more would exceed it by {plain(committed + add - budget_amount)}"
        )


def ensure_covers_committed(amount: Decimal, committed: Decimal, *, department: str, period: str) -> None:
    """A budget never goes below what approved orders have committed against it (409 BUDGET_BELOW_COMMITTED)."""
    if amount < committed:
        raise BudgetBelowCommitted(
            f"{plain(committed)} of the {department} budget for {period} is committed; "
            f"it cannot go down to {plain(amount)}",
            errors={"amount": [f"must be at least {plain(committed)}"]},
        )
