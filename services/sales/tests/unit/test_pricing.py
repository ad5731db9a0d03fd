"""The pricing function, with every figure worked out by hand in the comments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from psi_sales.domain.pricing import (
    BadDiscount,
    Customer,
    DiscountRule,
    LineToPrice,
    NoPrice,
    PriceListLine,
    RuleKind,
    Scope,
    Validity,
    price_line,
)

ALWAYS = Validity()
B_CUSTOMER = Customer(id="7", customer_class="B", currency="CNY")
CAP = D(5)

PRICES = [
    PriceListLine(1, "Standard CNY", Scope.GENERAL, None, "CNY", "WIDGET", D(1), D("100.00"), ALWAYS),
    PriceListLine(1, "Standard CNY", Scope.GENERAL, None, "CNY", "WIDGET", D(10), D("95.00"), ALWAYS),
    PriceListLine(2, "Standard USD", Scope.GENERAL, None, "USD", "WIDGET", D(1), D("14.00"), ALWAYS),
]
RULES = [
    DiscountRule(11, "class B", RuleKind.CLASS_DISCOUNT, D(5), ALWAYS, customer_class="B"),
    DiscountRule(12, "class A", RuleKind.CLASS_DISCOUNT, D(8), ALWAYS, customer_class="A"),
    DiscountRule(13, "20+ widgets", RuleKind.QUANTITY_BREAK, D(3), ALWAYS, sku="WIDGET", min_quantity=D(20)),
    DiscountRule(
        14,
        "December promotion",
        RuleKind.PROMOTION,
        D(10),
        Validity(date(2026, 12, 1), date(2026, 12, 10)),
        category="widgets",
    ),
]


def _price(quantity: str, on: date, manual: str = "0", customer: Customer = B_CUSTOMER) -> object:
    line = LineToPrice("WIDGET", "widgets", D(quantity), D(manual))
    return price_line(customer, line, on, PRICES, RULES, CAP)


def test_a_quantity_break_combined_with_the_class_discount() -> None:
    priced = _price("25", date(2026, 11, 15))
    # 25 reaches the 10-unit price break: list 95.00. Class B 5 %: 95 x 0.95 = 90.25.
    # The best item rule is the 20+ quantity break, 3 %: 90.25 x 0.97 = 87.5425. (The promotion is not yet valid.)
    assert priced.list_price == D("95.00")
    assert [d.rule_id for d in priced.discounts] == [11, 13]
    assert priced.net_unit_price == D("87.542500")
    assert not priced.needs_manager
    # 1 - 87.5425 / 95 = 0.0785 -> 7.85 %
    assert priced.total_discount_percent == D("7.850000")


def test_a_promotion_applies_only_within_its_dates_and_beats_a_smaller_quantity_break() -> None:
    inside = _price("25", date(2026, 12, 5))
    # 95 x 0.95 (class B) x 0.90 (promotion, 10 % > 3 %) = 81.225
    assert [d.rule_id for d in inside.discounts] == [11, 14]
    assert inside.net_unit_price == D("81.225000")
    after = _price("25", date(2026, 12, 11))  # one day after the promotion ended: back to the quantity break
    assert after.net_unit_price == D("87.542500")


def test_small_quantities_take_the_base_price_and_no_quantity_break() -> None:
    priced = _price("3", date(2026, 11, 15))
    # 3 < 10: list 100.00; class B 5 % -> 95.00; 3 < 20 so no quantity break.
    assert priced.list_price == D("100.00") and priced.net_unit_price == D("95.000000")


def test_manual_discount_stacks_last_and_above_the_cap_needs_a_manager() -> None:
    within = _price("25", date(2026, 12, 5), manual="2")
    # 81.225 x 0.98 = 79.6005
    assert within.net_unit_price == D("79.600500") and not within.needs_manager
    above = _price("25", date(2026, 12, 5), manual="7.5")
    # 81.225 x 0.925 = 75.133125; 7.5 % > the 5 % cap
    assert above.net_unit_price == D("75.133125") and above.needs_manager
    assert "manual discount -7.5%" in above.explanation()


def test_a_customer_list_beats_the_class_list_which_beats_the_general_list() -> None:
    prices = [
        *PRICES,
        PriceListLine(3, "Class B", Scope.CLASS, "B", "CNY", "WIDGET", D(1), D("90.00"), ALWAYS),
        PriceListLine(4, "Customer 7", Scope.CUSTOMER, "7", "CNY", "WIDGET", D(1), D("88.00"), ALWAYS),
    ]
    line = LineToPrice("WIDGET", "widgets", D(3), D(0))
    assert price_line(B_CUSTOMER, line, date(2026, 11, 15), prices, [], CAP).price_list_id == 4
    other_b = Customer(id="8", customer_class="B", currency="CNY")
    assert price_line(other_b, line, date(2026, 11, 15), prices, [], CAP).list_price == D("90.00")
    class_c = Customer(id="9", customer_class="C", currency="CNY")
    assert price_line(class_c, line, date(2026, 11, 15), prices, [], CAP).list_price == D("100.00")


def test_the_order_currency_picks_the_price_list_and_no_price_is_refused() -> None:
    usd = Customer(id="7", customer_class=None, currency="USD")
    assert _price("1", date(2026, 11, 15), customer=usd).net_unit_price == D("14.000000")  # no class, no discount
    eur = Customer(id="7", customer_class="B", currency="EUR")
    with pytest.raises(NoPrice):
        _price("1", date(2026, 11, 15), customer=eur)


def test_an_expired_price_list_is_not_used() -> None:
    expired = [
        PriceListLine(
            5, "Old", Scope.GENERAL, None, "CNY", "GADGET", D(1), D("9"), Validity(date(2025, 1, 1), date(2025, 12, 31))
        )
    ]
    line = LineToPrice("GADGET", None, D(1), D(0))
    with pytest.raises(NoPrice):
        price_line(B_CUSTOMER, line, date(2026, 1, 1), expired, [], CAP)
    assert price_line(B_CUSTOMER, line, date(2025, 12, 31), expired, [], CAP).net_unit_price == D("9.000000")


@pytest.mark.parametrize("manual", ["-1", "100.000001"])
def test_a_discount_outside_0_to_100_percent_is_refused(manual: str) -> None:
    with pytest.raises(BadDiscount):
        _price("1", date(2026, 11, 15), manual=manual)
