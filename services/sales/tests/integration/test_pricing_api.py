"""Price lists, discount rules and quotes through the sales API (real PostgreSQL), every price worked out by hand
(sales acceptance 1, on quotes: the same function prices order lines)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def api(priced: Any) -> Any:
    """Every test of this module prices on the setup of conftest.priced."""
    return priced


def _quote(api: Any, on: str, *lines: dict[str, Any], role: str = "sales") -> tuple[int, Any]:
    return api.call("POST", "/price-quotes", {"customer_id": api.customer["id"], "on": on, "lines": list(lines)}, role)


def _net(api: Any, on: str, quantity: str, manual: str = "0", role: str = "sales") -> dict[str, Any]:
    status, answer = _quote(
        api, on, {"sku": "WIDGET", "quantity": quantity, "manual_discount_percent": manual}, role=role
    )
    assert status == 200, answer
    return answer["lines"][0]


def test_prices_follow_lists_breaks_class_discounts_and_dated_promotions(api: Any) -> None:
    # 25 on 15 Dec: the class list's 20+ line (92) beats the general 10+ line (95); class B -5 %; the best item
    # rule is December's promotion (10 % beats the 3 % break; November's 20 % is outside its dates):
    # 92 x 0.95 x 0.90 = 78.66, a discount of 1 - 78.66 / 92 = 14.5 %.
    line = _net(api, "2026-12-15", "25")
    assert (line["list_price"], line["price_list_name"], line["net_unit_price"]) == ("92.000000", "B list", "78.660000")
    assert [(d["name"], d["percent"]) for d in line["discounts"]] == [
        ("class B", "5.000000"),
        ("December gadgets", "10.000000"),
    ]
    assert line["total_discount_percent"] == "14.500000"
    assert "list price 92" in line["explanation"] and line["explanation"].endswith("net 78.66")
    # 25 on 15 Nov: November's 20 %: 92 x 0.95 x 0.80 = 69.92
    assert _net(api, "2026-11-15", "25")["net_unit_price"] == "69.920000"
    # 25 on 5 Jan 2027: no promotion; the quantity break, 3 %: 92 x 0.95 x 0.97 = 84.778
    january = _net(api, "2027-01-05", "25")
    assert january["net_unit_price"] == "84.778000"
    assert [d["name"] for d in january["discounts"]] == ["class B", "20+ widgets"]
    # 12: the general 10+ line, class 5 %, no break below 20: 95 x 0.95 = 90.25; 5: 100 x 0.95 = 95
    assert _net(api, "2027-01-05", "12")["net_unit_price"] == "90.250000"
    assert _net(api, "2027-01-05", "5")["net_unit_price"] == "95.000000"
    # the class rule deactivated: 5 at 100, nothing off
    api.ok("POST", f"/discount-rules/{api.rules['class']['id']}/deactivate", role="sales_manager")
    assert _net(api, "2027-01-05", "5")["net_unit_price"] == "100.000000"


def test_a_manual_discount_over_the_cap_needs_a_sales_manager(api: Any) -> None:
    assert _net(api, "2027-01-05", "5", manual="5")["net_unit_price"] == "90.250000"  # at the cap: 100 x .95 x .95
    status, problem = _quote(api, "2027-01-05", {"sku": "WIDGET", "quantity": "5", "manual_discount_percent": "8"})
    assert (status, problem["code"]) == (403, "DISCOUNT_NEEDS_MANAGER")
    assert problem["errors"] == {"lines": {"0": {"manual_discount_percent": ["above the cap of 5 %"]}}}
    # the manager gives it: 100 x 0.95 x 0.92 = 87.4
    line = _net(api, "2027-01-05", "5", manual="8", role="sales_manager")
    assert line["net_unit_price"] == "87.400000" and line["discounts"][-1]["kind"] == "manual"


def test_unsellable_or_unpriced_lines_are_refused(api: Any) -> None:
    for sku, expected in (("NOPE", "UNKNOWN_SKU"), ("OLD", "INACTIVE_SKU"), ("GIZMO", "NO_PRICE")):
        status, problem = _quote(api, "2027-01-05", {"sku": "WIDGET", "quantity": "1"}, {"sku": sku, "quantity": "1"})
        assert (status, problem["code"], list(problem["errors"]["lines"])) == (422, expected, ["1"]), problem
    status, problem = api.call(
        "POST", "/price-quotes", {"customer_id": 999999, "lines": [{"sku": "WIDGET", "quantity": "1"}]}, "sales"
    )
    assert (status, problem["code"]) == (404, "CUSTOMER_NOT_FOUND")
    for bad in (
        {"sku": "WIDGET", "quantity": 1},
        {"sku": "WIDGET", "quantity": "-1"},
        {"sku": "WIDGET", "quantity": "1", "manual_discount_percent": "101"},
    ):
        status, problem = _quote(api, "2027-01-05", bad)
        assert status == 422, (bad, problem)


def test_bad_price_lists_and_rules_are_refused_and_change_nothing(api: Any) -> None:
    before = api.count("price_lists", "price_list_lines", "discount_rules")
    for body in (
        {"name": "X", "scope": "class", "currency": "CNY", "lines": [{"sku": "A", "unit_price": "1"}]},
        {
            "name": "X",
            "scope": "general",
            "class_code": "B",
            "currency": "CNY",
            "lines": [{"sku": "A", "unit_price": "1"}],
        },
        {
            "name": "X",
            "scope": "general",
            "currency": "CNY",
            "valid_from": "2027-02-01",
            "valid_to": "2027-01-01",
            "lines": [{"sku": "A", "unit_price": "1"}],
        },
        {
            "name": "X",
            "scope": "general",
            "currency": "CNY",
            "lines": [{"sku": "A", "unit_price": "1"}, {"sku": "A", "min_quantity": "1.0", "unit_price": "2"}],
        },
    ):
        status, problem = api.call("POST", "/price-lists", body, "sales_manager")
        assert (status, problem["code"]) == (422, "PRICING_RULE_VIOLATION"), (body, problem)
    status, problem = api.call(
        "POST",
        "/price-lists",
        {
            "name": "X",
            "scope": "class",
            "class_code": "Z",
            "currency": "CNY",
            "lines": [{"sku": "A", "unit_price": "1"}],
        },
    )
    assert (status, problem["code"]) == (422, "UNKNOWN_CUSTOMER_CLASS")
    for body in (
        {"name": "X", "kind": "promotion", "percent": "10", "sku": "WIDGET"},  # a promotion has dates
        {"name": "X", "kind": "class_discount", "percent": "10", "class_code": "B", "sku": "WIDGET"},
        {"name": "X", "kind": "quantity_break", "percent": "10", "sku": "WIDGET"},  # from which quantity?
        {
            "name": "X",
            "kind": "quantity_break",
            "percent": "10",
            "sku": "WIDGET",
            "category": "gadgets",
            "min_quantity": "2",
        },
        {"name": "X", "kind": "class_discount", "percent": "100.5", "class_code": "B"},
    ):
        status, problem = api.call("POST", "/discount-rules", body)
        assert (status, problem["code"]) == (422, "PRICING_RULE_VIOLATION"), (body, problem)
    status, problem = api.call(
        "POST", "/discount-rules", {"name": "X", "kind": "class_discount", "percent": 5, "class_code": "B"}
    )
    assert (status, problem["code"]) == (422, "VALIDATION_FAILED")  # a JSON number is not a decimal
    assert api.count("price_lists", "price_list_lines", "discount_rules") == before
    listed = api.ok("GET", "/price-lists?scope=class", role="viewer")
    assert [(p["name"], p["class_code"]) for p in listed["items"]] == [("B list", "B")]
    assert api.ok("GET", "/discount-rules?kind=promotion")["total"] == 2
