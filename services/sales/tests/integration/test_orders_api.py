"""Draft sales orders through the API (real PostgreSQL): lines priced on the order date with the record of their
price, totals worked out by hand, and bad input that gets a problem and changes nothing (sales acceptance 1, 8)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def api(priced: Any) -> Any:
    """Every test of this module orders on the setup of conftest.priced."""
    return priced


def _order(api: Any, *lines: dict[str, Any], role: str = "sales", **header: Any) -> tuple[int, Any]:
    body = {"customer_id": api.customer["id"], "warehouse_code": "WH1", "order_date": "2026-12-15", **header}
    return api.call("POST", "/orders", {**body, "lines": list(lines)}, role)


def test_a_draft_order_keeps_each_lines_price_record_and_adds_up(api: Any) -> None:
    status, order = _order(
        api,
        {"sku": "WIDGET", "quantity": "25", "tax_rate": "0.13"},
        {"sku": "WIDGET", "quantity": "5", "tax_rate": "0.13", "manual_discount_percent": "5"},
        note="call before delivery",
    )
    assert status == 201, order
    assert (order["number"], order["status"], order["currency"], order["customer_code"]) == (
        f"SO-{order['id']:06d}",
        "draft",
        "CNY",
        "SHOP",
    )
    first, second = order["lines"]
    # 25 on 15 Dec: 92 (class list) x 0.95 (class B) x 0.90 (December) = 78.66; 25 x 78.66 = 1,966.50 net
    assert (first["list_price"], first["unit_price"]) == ("92.000000", "78.660000")
    assert [d["name"] for d in first["discounts"]] == ["class B", "December gadgets"]
    # 5: 100 (general 1+) x 0.95 x 0.90 = 85.50, manual 5 %: 81.225; 5 x 81.225 = 406.125 net
    assert (second["list_price"], second["unit_price"], second["manual_discount_percent"]) == (
        "100.000000",
        "81.225000",
        "5.000000",
    )
    assert second["discounts"][-1] == {
        "rule_id": None,
        "name": "manual discount",
        "kind": "manual",
        "percent": "5.000000",
    }
    # net 1,966.50 + 406.125 = 2,372.625; tax 13 %: 255.645 + 52.79625 = 308.44125; total 2,681.06625
    assert (order["net_amount"], order["tax_amount"], order["total_amount"]) == (
        "2372.625000",
        "308.441250",
        "2681.066250",
    )
    assert api.ok("GET", f"/orders/{order['id']}", role="viewer") == order
    listed = api.ok("GET", "/orders?status=draft&date_from=2026-12-15&date_to=2026-12-15")
    assert [o["number"] for o in listed["items"]] == [order["number"]]
    assert api.ok("GET", "/orders?date_from=2026-12-16")["total"] == 0


def test_bad_orders_are_problems_and_change_nothing(api: Any) -> None:
    before = api.count("sales_orders", "sales_order_lines")
    widget = {"sku": "WIDGET", "quantity": "1"}
    for lines, header, expected in (
        ([widget], {"customer_id": 999999}, (422, "UNKNOWN_CUSTOMER")),
        ([widget], {"warehouse_code": "NOWHERE"}, (422, "UNKNOWN_WAREHOUSE")),
        ([widget], {"warehouse_code": "SHUT"}, (422, "INACTIVE_WAREHOUSE")),
        ([widget, {"sku": "NOPE", "quantity": "1"}], {}, (422, "UNKNOWN_SKU")),
        ([{"sku": "OLD", "quantity": "1"}], {}, (422, "INACTIVE_SKU")),
        ([{"sku": "GIZMO", "quantity": "1"}], {}, (422, "NO_PRICE")),
        ([{"sku": "WIDGET", "quantity": "-1"}], {}, (422, "VALIDATION_FAILED")),
        ([{"sku": "WIDGET", "quantity": 1}], {}, (422, "VALIDATION_FAILED")),  # a JSON number
        ([{"sku": "WIDGET", "quantity": "1", "manual_discount_percent": "101"}], {}, (422, "PRICING_RULE_VIOLATION")),
        ([{"sku": "WIDGET", "quantity": "1", "manual_discount_percent": "8"}], {}, (403, "DISCOUNT_NEEDS_MANAGER")),
        ([], {}, (422, "VALIDATION_FAILED")),
    ):
        status, problem = _order(api, *lines, **header)
        assert (status, problem["code"]) == expected, (lines, header, problem)
    api.ok("POST", f"/customers/{api.customer['id']}/status", {"status": "blocked", "reason": "fraud"}, "sales_manager")
    status, problem = _order(api, widget)
    assert (status, problem["code"]) == (409, "CUSTOMER_BLOCKED")
    assert api.count("sales_orders", "sales_order_lines") == before
    status, problem = api.call("GET", "/orders/999999")
    assert (status, problem["code"]) == (404, "SALES_ORDER_NOT_FOUND")


def test_a_manager_may_give_more_than_the_cap(api: Any) -> None:
    status, order = _order(
        api, {"sku": "WIDGET", "quantity": "5", "manual_discount_percent": "8"}, role="sales_manager"
    )
    # 100 x 0.95 x 0.90 x 0.92 = 78.66
    assert status == 201 and order["lines"][0]["unit_price"] == "78.660000"
    assert order["created_by"] == "sales_manager"
