"""Purchasing acceptance 6, through the gateway on real services: requisition → approval by the right role →
purchase order (priced from the supplier's list, approved within budget) → goods receipt → the stock in
inventory at the right cost."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from psi_chassis.testing import wait_for

pytestmark = pytest.mark.integration


def _ok(answer: tuple[int, Any, Any], *statuses: int) -> Any:
    status, body, _ = answer
    assert status in (statuses or (200, 201)), (status, body)
    return body


def test_requisition_to_stock_at_the_right_cost(full_stack: Any) -> None:
    admin = full_stack.client()
    _ok(admin.post("/api/v1/inventory/warehouses", json={"code": "WH1", "name": "Main"}))
    _ok(
        admin.post(
            "/api/v1/auth/users",
            json={"username": "boss", "password": "manager-password-1", "roles": ["purchasing_manager"]},
        )
    )
    _ok(
        admin.post(
            "/api/v1/auth/users", json={"username": "clerk", "password": "clerk-password-1", "roles": ["purchaser"]}
        )
    )
    manager = full_stack.client(full_stack.login("boss", "manager-password-1"))
    clerk = full_stack.client(full_stack.login("clerk", "clerk-password-1"))

    _ok(admin.post("/api/v1/inventory/items", json={"sku": "PAPER-A4", "name": "A4 paper, 500 sheets"}))
    supplier = _ok(clerk.post("/api/v1/purchasing/suppliers", json={"code": "PAPERCO", "name": "Paper Co"}))
    _ok(
        clerk.post(
            f"/api/v1/purchasing/suppliers/{supplier['id']}/prices",
            json={"sku": "PAPER-A4", "unit_price": "7.50", "valid_from": "2026-01-01", "preferred": True},
        )
    )
    month = datetime.now(UTC).strftime("%Y-%m")
    _ok(
        manager.call(
            "PUT", "/api/v1/purchasing/budgets", json={"department": "office", "period": month, "amount": "20000"}
        )
    )

    requisition_body = {
        "department": "office",
        "lines": [
            {"sku": "PAPER-A4", "warehouse_code": "WH1", "quantity": "1000", "needed_by": date.today().isoformat()}
        ],
    }

    def requisition_accepted() -> Any:
        # purchasing knows the item only once inventory's ItemCreated has reached its replica
        status, body, _ = clerk.post("/api/v1/purchasing/requisitions", json=requisition_body)
        assert status in (201, 422), (status, body)
        return body if status == 201 else None

    requisition = wait_for(requisition_accepted, timeout=30, message="the item in purchasing's replica")
    # 1,000 × 7.50 = 7,500 in the base currency: above 5,000, so the purchasing manager's tier
    submitted = _ok(clerk.post(f"/api/v1/purchasing/requisitions/{requisition['id']}/submit", json={}))
    assert submitted["status"] == "submitted" and submitted["approver_role"] == "purchasing_manager"
    status, problem, _ = clerk.post(f"/api/v1/purchasing/requisitions/{requisition['id']}/approve", json={})
    assert (status, problem["code"]) == (403, "ROLE_NOT_PERMITTED")
    approved = _ok(manager.post(f"/api/v1/purchasing/requisitions/{requisition['id']}/approve", json={}))
    assert approved["status"] == "approved"

    converted = _ok(
        clerk.post(
            "/api/v1/purchasing/requisitions/convert",
            json={"lines": [{"requisition_line_id": approved["lines"][0]["id"], "supplier_id": supplier["id"]}]},
        )
    )
    (order,) = converted["items"]
    po = _ok(clerk.get(f"/api/v1/purchasing/purchase-orders/{order['id']}"))
    assert po["lines"][0]["unit_price"] == "7.500000", "priced from the supplier's list"

    pending = _ok(clerk.post(f"/api/v1/purchasing/purchase-orders/{po['id']}/submit", json={}))
    assert pending["status"] == "pending_approval"
    approved_po = _ok(manager.post(f"/api/v1/purchasing/purchase-orders/{po['id']}/approve", json={}))
    assert approved_po["status"] == "approved"
    budgets = _ok(manager.get("/api/v1/purchasing/budgets", params={"department": "office"}))
    assert budgets["items"][0]["committed"] == "7500.000000", "the order's total is committed to the budget"

    _ok(
        admin.post(
            f"/api/v1/purchasing/purchase-orders/{po['id']}/receipts",
            json={
                "lines": [
                    {
                        "line_no": 1,
                        "received_quantity": "1000",
                        "accepted_quantity": "990",
                        "rejected_quantity": "10",
                        "reject_reason": "wet",
                    }
                ]
            },
        )
    )

    def stock() -> Any:
        status, body, _ = clerk.get("/api/v1/inventory/stock/PAPER-A4")
        return body if status == 200 and Decimal(body["on_hand"]) > 0 else None

    body = wait_for(stock, timeout=30, message="the accepted paper in stock")
    # 990 accepted × 7.50 = 7,425.00; the 10 rejected never enter stock.
    assert (Decimal(body["on_hand"]), Decimal(body["value"])) == (Decimal(990), Decimal("7425"))
    assert body["warehouses"][0]["warehouse_code"] == "WH1"
