"""What a valid price list and discount rule is (domain/price_lists.py, domain/discount_rules.py), no I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from psi_sales.domain.discount_rules import NewDiscountRule, check_discount_rule, may_exceed_manual_cap
from psi_sales.domain.errors import PricingRuleViolation
from psi_sales.domain.price_lists import PriceListEntry, check_price_list
from psi_sales.domain.pricing import RuleKind, Scope

LINE = PriceListEntry("WIDGET", D(1), D(100))


def test_a_price_list_names_exactly_what_its_scope_needs() -> None:
    check_price_list(Scope.GENERAL, None, None, None, None, [LINE])
    check_price_list(Scope.CLASS, "B", None, date(2027, 1, 1), date(2027, 1, 1), [LINE])  # one day is fine
    check_price_list(Scope.CUSTOMER, None, 7, None, None, [LINE, PriceListEntry("WIDGET", D(10), D(95))])
    with pytest.raises(PricingRuleViolation) as refused:
        check_price_list(
            Scope.CLASS, None, 7, date(2027, 2, 1), date(2027, 1, 1), [LINE, PriceListEntry("WIDGET", D("1.0"), D(2))]
        )
    assert set(refused.value.errors) == {"class_code", "customer_id", "valid_to", "lines"}
    assert refused.value.errors["lines"] == {"1": {"sku": ["WIDGET from 1.0 is already on this list"]}}


@pytest.mark.parametrize(
    ("rule", "fields"),
    [
        (NewDiscountRule("x", RuleKind.CLASS_DISCOUNT, D(5)), {"class_code"}),
        (NewDiscountRule("x", RuleKind.CLASS_DISCOUNT, D(5), class_code="B", sku="W"), {"sku"}),
        (NewDiscountRule("x", RuleKind.QUANTITY_BREAK, D(5), sku="W"), {"min_quantity"}),
        (NewDiscountRule("x", RuleKind.QUANTITY_BREAK, D(5), sku="W", category="c", min_quantity=D(2)), {"sku"}),
        (NewDiscountRule("x", RuleKind.PROMOTION, D(5), sku="W", valid_from=date(2027, 1, 1)), {"valid_to"}),
        (
            NewDiscountRule(
                "x", RuleKind.PROMOTION, D(0), category="c", valid_from=date(2027, 1, 1), valid_to=date(2027, 1, 2)
            ),
            {"percent"},
        ),
        (NewDiscountRule("x", RuleKind.CLASS_DISCOUNT, D("100.01"), class_code="B"), {"percent"}),
    ],
)
def test_a_bad_discount_rule_names_its_fields(rule: NewDiscountRule, fields: set[str]) -> None:
    with pytest.raises(PricingRuleViolation) as refused:
        check_discount_rule(rule)
    assert set(refused.value.errors) == fields


def test_good_rules_pass_and_only_managers_exceed_the_manual_cap() -> None:
    check_discount_rule(NewDiscountRule("B", RuleKind.CLASS_DISCOUNT, D(100), class_code="B"))
    check_discount_rule(NewDiscountRule("20+", RuleKind.QUANTITY_BREAK, D(3), category="tea", min_quantity=D(20)))
    check_discount_rule(
        NewDiscountRule(
            "Dec", RuleKind.PROMOTION, D(10), sku="W", valid_from=date(2026, 12, 1), valid_to=date(2026, 12, 31)
        )
    )
    assert may_exceed_manual_cap({"sales_manager"}) and may_exceed_manual_cap({"admin"})
    assert not may_exceed_manual_cap({"sales", "viewer"})
