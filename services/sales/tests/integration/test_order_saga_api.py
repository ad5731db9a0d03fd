"""Sales orders after the draft, on real PostgreSQL: credit control, the reservation saga (inventory's answers
handed to sales' consumer), amendments, cancellation, shipments and returns, and what sales publishes for each.

Figures by hand. The ``priced`` customer SHOP is in class B (5 %) without a credit limit. On 2026-10-15 five
WIDGET cost the general list's 100.00 less the class discount: 95.00 each; net 475.00, tax 13 % 61.75, total
536.75 (no quantity break below 20, no promotion outside November and December).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from psi_contracts.events.finance import CUSTOMER_BALANCE_CHANGED_V1
from psi_contracts.events.inventory import (
    RESERVATION_REJECTED_V1,
    SHIPMENT_REJECTED_V1,
    STOCK_RECEIVED_V1,
    STOCK_RESERVED_V1,
)
from psi_contracts.events.sales import ORDER_CANCELLED_V1, ORDER_CONFIRMED_V1, ORDER_SHIPPED_V1, RETURN_RECEIVED_V1
from psi_sales.app import SERVICE
from psi_sales.service.orders import overdue_replies

pytestmark = pytest.mark.integration
D = Decimal


def _draft(api: Any, quantity: str = "5", role: str = "sales") -> dict[str, Any]:
    body = {
        "customer_id": api.customer["id"],
        "warehouse_code": "WH1",
        "order_date": "2026-10-15",
        "lines": [{"sku": "WIDGET", "quantity": quantity, "tax_rate": "0.13"}],
    }
    return api.ok("POST", "/orders", body, role)


def _answer(order: dict[str, Any], revision: int = 1, quantity: str = "5") -> dict[str, Any]:
    return {
        "order_id": str(order["id"]),
        "order_number": order["number"],
        "warehouse_code": "WH1",
        "lines": [{"line_no": 1, "sku": "WIDGET", "quantity": quantity}],
        "revision": revision,
    }


def _short(order: dict[str, Any], available: str = "2", revision: int = 1) -> dict[str, Any]:
    short = [{"line_no": 1, "sku": "WIDGET", "requested_quantity": "5", "available_quantity": available}]
    return {
        "order_id": str(order["id"]),
        "order_number": order["number"],
        "warehouse_code": "WH1",
        "short_lines": short,
        "revision": revision,
    }


def _reserved_order(api: Any) -> dict[str, Any]:
    order = _draft(api)
    api.ok("POST", f"/orders/{order['id']}/confirm", role="sales")
    api.deliver(STOCK_RESERVED_V1, _answer(order))
    return api.ok("GET", f"/orders/{order['id']}")


def _limit(api: Any, amount: str | None) -> None:
    api.ok("PATCH", f"/customers/{api.customer['id']}", {"credit_limit": amount}, "sales_manager")


def test_a_draft_confirms_into_the_saga_and_a_reply_delivered_twice_changes_nothing(priced: Any) -> None:
    api = priced
    order = _draft(api)
    assert (order["net_amount"], order["tax_amount"], order["total_amount"]) == (
        "475.000000",
        "61.750000",
        "536.750000",
    )
    confirmed = api.ok("POST", f"/orders/{order['id']}/confirm", role="sales")
    assert confirmed["status"] == "confirmed" and confirmed["reservation_overdue"] is False
    assert [d["action"] for d in confirmed["credit_decisions"]] == ["passed"]
    (published,) = api.events(ORDER_CONFIRMED_V1)
    assert published["revision"] == 1 and published["customer_id"] == str(api.customer["id"])
    assert published["lines"] == [{"line_no": 1, "sku": "WIDGET", "quantity": "5.000000", "unit_price": "95.000000"}]
    api.deliver(STOCK_RESERVED_V1, _answer(order))
    reserved = api.ok("GET", f"/orders/{order['id']}")
    assert reserved["status"] == "reserved" and reserved["reservation_answered_at"] is not None
    api.deliver(STOCK_RESERVED_V1, _answer(order))  # a repeat (another event id): nothing changes
    again = api.ok("GET", f"/orders/{order['id']}")
    assert again == reserved
    status, problem = api.call("POST", f"/orders/{order['id']}/confirm")
    assert (status, problem["code"]) == (409, "INVALID_STATUS")
    assert len(api.events(ORDER_CONFIRMED_V1)) == 1


def test_a_short_order_is_backordered_and_a_receipt_of_its_sku_retries_it(priced: Any) -> None:
    api = priced
    order = _draft(api)
    api.ok("POST", f"/orders/{order['id']}/confirm")
    api.deliver(RESERVATION_REJECTED_V1, _short(order))
    backordered = api.ok("GET", f"/orders/{order['id']}")
    assert backordered["status"] == "backordered"
    assert backordered["short_lines"] == [
        {"line_no": 1, "sku": "WIDGET", "requested_quantity": "5", "available_quantity": "2"}
    ]
    listed = api.ok("GET", "/backorders")
    assert [o["number"] for o in listed["items"]] == [order["number"]]
    receipt = {
        "source_event_id": "a3bb189e-8bf9-4888-9912-ace4e6543002",
        "document_ref": "GRN-000001",
        "warehouse_code": "WH1",
        "occurred_at": "2026-10-16T10:00:00+00:00",
        "currency": "CNY",
        "lines": [{"sku": "GIZMO", "quantity": "10", "unit_cost": "8", "value": "80"}],
        "total_value": "80",
    }
    api.deliver(STOCK_RECEIVED_V1, receipt)  # another SKU: the order waits
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "backordered"
    widget = {**receipt, "lines": [{"sku": "WIDGET", "quantity": "10", "unit_cost": "8", "value": "80"}]}
    api.deliver(STOCK_RECEIVED_V1, {**widget, "warehouse_code": "WH2"})  # another warehouse: it waits too
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "backordered"
    api.deliver(STOCK_RECEIVED_V1, widget)
    retried = api.ok("GET", f"/orders/{order['id']}")
    assert retried["status"] == "confirmed" and retried["short_lines"] is None
    assert [e["revision"] for e in api.events(ORDER_CONFIRMED_V1)] == [1, 1]
    api.deliver(STOCK_RESERVED_V1, _answer(order))
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "reserved"
    assert api.ok("GET", "/backorders")["total"] == 0


def test_a_backorder_is_retried_by_hand_or_cancelled(priced: Any) -> None:
    api = priced
    order = _draft(api)
    status, problem = api.call("POST", f"/orders/{order['id']}/retry-reservation")
    assert (status, problem["code"]) == (409, "INVALID_STATUS")  # a draft has nothing to retry
    api.ok("POST", f"/orders/{order['id']}/confirm")
    status, problem = api.call("POST", f"/orders/{order['id']}/retry-reservation")
    assert (status, problem["code"]) == (409, "INVALID_STATUS")  # the answer is not overdue yet
    api.deliver(RESERVATION_REJECTED_V1, _short(order))
    assert api.ok("POST", f"/orders/{order['id']}/retry-reservation")["status"] == "confirmed"
    api.deliver(RESERVATION_REJECTED_V1, _short(order, available="0"))
    cancelled = api.ok("POST", f"/orders/{order['id']}/cancel", {"reason": "customer will not wait"})
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "customer will not wait"
    (told,) = api.events(ORDER_CANCELLED_V1)
    assert told["order_id"] == str(order["id"]) and told["reason"] == "customer will not wait"
    status, problem = api.call("POST", f"/orders/{order['id']}/shipments", {"lines": [{"line_no": 1, "quantity": "1"}]})
    assert (status, problem["code"]) == (409, "INVALID_STATUS")
    assert api.events(ORDER_SHIPPED_V1) == []


@pytest.mark.parametrize("priced", [{"SALES_RESERVATION_REPLY_TIMEOUT_SECONDS": "60"}], indirect=True)
def test_a_reply_that_never_comes_is_flagged_after_the_timeout_and_may_be_asked_again(priced: Any) -> None:
    api = priced
    order = _draft(api)
    api.ok("POST", f"/orders/{order['id']}/confirm")
    with api.db.unit_of_work() as session:
        assert overdue_replies(session) == 0
    # inventory has been silent for two minutes (the clock moved on, not the test: no sleep)
    api.execute(
        "UPDATE sales_orders SET reservation_requested_at = reservation_requested_at - interval '120 seconds'"
        " WHERE id = :id",
        id=order["id"],
    )
    flagged = api.ok("GET", f"/orders/{order['id']}")
    assert flagged["status"] == "confirmed" and flagged["reservation_overdue"] is True
    with api.db.unit_of_work() as session:
        assert overdue_replies(session) == 1  # the gauge the relay sets (psi_sales_reservation_replies_overdue)
    assert SERVICE.watches[0].measure is overdue_replies
    resent = api.ok("POST", f"/orders/{order['id']}/retry-reservation")
    assert resent["reservation_overdue"] is False
    assert [e["revision"] for e in api.events(ORDER_CONFIRMED_V1)] == [1, 1]  # the same revision, asked again


def test_an_amendment_after_reservation_runs_again_under_a_new_revision(priced: Any) -> None:
    api = priced
    order = _reserved_order(api)
    amended = api.ok(
        "PATCH", f"/orders/{order['id']}", {"lines": [{"sku": "WIDGET", "quantity": "8", "tax_rate": "0.13"}]}
    )
    # 8 x 95 = 760.00 net, 98.80 tax, 858.80 total
    assert (amended["status"], amended["revision"], amended["total_amount"]) == ("confirmed", 2, "858.800000")
    assert [e["revision"] for e in api.events(ORDER_CONFIRMED_V1)] == [1, 2]
    assert D(api.events(ORDER_CONFIRMED_V1)[1]["lines"][0]["quantity"]) == D(8)
    api.deliver(RESERVATION_REJECTED_V1, _short(order, revision=1))  # a late answer to revision 1
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "confirmed"
    api.deliver(STOCK_RESERVED_V1, _answer(order, revision=2, quantity="8"))
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "reserved"


def test_credit_over_the_limit_holds_and_only_a_manager_releases(priced: Any) -> None:
    api = priced
    _limit(api, "1000.00")
    first, second = _draft(api), _draft(api)
    assert api.ok("POST", f"/orders/{first['id']}/confirm")["status"] == "confirmed"
    held = api.ok("POST", f"/orders/{second['id']}/confirm", role="sales")
    # exposure 536.75 (the first order, not invoiced) + 536.75 = 1073.50 > 1000.00
    assert held["status"] == "credit_hold"
    (decision,) = held["credit_decisions"]
    assert decision["action"] == "held" and decision["decided_by"] == "sales"
    assert (decision["exposure_before"], decision["order_amount"], decision["credit_limit"]) == (
        "536.750000",
        "536.750000",
        "1000.000000",
    )
    assert len(api.events(ORDER_CONFIRMED_V1)) == 1  # inventory is not asked for a held order
    status, problem = api.call("POST", f"/orders/{second['id']}/release-credit-hold", {"reason": "ok"}, "sales")
    assert (status, problem["code"]) == (403, "ROLE_NOT_PERMITTED")  # the permission table, in the service too
    status, problem = api.call("POST", f"/orders/{second['id']}/release-credit-hold", {}, "sales_manager")
    assert (status, problem["code"]) == (422, "VALIDATION_FAILED")  # a release says why
    released = api.ok(
        "POST", f"/orders/{second['id']}/release-credit-hold", {"reason": "paid in advance"}, "sales_manager"
    )
    assert released["status"] == "confirmed"
    assert [(d["action"], d["decided_by"], d["reason"]) for d in released["credit_decisions"]][1] == (
        "released",
        "sales_manager",
        "paid in advance",
    )
    assert len(api.events(ORDER_CONFIRMED_V1)) == 2


def test_a_customer_on_hold_cannot_confirm_and_nothing_changes(priced: Any) -> None:
    api = priced
    order = _draft(api)
    api.ok(
        "POST", f"/customers/{api.customer['id']}/status", {"status": "on_hold", "reason": "dispute"}, "sales_manager"
    )
    status, problem = api.call("POST", f"/orders/{order['id']}/confirm")
    assert (status, problem["code"]) == (409, "CUSTOMER_ON_HOLD")
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "draft"
    assert api.events(ORDER_CONFIRMED_V1) == [] and api.count("credit_decisions") == (0,)


def test_two_partial_shipments_complete_the_order_and_more_than_reserved_is_refused(priced: Any) -> None:
    api = priced
    order = _reserved_order(api)
    first = api.ok(
        "POST",
        f"/orders/{order['id']}/shipments",
        {"lines": [{"line_no": 1, "quantity": "2"}], "carrier": "SF Express", "tracking_number": "SF1"},
        "warehouse",
    )
    assert first["number"] == f"SHP-{first['id']:06d}" and first["status"] == "shipped"
    assert api.ok("GET", f"/orders/{order['id']}")["status"] == "partially_shipped"
    (shipped,) = api.events(ORDER_SHIPPED_V1)
    assert shipped["customer_id"] == str(api.customer["id"]) and shipped["currency"] == "CNY"
    assert shipped["payment_terms_days"] == 30 and shipped["carrier"] == "SF Express"
    assert shipped["lines"] == [
        {
            "line_no": 1,
            "sku": "WIDGET",
            "quantity": "2",
            "unit_price": "95.000000",
            "list_price": "100.000000",
            "discount_percent": "5.000000",
            "tax_rate": "0.130000",
        }
    ]
    status, problem = api.call("POST", f"/orders/{order['id']}/shipments", {"lines": [{"line_no": 1, "quantity": "4"}]})
    assert (status, problem["code"]) == (409, "OVER_SHIPMENT") and "lines.0.quantity" in problem["errors"]
    assert len(api.events(ORDER_SHIPPED_V1)) == 1 and api.count("shipments") == (1,)
    api.ok("POST", f"/orders/{order['id']}/shipments", {"lines": [{"line_no": 1, "quantity": "3"}]})
    done = api.ok("GET", f"/orders/{order['id']}")
    assert done["status"] == "shipped" and done["lines"][0]["shipped_quantity"] == "5.000000"
    assert api.ok("POST", f"/orders/{order['id']}/complete", {})["status"] == "completed"
    assert api.events(ORDER_CANCELLED_V1) == []  # nothing left to release
    assert api.ok("GET", f"/shipments?order_id={order['id']}")["total"] == 2


def test_a_shipment_inventory_refuses_goes_back_on_the_order(priced: Any) -> None:
    api = priced
    order = _reserved_order(api)
    shipment = api.ok("POST", f"/orders/{order['id']}/shipments", {"lines": [{"line_no": 1, "quantity": "5"}]})
    refusal = {
        "source_event_id": "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e",
        "shipment_id": str(shipment["id"]),
        "shipment_number": shipment["number"],
        "order_id": str(order["id"]),
        "order_number": order["number"],
        "warehouse_code": "WH1",
        "occurred_at": "2026-10-16T10:00:00+00:00",
        "reason_code": "INSUFFICIENT_STOCK",
        "reason": "a stocktake found 3",
        "lines": [
            {
                "line_no": 1,
                "sku": "WIDGET",
                "requested_quantity": "5",
                "reserved_quantity": "5",
                "available_quantity": "3",
            }
        ],
    }
    api.deliver(SHIPMENT_REJECTED_V1, refusal)
    api.deliver(SHIPMENT_REJECTED_V1, refusal)  # a repeat changes nothing
    back = api.ok("GET", f"/orders/{order['id']}")
    assert back["status"] == "reserved" and back["lines"][0]["shipped_quantity"] == "0.000000"
    refused = api.ok("GET", f"/shipments/{shipment['id']}")
    assert refused["status"] == "refused" and refused["refusal"]["reason_code"] == "INSUFFICIENT_STOCK"


def test_a_return_takes_back_shipped_goods_at_their_price_and_is_published_once(priced: Any) -> None:
    api = priced
    order = _reserved_order(api)
    api.ok("POST", f"/orders/{order['id']}/shipments", {"lines": [{"line_no": 1, "quantity": "3"}]})
    status, problem = api.call(
        "POST",
        f"/orders/{order['id']}/returns",
        {"reason": "too many", "lines": [{"order_line_no": 1, "quantity": "4"}]},
    )
    assert (status, problem["code"]) == (409, "OVER_RETURN")
    ret = api.ok(
        "POST",
        f"/orders/{order['id']}/returns",
        {
            "reason": "wrong colour; one crushed",
            "lines": [
                {"order_line_no": 1, "quantity": "1"},
                {"order_line_no": 1, "quantity": "1", "condition": "damaged"},
            ],
        },
        "warehouse",
    )
    # 2 x 95.00 = 190.00 net, 24.70 tax
    assert (ret["net_amount"], ret["tax_amount"]) == ("190.000000", "24.700000")
    assert ret["number"] == f"RMA-{ret['id']:06d}"
    (published,) = api.events(RETURN_RECEIVED_V1)
    assert published["customer_id"] == str(api.customer["id"]) and published["reason"] == "wrong colour; one crushed"
    assert [(ln["quantity"], ln["condition"], ln["unit_price"]) for ln in published["lines"]] == [
        ("1", "resaleable", "95.000000"),
        ("1", "damaged", "95.000000"),
    ]
    assert api.ok("GET", f"/orders/{order['id']}")["lines"][0]["returned_quantity"] == "2.000000"
    status, problem = api.call(
        "POST", f"/orders/{order['id']}/returns", {"reason": "again", "lines": [{"order_line_no": 1, "quantity": "2"}]}
    )
    assert (status, problem["code"]) == (409, "OVER_RETURN")  # 3 shipped, 2 back: 1 left
    assert len(api.events(RETURN_RECEIVED_V1)) == 1
    assert api.ok("GET", f"/returns?order_id={order['id']}")["total"] == 1


def test_bad_commands_are_problems_and_change_nothing(priced: Any) -> None:
    api = priced
    order = _reserved_order(api)
    before = (api.count("shipments", "sales_returns", "outbox"), api.ok("GET", f"/orders/{order['id']}"))
    for path, body, expected in (
        ("shipments", {"lines": [{"line_no": 1, "quantity": "-1"}]}, (422, "VALIDATION_FAILED")),
        ("shipments", {"lines": [{"line_no": 1, "quantity": 1}]}, (422, "VALIDATION_FAILED")),  # a JSON number
        ("shipments", {"lines": [{"line_no": 9, "quantity": "1"}]}, (409, "OVER_SHIPMENT")),
        ("shipments", {"lines": []}, (422, "VALIDATION_FAILED")),
        (
            "shipments",
            {"lines": [{"line_no": 1, "quantity": "1"}], "shipped_at": "2099-01-01T00:00:00Z"},
            (422, "FUTURE_DATE"),
        ),
        ("returns", {"reason": "x", "lines": [{"order_line_no": 1, "quantity": "1"}]}, (409, "INVALID_STATUS")),
        ("returns", {"lines": [{"order_line_no": 1, "quantity": "1"}]}, (422, "VALIDATION_FAILED")),
        ("release-credit-hold", {"reason": "why not"}, (409, "INVALID_STATUS")),
        ("confirm", None, (409, "INVALID_STATUS")),
    ):
        status, problem = api.call("POST", f"/orders/{order['id']}/{path}", body)
        assert (status, problem["code"]) == expected, (path, body, problem)
    status, problem = api.call("PATCH", f"/orders/{order['id']}", {"lines": [{"sku": "NOPE", "quantity": "1"}]})
    assert (status, problem["code"]) == (422, "UNKNOWN_SKU")
    status, problem = api.call("POST", "/orders/999999/confirm")
    assert (status, problem["code"]) == (404, "SALES_ORDER_NOT_FOUND")
    assert (api.count("shipments", "sales_returns", "outbox"), api.ok("GET", f"/orders/{order['id']}")) == before


def test_open_receivables_from_finance_count_in_the_exposure(priced: Any) -> None:
    api = priced
    _limit(api, "1000.00")
    balance = {"customer_id": str(api.customer["id"]), "currency": "CNY", "open_receivables": "600.00"}
    api.deliver(CUSTOMER_BALANCE_CHANGED_V1, {**balance, "version": 2, "changed_at": "2026-10-14T08:00:00+00:00"})
    late = {**balance, "open_receivables": "0", "version": 1, "changed_at": "2026-10-13T08:00:00+00:00"}
    api.deliver(CUSTOMER_BALANCE_CHANGED_V1, late)  # an older version changes nothing
    order = _draft(api)
    held = api.ok("POST", f"/orders/{order['id']}/confirm")
    # 600.00 owed + 536.75 = 1136.75 > 1000.00
    assert held["status"] == "credit_hold"
    assert held["credit_decisions"][0]["exposure_before"] == "600.000000"
