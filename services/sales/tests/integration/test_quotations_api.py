"""Quotations through the API (real PostgreSQL): priced on the quote date like an order, valid until a date,
converted once into a draft order with the prices kept or priced again, and bad input that gets a problem and
changes nothing. Every figure is worked out by hand beside it (the setup: conftest.priced)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import text

from psi_sales.service import quotations as quotations_service

pytestmark = pytest.mark.integration

WIDGETS = (
    {"sku": "WIDGET", "quantity": "25", "tax_rate": "0.13"},
    {"sku": "WIDGET", "quantity": "5", "tax_rate": "0.13", "manual_discount_percent": "5"},
)


@pytest.fixture
def api(priced: Any) -> Any:
    return priced


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    """Set the day the quotation commands see as today (expiry and the default dates depend on it)."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(quotations_service, "utcnow", lambda: datetime.combine(day, time(9), tzinfo=UTC))

    return set_today


def _quote(api: Any, *lines: dict[str, Any], role: str = "sales", **header: Any) -> tuple[int, Any]:
    body = {"customer_id": api.customer["id"], "warehouse_code": "WH1", "quote_date": "2026-11-20", **header}
    return api.call("POST", "/quotations", {**body, "lines": list(lines or WIDGETS)}, role)


def _convert(api: Any, quotation_id: int, pricing: str, role: str = "sales", **body: Any) -> tuple[int, Any]:
    return api.call("POST", f"/quotations/{quotation_id}/convert", {"pricing": pricing, **body}, role)


def _quotation_of(api: Any, order_id: int) -> Any:
    with api.db.engine.connect() as conn:
        return conn.execute(text("SELECT quotation_id FROM sales_orders WHERE id = :id"), {"id": order_id}).scalar()


