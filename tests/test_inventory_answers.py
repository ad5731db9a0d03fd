"""Issue 8, inventory's answers through the real consumer process on real PostgreSQL and RabbitMQ.

A business refusal of an event is never a dead letter: a supplier return against reserved stock and a shipment
its order did not reserve are answered with SupplierReturnRejected and ShipmentRejected, nothing moves, and
both DLQs stay empty (points 3 and 4). A return leaves at the cost its own receipt came in at (7), a customer
return into FIFO books restores the FIFO cost that left (8), a receipt into a warehouse inventory does not list
creates it inactive (6), and a receipt dated in the future is booked at the moment it is booked (11).

Events are published the way the producers' relays would; purchasing's and sales' events travel on two queues,
so each step waits for the answer of the one before (no sleeps).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from psi_chassis.testing import metric_sum, scrape, wait_for
from psi_chassis.testing.helpers import publish_envelopes, queue_depth
from psi_contracts.envelope import make_envelope
from psi_contracts.topology import dlq_name, queue_name

pytestmark = pytest.mark.integration

D = Decimal


class Inventory:
    """Reads of the inventory database the consumer writes to."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    def rows(self, sql: str, **params: Any) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql), params).all())

    def published(self, event_type: str) -> list[dict[str, Any]]:
        return [
            json.loads(r[0])
            for r in self.rows("SELECT body FROM outbox WHERE event_type = :t ORDER BY id", t=event_type)
        ]

    def wait_published(self, event_type: str, count: int) -> list[dict[str, Any]]:
        wait_for(
            lambda: len(self.published(event_type)) >= count,
            timeout=30,
            message=f"{count} x {event_type} in the outbox",
        )
        return self.published(event_type)

    def balance(self, sku: str, warehouse: str) -> tuple[Decimal, ...]:
        (row,) = self.rows(
            "SELECT on_hand, reserved, value, value_fifo FROM stock_balances WHERE sku = :s AND warehouse_code = :w",
            s=sku,
            w=warehouse,
        )
        return tuple(D(v) for v in row)


def _received(
    po: str, line_no: int, sku: str, quantity: str, cost: str, warehouse: str, number: str, at: datetime | None = None
) -> dict[str, Any]:
    return make_envelope(
        "purchasing.GoodsReceived.v1",
        {
            "receipt_id": number,
            "receipt_number": number,
            "po_id": po,
            "po_number": po,
            "supplier_id": "1",
            "supplier_code": "SUP",
            "warehouse_code": warehouse,
            "received_at": at or datetime.now(UTC),
            "currency": "CNY",
            "exchange_rate": D(1),
            "lines": [
                {
                    "line_no": line_no,
                    "sku": sku,
                    "received_quantity": D(quantity),
                    "accepted_quantity": D(quantity),
                    "rejected_quantity": D(0),
                    "unit_cost": D(cost),
                    "unit_cost_base": D(cost),
                }
            ],
        },
        source="purchasing",
        subject=number,
    )


def _return_requested(
    po: str, line_no: int, sku: str, quantity: str, cost: str, warehouse: str, number: str
) -> dict[str, Any]:
    return make_envelope(
        "purchasing.GoodsReturnRequested.v1",
        {
            "return_id": number,
            "return_number": number,
            "po_id": po,
            "po_number": po,
            "supplier_id": "1",
            "warehouse_code": warehouse,
            "requested_at": datetime.now(UTC),
            "reason": "damaged",
            "lines": [{"line_no": line_no, "sku": sku, "quantity": D(quantity), "unit_cost_base": D(cost)}],
        },
        source="purchasing",
        subject=number,
    )


def _sales(event_type: str, order: str, warehouse: str, lines: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"order_id": order, "order_number": order, "warehouse_code": warehouse, **extra}
    numbered = [{"line_no": i, "sku": sku, "quantity": D(q)} for i, (sku, q) in enumerate(lines, start=1)]
    if event_type == "sales.OrderConfirmed.v1":
        data.update(
            customer_id="C-1",
            confirmed_at=datetime.now(UTC),
            currency="CNY",
            lines=[{**ln, "unit_price": D(50)} for ln in numbered],
        )
    elif event_type == "sales.OrderShipped.v1":
        data.update(
            shipment_id=f"S-{order}", shipment_number=f"SHP-{order}", shipped_at=datetime.now(UTC), lines=numbered
        )
    else:  # sales.ReturnReceived.v1
        data.update(
            return_id=f"RMA-{order}", return_number=f"RMA-{order}", received_at=datetime.now(UTC), lines=numbered
        )
    return make_envelope(event_type, data, source="sales", subject=order)


