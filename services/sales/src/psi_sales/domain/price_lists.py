"""Price lists (价目表): what a valid list is. The choice of a list price for a line is ``pricing.list_price``.

* A list is **general**, for a **class** (names a customer class) or for one **customer** (names a customer),
  never more than one of these; it is in one currency and valid from a date to a date (both optional, inclusive).
* Its lines give a unit price (0 or more) per SKU and **minimum quantity** (a quantity break: 1 unit at 100, 10
  units or more at 95). A SKU and minimum quantity appear once per list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import ZERO
from psi_chassis.errors import add_error
from psi_sales.domain.errors import PricingRuleViolation
from psi_sales.domain.pricing import Scope


@dataclass(frozen=True)
class PriceListEntry:
    sku: str
    min_quantity: Decimal
    unit_price: Decimal


def check_price_list(
    scope: Scope,
    class_code: str | None,
    customer_id: int | None,
    valid_from: date | None,
    valid_to: date | None,
    lines: Sequence[PriceListEntry],
) -> None:
    """Every problem of a new price list at once (422 PRICING_RULE_VIOLATION naming the fields)."""
    errors: dict[str, Any] = {}
    if scope is Scope.CLASS and class_code is None:
        add_error(errors, "class_code", "a class price list names its customer class")
    if scope is Scope.CUSTOMER and customer_id is None:
        add_error(errors, "customer_id", "a customer price list names its customer")
    if scope is not Scope.CLASS and class_code is not None:
        add_error(errors, "class_code", f"only a class price list names a class, this one is {scope.value}")
    if scope is not Scope.CUSTOMER and customer_id is not None:
        add_error(errors, "customer_id", f"only a customer price list names a customer, this one is {scope.value}")
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        add_error(errors, "valid_to", "must not be before valid_from")
    seen: set[tuple[str, Decimal]] = set()
    for i, line in enumerate(lines):
        if line.min_quantity <= ZERO:
            add_error(errors, "lines", "must be greater than 0", i, "min_quantity")
        key = (line.sku, line.min_quantity.normalize())
        if key in seen:
            add_error(errors, "lines", f"{line.sku} from {line.min_quantity} is already on this list", i, "sku")
        seen.add(key)
    if errors:
        raise PricingRuleViolation("the price list breaks a pricing rule", errors=errors)
