"""Events and the API together on real PostgreSQL (the consumer's own apply path): a shipment after a stocktake
left less on hand than reserved (issue 8 points 4 and 10), a supplier return naming a SKU inventory never knew
(4), and the receipts and returns a clerk lists (20)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, text

from psi_chassis.app import create_service_app
from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.testing.tokens import TestKeys
from psi_contracts.envelope import make_envelope, parse_envelope
from psi_contracts.events import decode_data
from psi_inventory.adapters.tables import items, warehouses
from psi_inventory.app import SERVICE

pytestmark = pytest.mark.integration

D = Decimal
API = "/api/v1/inventory"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@dataclass
class Env:
    client: FlaskClient
    db: Database
    runner: ConsumerRunner

    def apply(self, event_type: str, data: dict[str, Any], subject: str) -> None:
        envelope = parse_envelope(make_envelope(event_type, data, source=event_type.split(".")[0], subject=subject))
        handler = next(h for h in SERVICE.handlers if event_type in h.event_types)
        outcome = self.runner.apply(
            handler, self.runner.queue_for(handler), envelope, decode_data(event_type, envelope["data"])
        )
        assert outcome == "ack"

    def api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = self.client.open(API + path, method=method, json=body)
        return response.status_code, response.get_json()

    def last(self, event_type: str) -> dict[str, Any]:
        with self.db.engine.connect() as conn:
            body = conn.execute(
                text("SELECT body FROM outbox WHERE event_type = :t ORDER BY id DESC LIMIT 1"), {"t": event_type}
            ).scalar_one()
        return dict(json.loads(body)["data"])

    def on_hand(self, sku: str) -> tuple[Decimal, Decimal]:
        with self.db.engine.connect() as conn:
            row = conn.execute(
                text("SELECT on_hand, reserved FROM stock_balances WHERE sku = :s AND warehouse_code = 'WH-A'"),
                {"s": sku},
            ).one()
        return D(row[0]), D(row[1])


@pytest.fixture
def env(psi_databases: Any) -> Iterator[Env]:
    url = psi_databases.create("inventory", SERVICE.migrations)
    settings = SERVICE.load_settings({"INVENTORY_DATABASE_URL": url, "AMQP_URL": "memory://"})
    keys = TestKeys()
    db = Database(url)
    with db.unit_of_work() as session:
        session.execute(
            insert(warehouses).values(
                code="WH-A", name="A", active=True, valuation_method="moving_average", created_at=T0, updated_at=T0
            )
        )
        session.execute(
            insert(items),
            [
                {
                    "sku": s,
                    "name": s,
                    "unit_of_measure": "pcs",
                    "active": True,
                    "version": 1,
                    "created_at": T0,
                    "updated_at": T0,
                }
                for s in ("S1", "S2")
            ],
        )
        session.commit()
    app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=keys.verifier())
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {keys.token('admin')}"
    yield Env(client, db, ConsumerRunner(settings, db, SERVICE.handlers))
    db.dispose()


def _shipped(number: str, quantity: str) -> dict[str, Any]:
    return {
        "shipment_id": number,
        "shipment_number": number,
        "order_id": "SO-9",
        "order_number": "SO-9",
        "warehouse_code": "WH-A",
        "shipped_at": datetime.now(UTC),
        "lines": [{"line_no": 1, "sku": "S1", "quantity": D(quantity)}],
    }


def _return(number: str, sku: str, quantity: str) -> dict[str, Any]:
    return {
        "return_id": number,
        "return_number": number,
        "po_id": "9",
        "po_number": "PO-9",
        "supplier_id": "1",
        "warehouse_code": "WH-A",
        "requested_at": datetime.now(UTC),
        "reason": "wrong goods",
        "lines": [{"line_no": 2, "sku": sku, "quantity": D(quantity), "unit_cost_base": D(3)}],
    }


def test_shipments_after_a_short_count_and_the_receipts_and_returns_lists(env: Env) -> None:
    env.apply(
        "purchasing.GoodsReceived.v1",
        {
            "receipt_id": "1",
            "receipt_number": "GRN-9",
            "po_id": "9",
            "po_number": "PO-9",
            "supplier_id": "1",
            "supplier_code": "SUP",
            "warehouse_code": "WH-A",
            "received_at": T0,
            "currency": "CNY",
            "exchange_rate": D(1),
            "lines": [
                {
                    "line_no": 1,
                    "sku": "S1",
                    "received_quantity": D(10),
                    "accepted_quantity": D(10),
                    "rejected_quantity": D(0),
                    "unit_cost": D(2),
                    "unit_cost_base": D(2),
                },
                {
                    "line_no": 2,
                    "sku": "S2",
                    "received_quantity": D(5),
                    "accepted_quantity": D(5),
                    "rejected_quantity": D(0),
                    "unit_cost": D(3),
                    "unit_cost_base": D(3),
                },
            ],
        },
        "GRN-9",
    )
    env.apply(
        "sales.OrderConfirmed.v1",
        {
            "order_id": "SO-9",
            "order_number": "SO-9",
            "customer_id": "C",
            "warehouse_code": "WH-A",
            "confirmed_at": datetime.now(UTC),
            "currency": "CNY",
            "lines": [{"line_no": 1, "sku": "S1", "quantity": D(6), "unit_price": D(9)}],
        },
        "SO-9",
    )
    assert env.on_hand("S1") == (D(10), D(6))

    # A stocktake counts 4 of S1: posted all the same (4 on hand, 6 reserved), the order is named short.
    status, stocktake = env.api("POST", "/stocktakes", {"warehouse_code": "WH-A", "skus": ["S1"]})
    env.api("POST", f"/stocktakes/{stocktake['id']}/counts", {"counts": [{"sku": "S1", "counted_quantity": "4"}]})
    status, posted = env.api("POST", f"/stocktakes/{stocktake['id']}/post")
    assert status == 200, posted
    short = env.last("inventory.ReservationShortfall.v1")
    assert (D(short["shortfall"]), short["reservations"]) == (
        D(2),
        [{"reference": "SO-9", "reserved_quantity": "6.000000"}],
    )

    # Shipping the 6 it reserved: covered, but only 4 on the shelf → refused whole, nothing moves.
    env.apply("sales.OrderShipped.v1", _shipped("SHP-1", "6"), "SO-9")
    refused = env.last("inventory.ShipmentRejected.v1")
    assert refused["reason_code"] == "INSUFFICIENT_STOCK"
    # 6 asked, 6 reserved for the order, 4 on hand − 6 reserved = −2 unreserved
    assert [
        (D(ln["requested_quantity"]), D(ln["reserved_quantity"]), D(ln["available_quantity"]))
        for ln in refused["lines"]
    ] == [(D(6), D(6), D(-2))]
    assert env.on_hand("S1") == (D(4), D(6))
    # Shipping the 4 that are there goes: 0 on hand, 6 − 4 = 2 still reserved (sales re-plans the rest).
    env.apply("sales.OrderShipped.v1", _shipped("SHP-2", "4"), "SO-9")
    assert D(env.last("inventory.StockIssued.v1")["lines"][0]["quantity"]) == D(4)
    assert env.on_hand("S1") == (D(0), D(2))

    # Returns: 2 of S2 (PO-9 line 2) go back at 3.00 = 6.00; one naming a SKU inventory never knew is refused.
    env.apply("purchasing.GoodsReturnRequested.v1", _return("RTN-7", "S2", "2"), "RTN-7")
    assert D(env.last("inventory.SupplierReturnIssued.v1")["total_value"]) == D(6)
    env.apply("purchasing.GoodsReturnRequested.v1", _return("RTN-8", "NEVER-SEEN", "1"), "RTN-8")
    unknown = env.last("inventory.SupplierReturnRejected.v1")
    assert (unknown["reason_code"], [ln["sku"] for ln in unknown["lines"]]) == ("UNKNOWN_SKU", ["NEVER-SEEN"])

    status, receipts = env.api("GET", "/receipts?warehouse_code=WH-A")
    assert status == 200 and receipts["total"] == 1
    (receipt,) = receipts["items"]
    assert (receipt["number"], receipt["reference"], receipt["status"]) == ("GRN-9", "PO-9", "booked")
    # 10 × 2 + 5 × 3 = 35
    assert [(ln["line_no"], ln["sku"], D(ln["value"])) for ln in receipt["lines"]] == [
        (1, "S1", D(20)),
        (2, "S2", D(15)),
    ]
    assert D(receipt["total_value"]) == D(35)
    status, returns = env.api("GET", "/returns")
    assert [(r["number"], r["kind"], r["status"]) for r in returns["items"]] == [
        ("RTN-8", "supplier_return", "rejected"),
        ("RTN-7", "supplier_return", "booked"),
    ]
    status, rejected = env.api("GET", "/returns?status=rejected")
    (refusal,) = rejected["items"]
    assert (refusal["reason_code"], refusal["lines"]) == ("UNKNOWN_SKU", [])
    assert [(ln["sku"], D(ln["requested_quantity"])) for ln in refusal["refused_lines"]] == [("NEVER-SEEN", D(1))]
    assert [r["number"] for r in env.api("GET", "/returns?sku=S2")[1]["items"]] == ["RTN-7"]
    assert env.api("GET", "/returns?kind=customer_return")[1]["total"] == 0
    assert env.api("GET", "/receipts?from=2026-03-02T00:00:00Z")[1]["total"] == 0