def test_a_return_against_reserved_stock_is_refused_and_nothing_is_dead_lettered(stack: Any, database_for: Any) -> None:
    db = Inventory(database_for("inventory"))
    stack.consumer("inventory")

    # Two receipts into WH-R, which inventory does not list: 3 @ 10.00 on PO-1 line 1, then 2 @ 8.00 on PO-2
    # line 1. 5 on hand worth 30 + 16 = 46 both ways.
    publish_envelopes(
        stack.amqp_url,
        stack.prefix,
        [
            _received("PO-1", 1, "SKU-R", "3", "10.00", "WH-R", "GRN-1"),
            _received("PO-2", 1, "SKU-R", "2", "8.00", "WH-R", "GRN-2"),
        ],
    )
    db.wait_published("inventory.StockReceived.v1", 2)
    # Point 6: the unlisted warehouse was created inactive and announced, so purchasing's replica knows it.
    (created,) = db.published("inventory.WarehouseCreated.v1")
    assert (created["subject"], created["data"]["active"], created["data"]["version"]) == ("WH-R", False, 1)
    assert [tuple(r) for r in db.rows("SELECT code, active FROM warehouses")] == [("WH-R", False)]
    assert "unlisted" in created["data"]["name"]

    # Point 7: return 2 of PO-2 line 1, received at 8.00: 2 × 8.00 = 16.00 leaves under both methods (it was
    # 46 × 2 / 5 = 18.40 by the average and 2 × 10.00 = 20.00 by oldest-first FIFO).
    publish_envelopes(
        stack.amqp_url, stack.prefix, [_return_requested("PO-2", 1, "SKU-R", "2", "8.00", "WH-R", "RTN-1")]
    )
    (issued,) = db.wait_published("inventory.SupplierReturnIssued.v1", 1)
    data = issued["data"]
    assert (issued["subject"], data["po_number"], data["return_number"]) == ("RTN-1", "PO-2", "RTN-1")
    assert [
        (ln["line_no"], D(ln["quantity"]), D(ln["unit_cost"]), D(ln["value"]), D(ln["value_fifo"]))
        for ln in data["lines"]
    ] == [(1, D(2), D(8), D(16), D(16))]
    assert D(data["total_value"]) == D(16)
    assert db.balance("SKU-R", "WH-R") == (D(3), D(0), D(30), D(30))  # 46 − 16; the 3 @ 10 layer is left

    # An order reserves all 3; then a return of 1 from PO-1 line 1 finds nothing unreserved.
    publish_envelopes(
        stack.amqp_url, stack.prefix, [_sales("sales.OrderConfirmed.v1", "SO-1", "WH-R", [("SKU-R", "3")])]
    )
    db.wait_published("inventory.StockReserved.v1", 1)
    moves_before = db.rows("SELECT count(*) FROM stock_moves")[0][0]
    publish_envelopes(
        stack.amqp_url, stack.prefix, [_return_requested("PO-1", 1, "SKU-R", "1", "10.00", "WH-R", "RTN-2")]
    )
    (rejected,) = db.wait_published("inventory.SupplierReturnRejected.v1", 1)
    data = rejected["data"]
    assert (rejected["subject"], data["reason_code"], data["return_number"]) == ("RTN-2", "INSUFFICIENT_STOCK", "RTN-2")
    # 1 asked; 3 on hand − 3 reserved = 0 available
    assert [
        (ln["line_no"], ln["sku"], D(ln["requested_quantity"]), D(ln["available_quantity"])) for ln in data["lines"]
    ] == [(1, "SKU-R", D(1), D(0))]

    # Point 4, the shipment side: the order ships 4 but reserved 3 → refused whole.
    publish_envelopes(stack.amqp_url, stack.prefix, [_sales("sales.OrderShipped.v1", "SO-1", "WH-R", [("SKU-R", "4")])])
    (refused,) = db.wait_published("inventory.ShipmentRejected.v1", 1)
    data = refused["data"]
    assert (data["reason_code"], data["shipment_number"], data["order_number"]) == ("NOT_RESERVED", "SHP-SO-1", "SO-1")
    assert [
        (ln["line_no"], D(ln["requested_quantity"]), D(ln["reserved_quantity"]), D(ln["available_quantity"]))
        for ln in data["lines"]
    ] == [(1, D(4), D(3), D(0))]

    # Nothing moved for either refusal, the books agree with what purchasing and sales will be told, and nothing
    # waits in a dead-letter queue.
    assert db.rows("SELECT count(*) FROM stock_moves")[0][0] == moves_before
    assert db.balance("SKU-R", "WH-R") == (D(3), D(3), D(30), D(30))
    assert db.published("inventory.StockIssued.v1") == []
    for handler in ("on_purchasing_events", "on_sales_events"):
        assert queue_depth(stack.amqp_url, dlq_name(queue_name("inventory", handler, prefix=stack.prefix))) == 0
    samples = scrape(stack.metrics_urls["inventory-consumer"])
    assert metric_sum(samples, "psi_messages_consumed_total", outcome="dead_letter") == 0
    assert metric_sum(samples, "psi_messages_consumed_total", outcome="ack") == 6  # 2 receipts, 2 returns, 2 sales
    documents = db.rows("SELECT kind, number, status, reason_code FROM source_documents ORDER BY id")
    assert [tuple(r) for r in documents] == [
        ("receipt", "GRN-1", "booked", None),
        ("receipt", "GRN-2", "booked", None),
        ("supplier_return", "RTN-1", "booked", None),
        ("supplier_return", "RTN-2", "rejected", "INSUFFICIENT_STOCK"),
        ("shipment", "SHP-SO-1", "rejected", "NOT_RESERVED"),
    ]


