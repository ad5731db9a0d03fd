"""Acceptance 1: supplier → purchase order → goods receipt through the gateway; the GoodsReceived event travels
through purchasing's outbox and relay to inventory's consumer, and the gateway then shows exactly the accepted
quantity in stock, valued at cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from psi_chassis.testing import wait_for

pytestmark = pytest.mark.integration


def _post(gw: Any, path: str, body: dict[str, Any], request_id: str | None = None) -> Any:
    headers = {"X-Request-ID": request_id} if request_id else {}
    status, payload, _ = gw.post(path, json=body, headers=headers)
    assert status in (200, 201), (status, payload)
    return payload


def test_goods_receipt_reaches_stock_exactly_once(full_stack: Any) -> None:
    gw = full_stack.client()
    _post(gw, "/api/v1/inventory/warehouses", {"code": "WH1", "name": "Main"})
    for sku in ("SKU-E2E-1", "SKU-E2E-2"):
        _post(gw, "/api/v1/inventory/items", {"sku": sku, "name": f"Item {sku}"})
    supplier = _post(gw, "/api/v1/purchasing/suppliers", {"code": "ACME", "name": "Acme Trading", "currency": "CNY"})
    order = {
        "supplier_id": supplier["id"],
        "warehouse_code": "WH1",
        "lines": [
            {"sku": "SKU-E2E-1", "quantity": "10", "unit_price": "12.50"},
            {"sku": "SKU-E2E-2", "quantity": "4", "unit_price": "3.10"},
        ],
    }

    def accepted() -> Any:
        # purchasing refuses SKUs its item replica does not know yet (422 UNKNOWN_SKU) until ItemCreated arrives
        status, body, _ = gw.post("/api/v1/purchasing/purchase-orders", json=order)
        assert status in (201, 422), (status, body)
        return body if status == 201 else None

    po = wait_for(accepted, timeout=30, message="the new items reach purchasing's replica")
    assert po["status"] == "draft" and po["number"].startswith("PO-")
    # 10 × 12.50 + 4 × 3.10 = 137.40 <= 5,000: the first approval tier approves it automatically
    assert _post(gw, f"/api/v1/purchasing/purchase-orders/{po['id']}/submit", {})["status"] == "approved"

    receipt = _post(
        gw,
        f"/api/v1/purchasing/purchase-orders/{po['id']}/receipts",
        {
            "lines": [
                {
                    "line_no": 1,
                    "received_quantity": "10",
                    "accepted_quantity": "8",
                    "rejected_quantity": "2",
                    "reject_reason": "damaged cartons",
                },
                {"line_no": 2, "received_quantity": "4", "accepted_quantity": "4", "rejected_quantity": "0"},
            ],
        },
        request_id="e2e-flow-request-1",
    )
    assert receipt["number"].startswith("GRN-")

    def stock(sku: str) -> dict[str, Any] | None:
        status, body, _ = gw.get(f"/api/v1/inventory/stock/{sku}")
        # the warehouse exists, so the item has a zero balance row there until the receipt is booked
        return body if status == 200 and Decimal(body["on_hand"]) > 0 else None

    first = wait_for(lambda: stock("SKU-E2E-1"), timeout=30, message="SKU-E2E-1 in stock")
    second = wait_for(lambda: stock("SKU-E2E-2"), timeout=30, message="SKU-E2E-2 in stock")
    assert (first["on_hand"], first["available"]) == ("8.000000", "8.000000"), first
    assert Decimal(first["value"]) == Decimal("100.00")  # 8 accepted × 12.50; the 2 rejected never enter stock
    assert Decimal(second["on_hand"]) == 4 and Decimal(second["value"]) == Decimal("12.40")
    assert first["warehouses"][0]["warehouse_code"] == "WH1"

    # Exactly once: the ledger holds one move per accepted line, and inventory published its StockReceived.
    engine = create_engine(full_stack.database_urls["inventory"])
    with engine.connect() as conn:
        moves = conn.execute(text("SELECT sku, quantity FROM stock_moves ORDER BY sku")).all()
        wait_for(
            lambda: (
                conn.execute(
                    text(
                        "SELECT count(*) FROM outbox WHERE event_type = 'inventory.StockReceived.v1' "
                        "AND published_at IS NOT NULL"
                    )
                ).scalar()
                == 1
            ),
            message="StockReceived published",
        )
        correlation = conn.execute(
            text("SELECT correlation_id FROM outbox WHERE event_type = 'inventory.StockReceived.v1'")
        ).scalar()
    engine.dispose()
    assert [(m.sku, Decimal(m.quantity)) for m in moves] == [("SKU-E2E-1", Decimal(8)), ("SKU-E2E-2", Decimal(4))]
    assert correlation == "e2e-flow-request-1", "the request id travels into the events it caused"
