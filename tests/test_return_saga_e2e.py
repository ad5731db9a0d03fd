"""Issue 8 point 4, end to end: a purchase return against reserved stock is refused by inventory and marked refused
by purchasing; a return within the free stock is issued at the receipt's cost and completed. The two services
agree about every return, nothing is dead-lettered, and every effect happens once.

Real purchasing and inventory APIs, consumers and relays on PostgreSQL and RabbitMQ, through the gateway.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from psi_chassis.testing import wait_for
from psi_chassis.testing.helpers import queue_depth
from psi_contracts.topology import dlq_name, queue_name

pytestmark = pytest.mark.integration


def _ok(answer: tuple[int, Any, Any]) -> Any:
    status, body, _ = answer
    assert status in (200, 201), (status, body)
    return body


def _scalar(url: str, sql: str) -> Any:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def _received_order(gw: Any) -> dict[str, Any]:
    """10 units of SKU-RTN received at 8.00 into WH-RTN, through purchasing and inventory."""
    _ok(gw.post("/api/v1/inventory/warehouses", json={"code": "WH-RTN", "name": "Returns test"}))
    _ok(gw.post("/api/v1/inventory/items", json={"sku": "SKU-RTN", "name": "Returned widget"}))
    supplier = _ok(
        gw.post("/api/v1/purchasing/suppliers", json={"code": "RTN", "name": "Returns Co", "currency": "CNY"})
    )
    order = {
        "supplier_id": supplier["id"],
        "warehouse_code": "WH-RTN",
        "lines": [{"sku": "SKU-RTN", "quantity": "10", "unit_price": "8.00"}],
    }

    def created() -> Any:
        # 422 until inventory's ItemCreated and WarehouseCreated have reached purchasing's replicas
        status, body, _ = gw.post("/api/v1/purchasing/purchase-orders", json=order)
        assert status in (201, 422), (status, body)
        return body if status == 201 else None

    po = wait_for(created, timeout=30, message="the item and warehouse in purchasing's replicas")
    assert _ok(gw.post(f"/api/v1/purchasing/purchase-orders/{po['id']}/submit", json={}))["status"] == "approved"
    _ok(
        gw.post(
            f"/api/v1/purchasing/purchase-orders/{po['id']}/receipts",
            json={
                "lines": [
                    {"line_no": 1, "received_quantity": "10", "accepted_quantity": "10", "rejected_quantity": "0"}
                ]
            },
        )
    )
    wait_for(lambda: _stock(gw)["on_hand"] == Decimal(10), timeout=30, message="the receipt in stock")
    return po


def _stock(gw: Any) -> dict[str, Decimal]:
    status, body, _ = gw.get("/api/v1/inventory/stock/SKU-RTN")
    if status != 200:
        return {"on_hand": Decimal(0), "reserved": Decimal(0), "value": Decimal(0)}
    return {k: Decimal(body[k]) for k in ("on_hand", "reserved", "value", "value_fifo")}


def _settled_return(gw: Any, po_id: int, quantity: str) -> dict[str, Any]:
    created = _ok(
        gw.post(
            f"/api/v1/purchasing/purchase-orders/{po_id}/returns",
            json={"reason": "wrong colour", "lines": [{"line_no": 1, "quantity": quantity}]},
        )
    )
    assert created["status"] == "requested"

    def settled() -> Any:
        body = _ok(gw.get(f"/api/v1/purchasing/returns/{created['id']}"))
        return body if body["status"] != "requested" else None

    return wait_for(settled, timeout=30, message=f"inventory's answer to return {created['number']}")


def test_a_return_against_reserved_stock_is_refused_and_both_services_agree(full_stack: Any) -> None:
    gw = full_stack.client()
    po = _received_order(gw)
    # A shop reserves 8 of the 10: only 2 are free.
    _ok(
        gw.post(
            "/api/v1/inventory/reservations",
            json={
                "reference": "SHOP-RTN-1",
                "warehouse_code": "WH-RTN",
                "lines": [{"sku": "SKU-RTN", "quantity": "8"}],
            },
        )
    )

    refused = _settled_return(gw, po["id"], "5")
    assert refused["status"] == "refused", refused
    assert refused["refusal_code"] == "INSUFFICIENT_STOCK", refused
    # Nothing left stock: still 10 on hand (8 reserved) worth 10 x 8.00 = 80.00.
    assert _stock(gw) == {
        "on_hand": Decimal(10),
        "reserved": Decimal(8),
        "value": Decimal("80.00"),
        "value_fifo": Decimal("80.00"),
    }

    completed = _settled_return(gw, po["id"], "2")  # the 2 free units go back
    assert completed["status"] == "completed", completed
    # Out at the receipt's cost under both methods: 2 x 8.00 = 16.00; 8 left worth 64.00.
    assert _stock(gw) == {
        "on_hand": Decimal(8),
        "reserved": Decimal(8),
        "value": Decimal("64.00"),
        "value_fifo": Decimal("64.00"),
    }
    order = _ok(gw.get(f"/api/v1/purchasing/purchase-orders/{po['id']}"))
    # The refused 5 were given back to the line: only the completed 2 count as returned.
    assert Decimal(order["lines"][0]["returned_quantity"]) == Decimal(2), order

    purchasing_db, inventory_db = full_stack.database_urls["purchasing"], full_stack.database_urls["inventory"]
    # Exactly once on both sides: one supplier-return move, one answer of each kind, one GoodsReturned (for the
    # completed return only), one request per return.
    assert _scalar(inventory_db, "SELECT count(*) FROM stock_moves WHERE kind = 'supplier_return'") == 1
    for event_type, expected in (("inventory.SupplierReturnIssued.v1", 1), ("inventory.SupplierReturnRejected.v1", 1)):
        assert _scalar(inventory_db, f"SELECT count(*) FROM outbox WHERE event_type = '{event_type}'") == expected
    for event_type, expected in (("purchasing.GoodsReturnRequested.v1", 2), ("purchasing.GoodsReturned.v1", 1)):
        assert _scalar(purchasing_db, f"SELECT count(*) FROM outbox WHERE event_type = '{event_type}'") == expected
    for service, handler in (("inventory", "on_purchasing_events"), ("purchasing", "on_inventory_events")):
        queue = queue_name(service, handler, prefix=full_stack.prefix)
        assert queue_depth(full_stack.amqp_url, dlq_name(queue)) == 0, f"{queue} dead-lettered something"
