"""Sales issue 11, acceptance 3 to 7, end to end through the gateway: real sales, inventory and purchasing APIs,
consumers and relays on PostgreSQL and RabbitMQ.

* order-to-stock: customer -> priced order -> confirm -> backordered (short) -> a receipt retries it -> reserved ->
  two shipments -> a return (one resaleable, one damaged); inventory's stock and cost of goods equal figures
  worked out by hand after every step, and the two services agree about every document;
* 100 concurrent orders for a SKU with 30 units: exactly 30 reserved, 70 backordered, no 5xx.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from psi_chassis.testing import wait_for
from psi_chassis.testing.helpers import queue_depth
from psi_contracts.topology import dlq_name, queue_name

pytestmark = pytest.mark.integration
D = Decimal
S = "/api/v1/sales"


@pytest.fixture
def sales_stack(stack: Any, database_for: Any) -> Any:
    """Purchasing, inventory and sales with their consumers and relays, finance's consumer and relay (the books),
    and the gateway in front."""
    for name in ("purchasing", "inventory", "sales", "finance", "gateway"):
        database_for(name)
    for name in ("purchasing", "inventory", "sales"):
        stack.api(name, workers=2)
    for name in ("inventory", "purchasing", "sales", "finance"):
        stack.consumer(name)
        stack.relay(name)
    stack.api("gateway", workers=2)
    return stack


def _ok(answer: tuple[int, Any, Any]) -> Any:
    status, body, _ = answer
    assert status in (200, 201), (status, body)
    return body


def _rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]
    finally:
        engine.dispose()


def _receive(gw: Any, supplier_id: int, sku: str, warehouse: str, quantity: str, unit_price: str) -> None:
    """A purchase order approved and received whole: inventory books it and publishes StockReceived."""
    body = {
        "supplier_id": supplier_id,
        "warehouse_code": warehouse,
        "lines": [{"sku": sku, "quantity": quantity, "unit_price": unit_price}],
    }

    def created() -> Any:  # 422 until the item and warehouse have reached purchasing's replicas
        status, found, _ = gw.post("/api/v1/purchasing/purchase-orders", json=body)
        assert status in (201, 422), (status, found)
        return found if status == 201 else None

    po = wait_for(created, timeout=30, message="the item and warehouse in purchasing's replicas")
    _ok(gw.post(f"/api/v1/purchasing/purchase-orders/{po['id']}/submit", json={}))
    line = {"line_no": 1, "received_quantity": quantity, "accepted_quantity": quantity, "rejected_quantity": "0"}
    _ok(gw.post(f"/api/v1/purchasing/purchase-orders/{po['id']}/receipts", json={"lines": [line]}))


def _stock(gw: Any, sku: str) -> tuple[Decimal, Decimal, Decimal]:
    status, body, _ = gw.get(f"/api/v1/inventory/stock/{sku}")
    if status != 200:
        return D(0), D(0), D(0)
    return D(body["on_hand"]), D(body["reserved"]), D(body["value"])


def _settle(gw: Any, sku: str, expected: tuple[str, str, str]) -> None:
    want = tuple(D(x) for x in expected)
    wait_for(lambda: _stock(gw, sku) == want, timeout=30, message=f"{sku} at {expected}: {_stock(gw, sku)}")


def _order_status(gw: Any, order_id: int, *statuses: str) -> dict[str, Any]:
    def reached() -> Any:
        order = _ok(gw.get(f"{S}/orders/{order_id}"))
        return order if order["status"] in statuses else None

    return wait_for(reached, timeout=30, message=f"order {order_id} {statuses}")


def _setup(gw: Any, sku: str, warehouse: str, price: str) -> tuple[int, int]:
    """The warehouse, the item, a supplier, a customer and a general price list; (supplier id, customer id)."""
    _ok(gw.post("/api/v1/inventory/warehouses", json={"code": warehouse, "name": "Sales test"}))
    _ok(gw.post("/api/v1/inventory/items", json={"sku": sku, "name": "Sold widget"}))
    supplier = _ok(
        gw.post("/api/v1/purchasing/suppliers", json={"code": f"S-{sku}", "name": "Maker", "currency": "CNY"})
    )
    customer = _ok(gw.post(f"{S}/customers", json={"code": f"C-{sku}", "name": "Shop", "channel": "store"}))
    price_list = {
        "name": "Standard",
        "scope": "general",
        "currency": "CNY",
        "lines": [{"sku": sku, "unit_price": price}],
    }
    _ok(gw.post(f"{S}/price-lists", json=price_list))
    return supplier["id"], customer["id"]


def _draft(gw: Any, customer_id: int, sku: str, warehouse: str, quantity: str) -> dict[str, Any]:
    body = {
        "customer_id": customer_id,
        "warehouse_code": warehouse,
        "lines": [{"sku": sku, "quantity": quantity, "tax_rate": "0.13"}],
    }

    def created() -> Any:  # 422 until the item and warehouse have reached sales' replicas
        status, found, _ = gw.post(f"{S}/orders", json=body)
        assert status in (201, 422), (status, found)
        return found if status == 201 else None

    return wait_for(created, timeout=30, message="the item and warehouse in sales' replicas")


def _no_dead_letters(stack: Any) -> None:
    for service, handler in (
        ("inventory", "on_sales_events"),
        ("sales", "on_inventory_events"),
        ("finance", "on_inventory_events"),
        ("finance", "on_sales_events"),
    ):
        queue = queue_name(service, handler, prefix=stack.prefix)
        assert queue_depth(stack.amqp_url, dlq_name(queue)) == 0, f"{queue} dead-lettered something"


def test_order_to_stock_through_the_gateway(sales_stack: Any) -> None:
    gw = sales_stack.client()
    supplier_id, customer_id = _setup(gw, "SKU-SO", "WH-SO", "20.00")
    _receive(gw, supplier_id, "SKU-SO", "WH-SO", "10", "8.00")
    _settle(gw, "SKU-SO", ("10", "0", "80.00"))

    order = _draft(gw, customer_id, "SKU-SO", "WH-SO", "12")
    # 12 x 20.00 = 240.00 net, 31.20 tax, 271.20 total
    assert (order["net_amount"], order["total_amount"]) == ("240.000000", "271.200000")
    _ok(gw.post(f"{S}/orders/{order['id']}/confirm", json={}))
    backordered = _order_status(gw, order["id"], "backordered", "reserved")
    assert backordered["status"] == "backordered", backordered
    assert [(s["sku"], D(s["available_quantity"])) for s in backordered["short_lines"]] == [("SKU-SO", D(10))]
    _settle(gw, "SKU-SO", ("10", "0", "80.00"))  # all or nothing: nothing reserved

    _receive(gw, supplier_id, "SKU-SO", "WH-SO", "5", "8.00")  # the receipt retries the backorder by itself
    assert _order_status(gw, order["id"], "reserved")["revision"] == 1
    _settle(gw, "SKU-SO", ("15", "12", "120.00"))

    _ok(gw.post(f"{S}/orders/{order['id']}/shipments", json={"lines": [{"line_no": 1, "quantity": "5"}]}))
    _settle(gw, "SKU-SO", ("10", "7", "80.00"))  # 5 x 8.00 = 40.00 cost of goods
    status, problem, _ = gw.post(
        f"{S}/orders/{order['id']}/shipments", json={"lines": [{"line_no": 1, "quantity": "8"}]}
    )
    assert (status, problem["code"]) == (409, "OVER_SHIPMENT")
    _ok(gw.post(f"{S}/orders/{order['id']}/shipments", json={"lines": [{"line_no": 1, "quantity": "7"}]}))
    _settle(gw, "SKU-SO", ("3", "0", "24.00"))  # 7 x 8.00 = 56.00 more
    assert _order_status(gw, order["id"], "shipped")["lines"][0]["shipped_quantity"] == "12.000000"

    returned = {
        "reason": "one box crushed",
        "lines": [{"order_line_no": 1, "quantity": "2"}, {"order_line_no": 1, "quantity": "1", "condition": "damaged"}],
    }
    _ok(gw.post(f"{S}/orders/{order['id']}/returns", json=returned))
    # 3 back at the 8.00 that left, then the damaged one written off: 3 + 3 - 1 = 5 on hand worth 40.00
    _settle(gw, "SKU-SO", ("5", "0", "40.00"))

    inventory_db, sales_db = sales_stack.database_urls["inventory"], sales_stack.database_urls["sales"]
    issued = _rows(
        inventory_db,
        "SELECT body::json->'data'->>'total_cost' FROM outbox"
        " WHERE event_type = 'inventory.StockIssued.v1' ORDER BY id",
    )
    assert [D(cost) for (cost,) in issued] == [D("40.00"), D("56.00")]
    written_off = _rows(
        inventory_db,
        "SELECT body::json->'data'->>'total_value' FROM outbox WHERE event_type = 'inventory.StockAdjusted.v1'"
        " AND body::json->'data'->>'reason_code' = 'return_damaged'",
    )
    assert [D(v) for (v,) in written_off] == [D("-8.00")]
    damaged = _ok(gw.get("/api/v1/inventory/adjustments?reason_code=return_damaged"))
    assert [(d["reason_code"], D(d["total_value"])) for d in damaged["items"]] == [("return_damaged", D("-8.00"))]
    for event_type, expected in (
        ("sales.OrderConfirmed.v1", 2),  # the first attempt and the retry
        ("sales.OrderShipped.v1", 2),
        ("sales.ReturnReceived.v1", 1),
    ):
        assert _rows(sales_db, f"SELECT count(*) FROM outbox WHERE event_type = '{event_type}'") == [(expected,)]
    _no_dead_letters(sales_stack)
    _the_books_follow(sales_stack)


def _the_books_follow(stack: Any) -> None:
    """Finance posted every event once: the ledger's balances by hand (base currency CNY, 13 % VAT).

    Receipts 10 + 5 at 8.00 = 120.00 (Dr Inventory / Cr GRNI); issues 40.00 + 56.00 (Dr COGS); the return back at
    3 x 8.00 = 24.00 (Cr COGS), the damaged unit written off 8.00 (Dr losses): Inventory 40.00, as inventory
    values its 5 units. Invoices: 5 x 20 = 100 + 13 tax, 7 x 20 = 140 + 18.20; credit note 3 x 20 = 60 + 7.80:
    receivables 203.40, revenue 240.00, returns 60.00, VAT output 23.40.
    """
    finance_db, sales_db = stack.database_urls["finance"], stack.database_urls["sales"]
    expected = {
        "1405": D("40"),  # Inventory
        "2204": D("-120"),  # GRNI
        "5401": D("72"),  # COGS: 96 issued - 24 back
        "5402": D("8"),  # inventory losses: the damaged unit
        "1122": D("203.4"),  # receivables
        "5001": D("-240"),  # revenue
        "5002": D("60"),  # sales returns
        "2221.02": D("-23.4"),  # VAT output
    }

    def balances() -> dict[str, Decimal]:
        rows = _rows(finance_db, "SELECT account, sum(debit) - sum(credit) FROM journal_lines GROUP BY account")
        return {code: D(v) for code, v in rows if D(v) != 0}

    wait_for(lambda: balances() == expected or None, timeout=30, message=f"the books: {balances()}")
    # each event posted once: 2 receipts, 2 issues, 1 adjustment, 1 restock, 2 invoices, 1 credit note
    assert _rows(finance_db, "SELECT count(*) FROM journal_entries") == [(9,)]
    # sales' credit control holds finance's figure for the customer
    wait_for(
        lambda: _rows(sales_db, "SELECT open_receivables, version FROM customer_balances") == [(D("203.4"), 3)] or None,
        timeout=30,
        message="the customer's balance in sales",
    )


def test_a_hundred_concurrent_orders_for_thirty_units_reserve_exactly_thirty(sales_stack: Any) -> None:
    gw = sales_stack.client()
    supplier_id, customer_id = _setup(gw, "SKU-HOT", "WH-HOT", "10.00")
    _receive(gw, supplier_id, "SKU-HOT", "WH-HOT", "30", "5.00")
    _settle(gw, "SKU-HOT", ("30", "0", "150.00"))
    _draft(gw, customer_id, "SKU-HOT", "WH-HOT", "1")  # the replicas are there (and one draft stays a draft)

    def order_and_confirm(_: int) -> tuple[int, int]:
        body = {"customer_id": customer_id, "warehouse_code": "WH-HOT", "lines": [{"sku": "SKU-HOT", "quantity": "1"}]}
        status, created, _ = gw.post(f"{S}/orders", json=body)
        if status != 201:
            return status, 0
        status, _, _ = gw.post(f"{S}/orders/{created['id']}/confirm", json={})
        return status, created["id"]

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(order_and_confirm, range(100)))
    assert Counter(status for status, _ in answers) == {200: 100}, answers

    def settled() -> Any:
        page = _ok(gw.get(f"{S}/orders?status=confirmed"))
        return page["total"] == 0 or None

    wait_for(settled, timeout=60, message="inventory's answer to every confirmation")
    statuses = Counter(_ok(gw.get(f"{S}/orders/{order_id}"))["status"] for _, order_id in answers)
    assert statuses == {"reserved": 30, "backordered": 70}
    _settle(gw, "SKU-HOT", ("30", "30", "150.00"))
    _no_dead_letters(sales_stack)


def test_one_short_line_backorders_the_whole_order_and_a_cancel_releases(sales_stack: Any) -> None:
    gw = sales_stack.client()
    supplier_id, customer_id = _setup(gw, "SKU-A", "WH-AB", "10.00")
    _ok(gw.post("/api/v1/inventory/items", json={"sku": "SKU-B", "name": "Scarce widget"}))
    _ok(
        gw.post(
            f"{S}/price-lists",
            json={"name": "B", "scope": "general", "currency": "CNY", "lines": [{"sku": "SKU-B", "unit_price": "4"}]},
        )
    )
    _receive(gw, supplier_id, "SKU-A", "WH-AB", "10", "6.00")
    _receive(gw, supplier_id, "SKU-B", "WH-AB", "2", "3.00")
    _settle(gw, "SKU-A", ("10", "0", "60.00"))
    _settle(gw, "SKU-B", ("2", "0", "6.00"))

    two_lines = _draft(gw, customer_id, "SKU-A", "WH-AB", "3")
    body = {"lines": [{"sku": "SKU-A", "quantity": "3"}, {"sku": "SKU-B", "quantity": "5"}]}
    _ok(gw.call("PATCH", f"{S}/orders/{two_lines['id']}", json=body))
    _ok(gw.post(f"{S}/orders/{two_lines['id']}/confirm", json={}))
    backordered = _order_status(gw, two_lines["id"], "backordered", "reserved")
    assert backordered["status"] == "backordered"
    assert [(s["line_no"], s["sku"]) for s in backordered["short_lines"]] == [(2, "SKU-B")]
    _settle(gw, "SKU-A", ("10", "0", "60.00"))  # the line that fitted holds nothing either
    _settle(gw, "SKU-B", ("2", "0", "6.00"))

    one_line = _draft(gw, customer_id, "SKU-A", "WH-AB", "4")
    _ok(gw.post(f"{S}/orders/{one_line['id']}/confirm", json={}))
    _order_status(gw, one_line["id"], "reserved")
    _settle(gw, "SKU-A", ("10", "4", "60.00"))
    assert _ok(gw.post(f"{S}/orders/{one_line['id']}/cancel", json={"reason": "changed mind"}))["status"] == "cancelled"
    _settle(gw, "SKU-A", ("10", "0", "60.00"))  # inventory released the 4
    assert _ok(gw.post(f"{S}/orders/{two_lines['id']}/cancel", json={}))["status"] == "cancelled"
    _no_dead_letters(sales_stack)
