"""Discount rules (折扣规则): what a valid rule is. How rules apply to a line is ``pricing.price_line``.

* **class_discount**: a percent for every line of a customer class's orders; names the class, no SKU or category.
* **quantity_break**: a percent on a SKU or a category once a line reaches ``min_quantity``.
* **promotion**: a percent on a SKU or a category between two dates, both required (a promotion has an end).
* A percent is more than 0 and at most 100; a rule names a SKU or a category, not both; dates in order.

The cap on a **manual** discount (what a ``sales`` user may type without a manager) is a setting,
``SALES_MAX_MANUAL_DISCOUNT_PERCENT`` (config.py), not a rule row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import HUNDRED, ZERO
from psi_chassis.errors import add_error
from psi_sales.domain.errors import PricingRuleViolation
from psi_sales.domain.pricing import RuleKind


@dataclass(frozen=True)
class NewDiscountRule:
    name: str
    kind: RuleKind
    percent: Decimal
    valid_from: date | None = None
    valid_to: date | None = None
    class_code: str | None = None
    sku: str | None = None
    category: str | None = None
    min_quantity: Decimal | None = None


def check_discount_rule(rule: NewDiscountRule) -> None:
    """Every problem of a new rule at once (422 PRICING_RULE_VIOLATION naming the fields)."""
    errors: dict[str, Any] = {}
    if not ZERO < rule.percent <= HUNDRED:
        add_error(errors, "percent", "must be more than 0 and at most 100")
    if rule.valid_from is not None and rule.valid_to is not None and rule.valid_to < rule.valid_from:
        add_error(errors, "valid_to", "must not be before valid_from")
    if rule.kind is RuleKind.CLASS_DISCOUNT:
        _check_class_rule(rule, errors)
    else:
        _check_item_rule(rule, errors)
    if errors:
        raise PricingRuleViolation("the discount rule breaks a pricing rule", errors=errors)


def _check_class_rule(rule: NewDiscountRule, errors: dict[str, Any]) -> None:
    if rule.class_code is None:
        add_error(errors, "class_code", "a class discount names its customer class")
    for name in ("sku", "category", "min_quantity"):
        if getattr(rule, name) is not None:
            add_error(errors, name, "a class discount applies to every line: no SKU, category or quantity")


def _check_item_rule(rule: NewDiscountRule, errors: dict[str, Any]) -> None:
    if (rule.sku is None) == (rule.category is None):
        add_error(errors, "sku", f"a {rule.kind.value} names a SKU or a category (one of them)")
    if rule.class_code is not None:
        add_error(errors, "class_code", f"a {rule.kind.value} is for every customer, not one class")
    if rule.kind is RuleKind.QUANTITY_BREAK and (rule.min_quantity is None or rule.min_quantity <= ZERO):
        add_error(errors, "min_quantity", "a quantity break starts at a quantity greater than 0")
    if rule.kind is RuleKind.PROMOTION:
        if rule.valid_from is None or rule.valid_to is None:
            add_error(errors, "valid_to", "a promotion runs from a date to a date")
        if rule.min_quantity is not None:
            add_error(errors, "min_quantity", "a promotion applies whatever the quantity")


#: The roles that may give a manual discount above the cap.
DISCOUNT_APPROVERS = frozenset({"admin", "sales_manager"})


def may_exceed_manual_cap(roles: frozenset[str] | set[str]) -> bool:
    return bool(DISCOUNT_APPROVERS & set(roles))
