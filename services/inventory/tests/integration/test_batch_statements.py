"""Issue 9, acceptance 5: the SQL statements of one batch do not grow with the batch size.

Batches of 10 and of 100 events of the same shapes go through the consumer's batch path against PostgreSQL,
with every statement sent to the driver counted (an ``executemany`` counts once: it is one statement text with
its parameter sets). Receipts and supplier return requests on the purchasing queue; confirmations, shipments,
returns and cancellations interleaved on the sales queue.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.testing.helpers import goods_received
from psi_contracts.envelope import make_envelope
from psi_inventory.app import SERVICE

pytestmark = pytest.mark.integration
SKUS = ("SKU-A", "SKU-B", "SKU-C")


def _return_request(sku: str, quantity: str, number: str) -> dict[str, Any]:
    return make_envelope(
        "purchasing.GoodsReturnRequested.v1",
        {
            "return_id": number,
            "return_number": number,
            "po_id": "1",
            "po_number": "PO-T",
            "supplier_id": "1",
            "warehouse_code": "WH1",
            "requested_at": datetime.now(UTC),
            "reason": "wrong",
            "lines": [{"line_no": 1, "sku": sku, "quantity": Decimal(quantity), "unit_cost_base": Decimal("2.5")}],
        },
        source="purchasing",
    )


def _sales(event_type: str, order: str, **data: Any) -> dict[str, Any]:
    base = {"order_id": order, "order_number": order, "warehouse_code": "WH1"}
    return make_envelope(event_type, {**base, **data}, source="sales")


def _order_story(i: int) -> list[dict[str, Any]]:
    """Confirm 2, ship 1, take 1 back, cancel the rest: four event types interleaved per order."""
    sku, order, now = SKUS[i % len(SKUS)], f"SO-{i}", datetime.now(UTC)
    line = {"line_no": 1, "sku": sku, "quantity": Decimal(2), "unit_price": Decimal(9)}
    return [
        _sales("sales.OrderConfirmed.v1", order, customer_id="C1", confirmed_at=now, currency="CNY", lines=[line]),
        _sales(
            "sales.OrderShipped.v1",
            order,
            shipment_id=f"S{i}",
            shipment_number=f"SHP-{i}",
            shipped_at=now,
            lines=[{"line_no": 1, "sku": sku, "quantity": Decimal(1)}],
        ),
        make_envelope(
            "sales.ReturnReceived.v1",
            {
                "return_id": f"R{i}",
                "return_number": f"RMA-{i}",
                "order_id": order,
                "order_number": order,
                "warehouse_code": "WH1",
                "received_at": now,
                "lines": [{"line_no": 1, "sku": sku, "quantity": Decimal(1)}],
            },
            source="sales",
        ),
        _sales("sales.OrderCancelled.v1", order, cancelled_at=now),
    ]


def _counting(db: Database) -> Callable[[], int]:
    count = [0]

    @event.listens_for(db.engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        count[0] += 1

    return lambda: count[0]


def _statements_for(
    psi_databases: Any, batch: Callable[[int], list[dict[str, Any]]], size: int, handler_name: str
) -> int:
    url = psi_databases.create("inventory", SERVICE.migrations)
    db = Database(url)
    try:
        runner = ConsumerRunner(
            SERVICE.load_settings({"INVENTORY_DATABASE_URL": url, "AMQP_URL": "memory://"}), db, SERVICE.handlers
        )
        handlers = {h.name: h for h in SERVICE.handlers}
        # Stock to work with, in its own batch first (not counted).
        runner.apply_envelopes(
            handlers["on_purchasing_events"],
            [goods_received(sku, "1000", "2.5", number=f"GRN-OPEN-{sku}") for sku in SKUS],
        )
        envelopes = batch(size)
        count = _counting(db)
        before = count()
        outcomes = runner.apply_envelopes(handlers[handler_name], envelopes)
        assert outcomes == ["ack"] * len(envelopes)
        return count() - before
    finally:
        db.dispose()


def _purchasing_batch(size: int) -> list[dict[str, Any]]:
    out = []
    for i in range(size):
        sku = SKUS[i % len(SKUS)]
        if i % 2:
            out.append(_return_request(sku, "1", f"RTN-{uuid.uuid4().hex[:8]}"))
        else:
            out.append(goods_received(sku, "3", "2.5", number=f"GRN-{i}"))
    return out


def _sales_batch(size: int) -> list[dict[str, Any]]:
    return [e for i in range(size // 4) for e in _order_story(i)]


@pytest.mark.parametrize(
    ("handler_name", "batch"),
    [
        ("on_purchasing_events", _purchasing_batch),
        ("on_sales_events", _sales_batch),
    ],
)
def test_statements_per_batch_do_not_grow_with_its_size(
    psi_databases: Any, handler_name: str, batch: Callable[[int], list[dict[str, Any]]]
) -> None:
    small = _statements_for(psi_databases, batch, 12, handler_name)
    large = _statements_for(psi_databases, batch, 120, handler_name)
    assert large == small, f"{handler_name}: {small} statements for 12 events, {large} for 120"
    assert small <= 20, f"{handler_name}: {small} statements for one batch"
