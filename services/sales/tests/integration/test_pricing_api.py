"""Price lists, discount rules and quotes through the sales API (real PostgreSQL), every price worked out by hand
(sales acceptance 1, on quotes: the same function prices order lines)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert, text

from psi_chassis.app import create_service_app
from psi_chassis.db import Database
from psi_chassis.testing.tokens import TestKeys
from psi_chassis.types import utcnow
from psi_sales.adapters.tables import items
from psi_sales.app import SERVICE

pytestmark = pytest.mark.integration
KEYS = TestKeys()
S = "/api/v1/sales"


class Api:
    def __init__(self, client: Any, db: Database) -> None:
        self.client, self.db = client, db

    def call(self, method: str, path: str, body: Any = None, role: str = "admin") -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {KEYS.token(role, sub=role, name=role)}"}
        response = self.client.open(S + path, method=method, json=body, headers=headers)
        return response.status_code, response.get_json()

    def ok(self, method: str, path: str, body: Any = None, role: str = "admin") -> Any:
        status, answer = self.call(method, path, body, role)
        assert status in (200, 201), (status, answer)
        return answer

    def counts(self) -> tuple[int, ...]:
        with self.db.engine.connect() as conn:
            return tuple(
                conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("price_lists", "price_list_lines", "discount_rules")
            )


@pytest.fixture
def api(psi_databases: Any) -> Any:
    url = psi_databases.create("sales", SERVICE.migrations)
    env = {"SALES_DATABASE_URL": url, "AMQP_URL": "memory://", "SALES_MAX_MANUAL_DISCOUNT_PERCENT": "5"}
    settings = SERVICE.load_settings(env)
    db = Database(url)
    with db.unit_of_work() as session:
        for sku, category, active in (("WIDGET", "gadgets", True), ("GIZMO", "gadgets", True), ("OLD", None, False)):
            session.execute(
                insert(items).values(
                    sku=sku,
                    name=sku,
                    unit_of_measure="pcs",
                    category=category,
                    active=active,
                    version=1,
                    updated_at=utcnow(),
                )
            )
        session.commit()
    app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=KEYS.verifier())
    api = Api(app.test_client(), db)
    api.ok("POST", "/customer-classes", {"code": "B", "name": "B class"})
    api.customer = api.ok("POST", "/customers", {"code": "SHOP", "name": "Shop", "channel": "store", "class_code": "B"})
    api.ok(
        "POST",
        "/price-lists",
        {
            "name": "Standard",
            "scope": "general",
            "currency": "CNY",
            "lines": [
                {"sku": "WIDGET", "unit_price": "100.00"},
                {"sku": "WIDGET", "min_quantity": "10", "unit_price": "95"},
            ],
        },
    )
    api.ok(
        "POST",
        "/price-lists",
        {
            "name": "B list",
            "scope": "class",
            "class_code": "B",
            "currency": "CNY",
            "lines": [{"sku": "WIDGET", "min_quantity": "20", "unit_price": "92"}],
        },
    )
    api.rules = {
        "class": api.ok(
            "POST", "/discount-rules", {"name": "class B", "kind": "class_discount", "percent": "5", "class_code": "B"}
        ),
        "break": api.ok(
            "POST",
            "/discount-rules",
            {"name": "20+ widgets", "kind": "quantity_break", "percent": "3", "sku": "WIDGET", "min_quantity": "20"},
        ),
        "december": api.ok(
            "POST",
            "/discount-rules",
            {
                "name": "December gadgets",
                "kind": "promotion",
                "percent": "10",
                "category": "gadgets",
                "valid_from": "2026-12-01",
                "valid_to": "2026-12-31",
            },
        ),
        "november": api.ok(
            "POST",
            "/discount-rules",
            {
                "name": "November gadgets",
                "kind": "promotion",
                "percent": "20",
                "category": "gadgets",
                "valid_from": "2026-11-01",
                "valid_to": "2026-11-30",
            },
        ),
    }
    yield api
    db.dispose()


def _quote(api: Api, on: str, *lines: dict[str, Any], role: str = "sales") -> tuple[int, Any]:
    return api.call("POST", "/price-quotes", {"customer_id": api.customer["id"], "on": on, "lines": list(lines)}, role)


def _net(api: Api, on: str, quantity: str, manual: str = "0", role: str = "sales") -> dict[str, Any]:
    status, answer = _quote(
        api, on, {"sku": "WIDGET", "quantity": quantity, "manual_discount_percent": manual}, role=role
    )
    assert status == 200, answer
    return answer["lines"][0]


def test_prices_follow_lists_breaks_class_discounts_and_dated_promotions(api: Api) -> None:
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


def test_a_manual_discount_over_the_cap_needs_a_sales_manager(api: Api) -> None:
    assert _net(api, "2027-01-05", "5", manual="5")["net_unit_price"] == "90.250000"  # at the cap: 100 x .95 x .95
    status, problem = _quote(api, "2027-01-05", {"sku": "WIDGET", "quantity": "5", "manual_discount_percent": "8"})
    assert (status, problem["code"]) == (403, "DISCOUNT_NEEDS_MANAGER")
    assert problem["errors"] == {"lines": {"0": {"manual_discount_percent": ["above the cap of 5 %"]}}}
    # the manager gives it: 100 x 0.95 x 0.92 = 87.4
    line = _net(api, "2027-01-05", "5", manual="8", role="sales_manager")
    assert line["net_unit_price"] == "87.400000" and line["discounts"][-1]["kind"] == "manual"


def test_unsellable_or_unpriced_lines_are_refused(api: Api) -> None:
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


def test_bad_price_lists_and_rules_are_refused_and_change_nothing(api: Api) -> None:
    before = api.counts()
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
    assert api.counts() == before
    listed = api.ok("GET", "/price-lists?scope=class", role="viewer")
    assert [(p["name"], p["class_code"]) for p in listed["items"]] == [("B list", "B")]
    assert api.ok("GET", "/discount-rules?kind=promotion")["total"] == 2
