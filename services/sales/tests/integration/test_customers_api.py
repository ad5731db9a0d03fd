"""Customers and customer classes through the sales API (Flask test client, real PostgreSQL): who may set
credit terms, the status log, search and filters, and bad input that gets a problem and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration


ADDRESS = {"line1": "1 Nanjing Rd", "city": "Shanghai", "country": "CN"}


def _customer(api: Any, code: str, role: str = "sales_manager", **extra: Any) -> dict[str, Any]:
    return api.ok("POST", "/customers", {"code": code, "name": f"{code} Ltd", "channel": "wholesale", **extra}, role)


def test_classes_and_a_customer_with_contacts_and_addresses(api: Any) -> None:
    vip = api.ok("POST", "/customer-classes", {"code": "VIP", "name": "Key accounts"})
    assert (vip["code"], vip["name"]) == ("VIP", "Key accounts")
    created = _customer(
        api,
        "C001",
        class_code="VIP",
        credit_limit="50000",
        payment_terms_days=45,
        salesperson="li.wei",
        contacts=[{"name": "Wang Fang", "role": "buyer", "email": "wang@example.com"}],
        billing_address=ADDRESS,
        shipping_address={**ADDRESS, "line1": "9 Dock St"},
    )
    assert created["currency"] == "CNY"  # the base currency when none is given
    assert (created["status"], created["credit_limit"], created["payment_terms_days"]) == ("active", "50000.000000", 45)
    assert created["contacts"] == [{"name": "Wang Fang", "role": "buyer", "email": "wang@example.com", "phone": None}]
    assert created["shipping_address"]["line1"] == "9 Dock St" and created["billing_address"]["country"] == "CN"
    detail = api.ok("GET", f"/customers/{created['id']}", role="viewer")
    assert [(h["from_status"], h["to_status"], h["actor"]) for h in detail["status_history"]] == [
        (None, "active", "sales_manager")
    ]
    changed = api.ok("PATCH", "/customer-classes/VIP", {"name": "Strategic accounts"})
    assert (changed["code"], changed["name"]) == ("VIP", "Strategic accounts")
    status, problem = api.call("POST", "/customer-classes", {"code": "VIP", "name": "Again"})
    assert (status, problem["code"]) == (409, "CUSTOMER_CLASS_TAKEN")


def test_sales_may_create_customers_but_only_cash_only_and_never_change_credit_terms(api: Any) -> None:
    mine = _customer(api, "C002", role="sales")
    assert mine["credit_limit"] == "0.000000"  # a customer created by sales starts cash only
    before = api.rows()

    status, problem = api.call(
        "POST", "/customers", {"code": "C003", "name": "X", "channel": "web", "credit_limit": "100"}, "sales"
    )
    assert (status, problem["code"], problem["errors"]) == (
        403,
        "SALES_MANAGER_REQUIRED",
        {"credit_limit": ["needs the sales_manager role"]},
    )
    status, problem = api.call("PATCH", f"/customers/{mine['id']}", {"credit_limit": "100"}, "sales")
    assert (status, problem["code"]) == (403, "SALES_MANAGER_REQUIRED")
    assert api.rows() == before  # nothing changed

    # sales edits what is sales': contacts and terms of payment; the version counts the change
    edited = api.ok("PATCH", f"/customers/{mine['id']}", {"payment_terms_days": 60, "salesperson": "zhao"}, "sales")
    assert (edited["payment_terms_days"], edited["salesperson"], edited["version"]) == (60, "zhao", 2)
    raised = api.ok("PATCH", f"/customers/{mine['id']}", {"credit_limit": "8000.50"}, "sales_manager")
    assert (raised["credit_limit"], raised["version"]) == ("8000.500000", 3)


def test_status_changes_need_a_manager_and_a_reason_and_are_logged(api: Any) -> None:
    customer = _customer(api, "C010")
    path = f"/customers/{customer['id']}/status"
    before = api.rows()
    for body, role, expected in (
        ({"status": "on_hold", "reason": "late payer"}, "sales", (403, "ROLE_NOT_PERMITTED")),  # the table's
        ({"status": "on_hold"}, "sales_manager", (422, "CUSTOMER_RULE_VIOLATION")),
        ({"status": "active", "reason": "x"}, "sales_manager", (422, "CUSTOMER_RULE_VIOLATION")),
    ):
        status, problem = api.call("POST", path, body, role)
        assert (status, problem["code"]) == expected, problem
    assert api.rows() == before

    held = api.ok("POST", path, {"status": "on_hold", "reason": "invoice 17 is 90 days late"}, "sales_manager")
    assert held["status"] == "on_hold"
    api.ok("POST", path, {"status": "active", "reason": None}, "admin")
    history = api.ok("GET", f"/customers/{customer['id']}")["status_history"]
    assert [(h["from_status"], h["to_status"], h["reason"], h["actor"]) for h in history] == [
        (None, "active", None, "sales_manager"),
        ("active", "on_hold", "invoice 17 is 90 days late", "sales_manager"),
        ("on_hold", "active", None, "admin"),
    ]


def test_lists_filter_search_and_page(api: Any) -> None:
    api.ok("POST", "/customer-classes", {"code": "A", "name": "A class"})
    _customer(api, "SHOP-1", class_code="A", salesperson="li")
    _customer(api, "SHOP-2", channel="web")
    _customer(api, "MART_9", name="Hypermart", salesperson="li")
    everyone = api.ok("GET", "/customers?page_size=2")
    assert (everyone["total"], [c["code"] for c in everyone["items"]]) == (3, ["MART_9", "SHOP-1"])
    assert [c["code"] for c in api.ok("GET", "/customers?page=2&page_size=2")["items"]] == ["SHOP-2"]
    assert [c["code"] for c in api.ok("GET", "/customers?salesperson=li")["items"]] == ["MART_9", "SHOP-1"]
    assert [c["code"] for c in api.ok("GET", "/customers?channel=web")["items"]] == ["SHOP-2"]
    assert [c["code"] for c in api.ok("GET", "/customers?class_code=A")["items"]] == ["SHOP-1"]
    assert [c["code"] for c in api.ok("GET", "/customers?q=hyper")["items"]] == ["MART_9"]
    # "_" is a letter in a search, not LIKE's wildcard: "P_" matches nothing, "T_" matches MART_9
    assert api.ok("GET", "/customers?q=P_")["total"] == 0
    assert [c["code"] for c in api.ok("GET", "/customers?q=T_")["items"]] == ["MART_9"]


def test_bad_input_is_a_problem_and_changes_nothing(api: Any) -> None:
    _customer(api, "TAKEN")
    before = api.rows()
    for body, expected in (
        ({"code": "TAKEN", "name": "Again", "channel": "web"}, (409, "CUSTOMER_CODE_TAKEN")),
        ({"code": "NEW", "name": "N", "channel": "web", "class_code": "NOPE"}, (422, "UNKNOWN_CUSTOMER_CLASS")),
        ({"code": "NEW", "name": "N", "channel": "telepathy"}, (422, "VALIDATION_FAILED")),
        ({"code": "new lower", "name": "N", "channel": "web"}, (422, "VALIDATION_FAILED")),
        ({"code": "NEW", "name": "N", "channel": "web", "credit_limit": 100}, (422, "VALIDATION_FAILED")),
        ({"code": "NEW", "name": "N", "channel": "web", "credit_limit": "-1"}, (422, "VALIDATION_FAILED")),
        ({"code": "NEW", "name": "N", "channel": "web", "currency": "yuan"}, (422, "VALIDATION_FAILED")),
        ({"code": "NEW", "name": "N", "channel": "web", "colour": "red"}, (422, "VALIDATION_FAILED")),
        ({"code": "NEW", "name": "N", "channel": "web", "contacts": [{"email": "x@y.z"}]}, (422, "VALIDATION_FAILED")),
    ):
        status, problem = api.call("POST", "/customers", body, "sales_manager")
        assert (status, problem["code"]) == expected, (body, problem)
    for path, body, expected in (
        ("/customers/999999", {"name": "Ghost"}, (404, "CUSTOMER_NOT_FOUND")),
        ("/customer-classes/NONE", {"name": "Ghost"}, (404, "CUSTOMER_CLASS_NOT_FOUND")),
    ):
        status, problem = api.call("PATCH", path, body)
        assert (status, problem["code"]) == expected
    status, problem = api.call("PATCH", "/customers/1", {})
    assert status == 422
    for body in ({"code": "lower", "name": "Z"}, {"code": "Z"}, {"code": "Z", "name": "Z", "discount_percent": "5"}):
        status, problem = api.call("POST", "/customer-classes", body)
        assert (status, problem["code"]) == (422, "VALIDATION_FAILED"), (body, problem)
    assert api.rows() == before