def test_a_future_receipt_is_booked_now_and_a_customer_return_restores_the_fifo_cost(
    stack: Any, database_for: Any
) -> None:
    db = Inventory(database_for("inventory"))
    with db.engine.begin() as conn:  # a warehouse whose books use FIFO
        conn.execute(
            text(
                "INSERT INTO warehouses (code, name, active, valuation_method, version, created_at,"
                " updated_at) VALUES ('WH-F', 'FIFO store', true, 'fifo', 1, now(), now())"
            )
        )
    stack.consumer("inventory")

    # 2 @ 25.00, then 3 @ 30.00 dated three days ahead (purchasing's clock is wrong): 5 worth 50 + 90 = 140.
    future = datetime.now(UTC) + timedelta(days=3)
    publish_envelopes(
        stack.amqp_url,
        stack.prefix,
        [
            _received("PO-3", 1, "SKU-F", "2", "25.00", "WH-F", "GRN-3"),
            _received("PO-3", 2, "SKU-F", "3", "30.00", "WH-F", "GRN-4", at=future),
        ],
    )
    received = db.wait_published("inventory.StockReceived.v1", 2)
    # Point 11: a fact is never refused for its time, but it is booked when it is booked, not in the future,
    # so stock as of now is the live balance (5, not 2).
    assert datetime.fromisoformat(received[1]["data"]["occurred_at"]) < future - timedelta(days=2)
    assert db.rows("SELECT count(*) FROM stock_moves WHERE occurred_at > recorded_at")[0][0] == 0
    assert db.rows("SELECT sum(quantity) FROM stock_moves WHERE sku = 'SKU-F' AND occurred_at <= now()")[0][0] == 5

    publish_envelopes(
        stack.amqp_url, stack.prefix, [_sales("sales.OrderConfirmed.v1", "SO-2", "WH-F", [("SKU-F", "4")])]
    )
    db.wait_published("inventory.StockReserved.v1", 1)
    publish_envelopes(stack.amqp_url, stack.prefix, [_sales("sales.OrderShipped.v1", "SO-2", "WH-F", [("SKU-F", "4")])])
    (shipped,) = db.wait_published("inventory.StockIssued.v1", 1)
    line = shipped["data"]["lines"][0]
    # 4 out: the average 140 / 5 = 28.00 → 112.00; FIFO 2 × 25 + 2 × 30 = 110.00 (27.50 a unit), the books'
    assert (D(line["cost_moving_average"]), D(line["cost_fifo"]), D(line["unit_cost"])) == (D(112), D(110), D("27.5"))
    assert D(shipped["data"]["total_cost"]) == D(110)

    # Point 8: all 4 come back. FIFO restores the 110.00 that left (a layer of 4 @ 27.50), the average 112.00;
    # before, FIFO got the average's 28.00 a unit (112.00).
    publish_envelopes(
        stack.amqp_url,
        stack.prefix,
        [_sales("sales.ReturnReceived.v1", "SO-2", "WH-F", [("SKU-F", "4")], order_id="SO-2")],
    )
    wait_for(
        lambda: db.rows("SELECT count(*) FROM stock_moves WHERE kind = 'customer_return'")[0][0] == 1,
        timeout=30,
        message="the customer return booked",
    )
    (move,) = db.rows("SELECT quantity, unit_cost, value, value_fifo FROM stock_moves WHERE kind = 'customer_return'")
    assert tuple(D(v) for v in move) == (D(4), D("27.5"), D(112), D(110))
    # 1 left @ 30 + 4 back: the average 28 + 112 = 140, FIFO 30 + 110 = 140
    assert db.balance("SKU-F", "WH-F") == (D(5), D(0), D(140), D(140))
    assert [
        tuple(D(v) for v in r)
        for r in db.rows(
            "SELECT remaining, unit_cost FROM cost_layers WHERE sku = 'SKU-F' AND remaining > 0 ORDER BY id"
        )
    ] == [(D(1), D(30)), (D(4), D("27.5"))]
