"""Customers (客户): their classes, channels and statuses, and who may change their credit terms.

Business rules (README "Customers"):

* A customer's **code** is its identity: unique, never changed. Everything else may be edited.
* **Status** is ``active``, ``on_hold`` (credit control: no new confirmation until released) or ``blocked`` (no
  business at all). Going on hold or blocked needs a reason; every change is logged with who, when and why.
* The **credit terms** (credit limit, status) are credit control, not sales: only a ``sales_manager`` (or an
  ``admin``) changes them. A ``sales`` user may create a customer, which then starts **cash only** (a credit
  limit of 0: every order is held for a manager), and may edit its contacts, addresses, class, channel,
  currency, salesperson and payment terms. No limit at all (``null``: no credit check) is a manager's choice too.
* A **customer class** (客户分类: A, B, C, VIP, ...) is configurable master data: a code and a name. What a class
  pays is set where every other price is: price lists for the class, and discount rules of kind
  ``class_discount`` (dated, so a class's discount can change on a known day), see ``domain/pricing.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from psi_chassis.decimals import ZERO
from psi_chassis.errors import add_error
from psi_contracts.permissions import ADMIN, SALES_MANAGER
from psi_sales.domain.errors import CreditTermsForbidden, CustomerRuleViolation


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    BLOCKED = "blocked"


class Channel(StrEnum):
    """Where the customer buys: it picks price lists and shows on reports."""

    STORE = "store"
    WEB = "web"
    MARKETPLACE = "marketplace"
    WHOLESALE = "wholesale"


#: The fields of a customer that are credit control, not sales.
CREDIT_TERMS = frozenset({"credit_limit", "status"})
#: The roles that may set them.
CREDIT_CONTROLLERS = frozenset({ADMIN, SALES_MANAGER})
#: The credit limit of a customer created by someone who may not set credit terms: cash only.
CASH_ONLY = ZERO


def may_set_credit_terms(roles: Iterable[str]) -> bool:
    return bool(CREDIT_CONTROLLERS & set(roles))


def check_credit_terms_change(changes: Mapping[str, Any], roles: Iterable[str]) -> None:
    """Refuse a change of the credit limit or the status by a caller who is not a credit controller."""
    touched = sorted(CREDIT_TERMS & set(changes))
    if touched and not may_set_credit_terms(roles):
        raise CreditTermsForbidden(
            f"only a sales manager may change {' and '.join(touched)}",
            errors={name: ["needs the sales_manager role"] for name in touched},
        )


def initial_credit_limit(requested: Decimal | None, roles: Iterable[str]) -> Decimal | None:
    """The limit a new customer starts with: as asked by a credit controller, else cash only.

    A ``sales`` user asking for a limit is refused rather than silently given 0, so nobody believes a limit was set.
    """
    if may_set_credit_terms(roles):
        return requested
    if requested is not None:
        raise CreditTermsForbidden(
            "only a sales manager may set a credit limit", errors={"credit_limit": ["needs the sales_manager role"]}
        )
    return CASH_ONLY


def check_status_change(current: CustomerStatus, new: CustomerStatus, reason: str | None) -> None:
    """A status change must change something; putting a customer on hold or blocking one needs a reason."""
    errors: dict[str, Any] = {}
    if new is current:
        add_error(errors, "status", f"the customer is already {current.value}")
    if new is not CustomerStatus.ACTIVE and not reason:
        add_error(errors, "reason", f"a reason is required to make a customer {new.value}")
    if errors:
        raise CustomerRuleViolation("the status change breaks a customer rule", errors=errors)