def _headers_of(api: Any, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every response the test client gives from now on (to read its headers)."""
    seen: list[Any] = []
    original = api.client.open

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(original(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(api.client, "open", spy)
    return seen


def test_a_quotation_is_priced_like_an_order_and_converted_keeping_its_prices(
    api: Any, today: Callable[[date], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    today(date(2026, 11, 20))
    responses = _headers_of(api, monkeypatch)
    status, quotation = _quote(api, note="price held for a month")
    assert status == 201, quotation
    assert responses[-1].headers["Location"].endswith(f"/api/v1/sales/quotations/{quotation['id']}")
    assert (quotation["number"], quotation["status"], quotation["currency"], quotation["customer_code"]) == (
        f"QT-{quotation['id']:06d}",
        "open",
        "CNY",
        "SHOP",
    )
    # valid until: 20 Nov + 30 days = 20 Dec
    assert (quotation["quote_date"], quotation["valid_until"], quotation["order_id"]) == (
        "2026-11-20",
        "2026-12-20",
        None,
    )
    first, second = quotation["lines"]
    # 25 on 20 Nov: 92 (class list) x 0.95 (class B) x 0.80 (November gadgets) = 69.92; 25 x 69.92 = 1,748 net
    assert (first["list_price"], first["unit_price"], first["price_list_name"]) == ("92.000000", "69.920000", "B list")
    assert [d["name"] for d in first["discounts"]] == ["class B", "November gadgets"]
    # 5: 100 (general 1+) x 0.95 x 0.80 = 76, manual 5 %: 72.20; 5 x 72.20 = 361 net
    assert (second["list_price"], second["unit_price"], second["manual_discount_percent"]) == (
        "100.000000",
        "72.200000",
        "5.000000",
    )
    # net 1,748 + 361 = 2,109; tax 13 %: 227.24 + 46.93 = 274.17; total 2,383.17
    assert (quotation["net_amount"], quotation["tax_amount"], quotation["total_amount"]) == (
        "2109.000000",
        "274.170000",
        "2383.170000",
    )
    assert api.ok("GET", f"/quotations/{quotation['id']}", role="viewer") == quotation

    today(date(2026, 12, 10))  # December: the lists and rules would now give 78.66 and 81.225
    status, order = _convert(api, quotation["id"], "keep")
    assert status == 201, order
    assert responses[-1].headers["Location"].endswith(f"/api/v1/sales/orders/{order['id']}")
    assert (order["status"], order["order_date"], order["note"], order["created_by"]) == (
        "draft",
        "2026-12-10",
        "price held for a month",
        "sales",
    )
    kept = ("line_no", "sku", "quantity", "list_price", "price_list_id", "discounts", "unit_price", "explanation")
    assert [{k: ln[k] for k in kept} for ln in order["lines"]] == [
        {k: ln[k] for k in kept} for ln in quotation["lines"]
    ]
    assert (order["net_amount"], order["tax_amount"], order["total_amount"]) == (
        "2109.000000",
        "274.170000",
        "2383.170000",
    )
    assert _quotation_of(api, order["id"]) == quotation["id"]
    converted = api.ok("GET", f"/quotations/{quotation['id']}")
    assert (converted["status"], converted["order_id"], converted["order_number"], converted["closed_by"]) == (
        "converted",
        order["id"],
        order["number"],
        "sales",
    )
    before = api.count("sales_orders", "sales_order_lines")
    for pricing in ("keep", "reprice"):
        status, problem = _convert(api, quotation["id"], pricing)
        assert (status, problem["code"]) == (409, "QUOTATION_NOT_OPEN")
    assert api.count("sales_orders", "sales_order_lines") == before


def test_repriced_on_the_order_date_with_the_manual_discounts_kept(api: Any, today: Callable[[date], None]) -> None:
    today(date(2026, 12, 10))
    quotation = _quote(api)[1]
    status, order = _convert(api, quotation["id"], "reprice", order_date="2026-12-15")
    assert status == 201, order
    first, second = order["lines"]
    # 15 Dec: 92 x 0.95 x 0.90 (December gadgets) = 78.66; 100 x 0.95 x 0.90 x 0.95 (manual, kept) = 81.225
    assert [d["name"] for d in first["discounts"]] == ["class B", "December gadgets"]
    assert (first["unit_price"], second["unit_price"], second["manual_discount_percent"]) == (
        "78.660000",
        "81.225000",
        "5.000000",
    )
    # net 25 x 78.66 + 5 x 81.225 = 1,966.50 + 406.125 = 2,372.625; tax 308.44125; total 2,681.06625
    assert (order["order_date"], order["net_amount"], order["tax_amount"], order["total_amount"]) == (
        "2026-12-15",
        "2372.625000",
        "308.441250",
        "2681.066250",
    )
    assert _quotation_of(api, order["id"]) == quotation["id"]


def test_an_expired_quotation_is_shown_so_and_may_only_be_repriced(api: Any, today: Callable[[date], None]) -> None:
    today(date(2026, 11, 20))
    expiring = _quote(api, valid_until="2026-11-30")[1]
    other = _quote(api, {"sku": "WIDGET", "quantity": "1"}, quote_date="2026-12-01")[1]  # valid to 31 Dec
    today(date(2026, 11, 30))
    assert api.ok("GET", f"/quotations/{expiring['id']}")["status"] == "open"  # the last valid day
    today(date(2026, 12, 1))
    assert api.ok("GET", f"/quotations/{expiring['id']}")["status"] == "expired"
    ids = {
        status: [q["id"] for q in api.ok("GET", f"/quotations?status={status}")["items"]]
        for status in ("open", "expired", "converted")
    }
    assert ids == {"open": [other["id"]], "expired": [expiring["id"]], "converted": []}
    listed = api.ok("GET", f"/quotations?customer_id={api.customer['id']}&date_from=2026-11-20&date_to=2026-11-20")
    assert (listed["total"], listed["items"][0]["status"]) == (1, "expired")
    assert api.ok("GET", "/quotations?page=2&page_size=1")["items"][0]["id"] == expiring["id"]  # newest first

    before = api.count("sales_orders", "sales_order_lines")
    status, problem = _convert(api, expiring["id"], "keep")
    assert (status, problem["code"]) == (409, "QUOTATION_EXPIRED")
    status, problem = _convert(api, other["id"], "keep", order_date="2027-01-01")  # dated after its validity
    assert (status, problem["code"]) == (409, "QUOTATION_EXPIRED")
    assert api.count("sales_orders", "sales_order_lines") == before
    status, order = _convert(api, expiring["id"], "reprice")
    # 1 Dec: 92 x 0.95 x 0.90 = 78.66 for the 25
    assert (status, order["order_date"], order["lines"][0]["unit_price"]) == (201, "2026-12-01", "78.660000")
    assert api.ok("GET", "/quotations?status=converted")["items"][0]["id"] == expiring["id"]


def test_the_manual_discount_cap_applies_to_whoever_reprices(api: Any, today: Callable[[date], None]) -> None:
    today(date(2026, 12, 15))
    generous = [{"sku": "WIDGET", "quantity": "5", "manual_discount_percent": "8"}]
    status, problem = _quote(api, *generous, quote_date="2026-12-15")
    assert (status, problem["code"]) == (403, "DISCOUNT_NEEDS_MANAGER")
    status, quotation = _quote(api, *generous, quote_date="2026-12-15", role="sales_manager")
    assert status == 201, quotation
    # 100 x 0.95 x 0.90 x 0.92 (the manager's 8 %) = 78.66
    assert quotation["lines"][0]["unit_price"] == "78.660000"
    before = api.count("sales_orders", "sales_order_lines")
    status, problem = _convert(api, quotation["id"], "reprice")
    assert (status, problem["code"]) == (403, "DISCOUNT_NEEDS_MANAGER")
    assert api.count("sales_orders", "sales_order_lines") == before
    assert api.ok("GET", f"/quotations/{quotation['id']}")["status"] == "open"
    status, order = _convert(api, quotation["id"], "keep")  # the price a manager gave is kept as it is
    assert (status, order["lines"][0]["unit_price"]) == (201, "78.660000")


def test_bad_quotations_and_conversions_are_problems_and_change_nothing(
    api: Any, today: Callable[[date], None]
) -> None:
    today(date(2026, 12, 1))
    tables = ("quotations", "quotation_lines", "sales_orders")
    before = api.count(*tables)
    for lines, header, expected in (
        ((), {"valid_until": "2026-11-19"}, (422, "QUOTATION_RULE_VIOLATION")),  # before the quote date
        ((), {"customer_id": 999999}, (422, "UNKNOWN_CUSTOMER")),
        ((), {"warehouse_code": "SHUT"}, (422, "INACTIVE_WAREHOUSE")),
        (({"sku": "NOPE", "quantity": "1"},), {}, (422, "UNKNOWN_SKU")),
        (({"sku": "GIZMO", "quantity": "1"},), {}, (422, "NO_PRICE")),
        (({"sku": "WIDGET", "quantity": 1},), {}, (422, "VALIDATION_FAILED")),  # a JSON number
        ((), {"valid_until": "soon"}, (422, "VALIDATION_FAILED")),
    ):
        status, problem = _quote(api, *lines, **header)
        assert (status, problem["code"]) == expected, (lines, header, problem)
    assert api.count(*tables) == before

    quotation = _quote(api)[1]
    for body, expected in (
        ({"pricing": "maybe"}, (422, "VALIDATION_FAILED")),
        ({"order_date": "2026-12-01"}, (422, "VALIDATION_FAILED")),  # the pricing must be said
        ({"pricing": "keep", "order_date": "2026-11-19"}, (422, "QUOTATION_RULE_VIOLATION")),  # before the quote
    ):
        status, problem = api.call("POST", f"/quotations/{quotation['id']}/convert", body, "sales")
        assert (status, problem["code"]) == expected, (body, problem)
    status, problem = _convert(api, 999999, "keep")
    assert (status, problem["code"]) == (404, "QUOTATION_NOT_FOUND")
    assert api.call("GET", "/quotations/999999")[1]["code"] == "QUOTATION_NOT_FOUND"

    api.ok("PATCH", f"/customers/{api.customer['id']}", {"currency": "USD"}, "sales")
    status, problem = _convert(api, quotation["id"], "keep")
    assert (status, problem["code"]) == (409, "QUOTATION_CURRENCY_CHANGED")
    status, problem = _convert(api, quotation["id"], "reprice")
    assert (status, problem["code"]) == (422, "NO_PRICE")  # no list in USD
    api.ok("PATCH", f"/customers/{api.customer['id']}", {"currency": "CNY"}, "sales")
    with api.db.engine.begin() as conn:
        conn.execute(text("UPDATE items SET active = false WHERE sku = 'WIDGET'"))
    status, problem = _convert(api, quotation["id"], "keep")
    assert (status, problem["code"]) == (422, "INACTIVE_SKU")
    with api.db.engine.begin() as conn:
        conn.execute(text("UPDATE items SET active = true WHERE sku = 'WIDGET'"))
    api.ok("POST", f"/customers/{api.customer['id']}/status", {"status": "blocked", "reason": "fraud"}, "sales_manager")
    status, problem = _convert(api, quotation["id"], "keep")
    assert (status, problem["code"]) == (409, "CUSTOMER_BLOCKED")
    status, problem = _quote(api)
    assert (status, problem["code"]) == (409, "CUSTOMER_BLOCKED")
    assert api.count(*tables) == (before[0] + 1, before[1] + 2, before[2])
    assert api.ok("GET", f"/quotations/{quotation['id']}")["status"] == "open"


def test_a_cancelled_quotation_keeps_its_reason_and_is_never_converted(api: Any, today: Callable[[date], None]) -> None:
    today(date(2026, 12, 1))
    quotation = _quote(api)[1]
    cancelled = api.ok("POST", f"/quotations/{quotation['id']}/cancel", {"reason": "bought elsewhere"}, "sales")
    assert (cancelled["status"], cancelled["cancel_reason"], cancelled["closed_by"]) == (
        "cancelled",
        "bought elsewhere",
        "sales",
    )
    status, problem = api.call("POST", f"/quotations/{quotation['id']}/cancel", None, "sales")
    assert (status, problem["code"]) == (409, "QUOTATION_NOT_OPEN")
    status, problem = _convert(api, quotation["id"], "reprice")
    assert (status, problem["code"]) == (409, "QUOTATION_NOT_OPEN")
    assert api.count("sales_orders") == (0,)
    without_reason = _quote(api)[1]
    assert api.ok("POST", f"/quotations/{without_reason['id']}/cancel")["cancel_reason"] is None
    status, problem = api.call("POST", f"/quotations/{quotation['id']}/convert", {"pricing": "keep"}, "viewer")
    assert status == 403
