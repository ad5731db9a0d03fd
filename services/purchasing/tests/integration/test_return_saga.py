"""The purchase return saga on purchasing's side (issue 8 point 4), on real PostgreSQL: the API records a return
as requested; inventory's replies, built with make_envelope and fed through purchasing's consumer (inbox and
all), complete it or refuse it; the API shows the state, and the two services cannot end up disagreeing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import insert, text

from psi_chassis.app import create_service_app
from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.service import PoisonMessage
from psi_chassis.testing.tokens import TestKeys
from psi_chassis.types import utcnow
from psi_contracts.envelope import make_envelope, parse_envelope
from psi_contracts.events import decode_data
from psi_purchasing.adapters.tables import items, warehouses
from psi_purchasing.app import SERVICE

pytestmark = pytest.mark.integration
KEYS = TestKeys()
P = "/api/v1/purchasing"
ISSUED = "inventory.SupplierReturnIssued.v1"
REJECTED = "inventory.SupplierReturnRejected.v1"
IGNORED = "psi_purchasing_return_replies_ignored_total"


class Saga:
    def __init__(self, client: Any, db: Database, runner: ConsumerRunner) -> None:
        self.client, self.db, self.runner = client, db, runner

    def ok(self, method: str, path: str, body: Any = None, role: str = "admin") -> Any:
        response = self.client.open(
            P + path, method=method, json=body, headers={"Authorization": f"Bearer {KEYS.token(role, sub=role)}"}
        )
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = self.client.open(
            P + path, method=method, json=body, headers={"Authorization": f"Bearer {KEYS.token('admin')}"}
        )
        return response.status_code, response.get_json()

    def reply(self, event_type: str, data: dict[str, Any]) -> str:
        """Deliver one of inventory's replies through purchasing's consumer: "ack" or "duplicate"."""
        return self.deliver(make_envelope(event_type, data, source="inventory"))

    def deliver(self, envelope: dict[str, Any]) -> str:
        parsed = parse_envelope(envelope)
        (handler,) = [h for h in SERVICE.handlers if parsed["type"] in h.subscriptions]
        return self.runner.apply(
            handler, self.runner.queue_for(handler), parsed, decode_data(parsed["type"], parsed["data"])
        )

    def events(self, event_type: str) -> list[dict[str, Any]]:
        with self.db.engine.connect() as conn:
            rows = (
                conn.execute(text("SELECT body FROM outbox WHERE event_type = :t ORDER BY id"), {"t": event_type})
                .scalars()
                .all()
            )
        return [json.loads(r) if isinstance(r, str) else r for r in rows]

    def state(self) -> list[tuple[Any, ...]]:
        """Every return's status and every order line's returned quantity: what a refused reply must not move."""
        with self.db.engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT 'return', id, status FROM purchase_returns UNION ALL "
                        "SELECT 'line', id, returned_quantity::text FROM purchase_order_lines UNION ALL "
                        "SELECT 'outbox', count(*), '' FROM outbox UNION ALL SELECT 'inbox', count(*), '' FROM inbox "
                        "ORDER BY 1, 2"
                    )
                ).all()
            ]


@pytest.fixture
def saga(psi_databases: Any) -> Iterator[Saga]:
    url = psi_databases.create("purchasing", SERVICE.migrations)
    settings = SERVICE.load_settings({"PURCHASING_DATABASE_URL": url, "AMQP_URL": "memory://"})
    db = Database(url)
    with db.unit_of_work() as session:
        now = utcnow()
        session.execute(
            insert(items).values(sku="S1", name="S1", unit_of_measure="pcs", active=True, version=1, updated_at=now)
        )
        session.execute(
            insert(warehouses).values(
                code="WH1", name="Main", active=True, valuation_method="moving_average", version=1, updated_at=now
            )
        )
        session.commit()
    app = create_service_app(SERVICE, settings, db, configure_logs=False, verifier=KEYS.verifier())
    yield Saga(app.test_client(), db, ConsumerRunner(settings, db, SERVICE.handlers))
    db.dispose()


def _received_order(saga: Saga) -> dict[str, Any]:
    """10 of S1 at 8.00 CNY, all received and accepted (10 × 8 = 80: approved automatically)."""
    supplier = saga.ok("POST", "/suppliers", {"code": "ACME", "name": "Acme"})
    order = saga.ok(
        "POST",
        "/purchase-orders",
        {
            "supplier_id": supplier["id"],
            "warehouse_code": "WH1",
            "lines": [{"sku": "S1", "quantity": "10", "unit_price": "8"}],
        },
    )
    saga.ok("POST", f"/purchase-orders/{order['id']}/submit")
    saga.ok(
        "POST",
        f"/purchase-orders/{order['id']}/receipts",
        {"lines": [{"line_no": 1, "received_quantity": "10", "accepted_quantity": "10"}]},
    )
    return order


def _request(saga: Saga, order: dict[str, Any], quantity: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST a return; it and the GoodsReturnRequested envelope it published."""
    rtn = saga.ok(
        "POST",
        f"/purchase-orders/{order['id']}/returns",
        {"reason": "wrong colour", "lines": [{"line_no": 1, "quantity": quantity}]},
        role="warehouse",
    )
    requested = next(e for e in saga.events("purchasing.GoodsReturnRequested.v1") if e["id"] == rtn["event_id"])
    return rtn, requested


def _issued(requested: dict[str, Any], occurred_at: datetime, quantity: str | None = None) -> dict[str, Any]:
    data = requested["data"]
    qty = Decimal(quantity or data["lines"][0]["quantity"])
    return {
        "source_event_id": requested["id"],
        "return_id": data["return_id"],
        "return_number": data["return_number"],
        "po_number": data["po_number"],
        "warehouse_code": data["warehouse_code"],
        "occurred_at": occurred_at,
        "currency": "CNY",
        # inventory's moving average is 7.50 a unit, its FIFO layer 8.00
        "lines": [
            {
                "line_no": 1,
                "sku": "S1",
                "quantity": qty,
                "unit_cost": Decimal("7.5"),
                "value": qty * Decimal("7.5"),
                "value_fifo": qty * 8,
            }
        ],
        "total_value": qty * Decimal("7.5"),
    }


def _rejected(requested: dict[str, Any]) -> dict[str, Any]:
    data = requested["data"]
    return {
        "source_event_id": requested["id"],
        "return_id": data["return_id"],
        "return_number": data["return_number"],
        "warehouse_code": data["warehouse_code"],
        "occurred_at": datetime(2026, 3, 4, 2, 12, tzinfo=UTC),
        "reason_code": "INSUFFICIENT_STOCK",
        "reason": "S1 in WH1: cannot take 6, only 2 available (on hand 10, reserved 8)",
        "lines": [{"line_no": 1, "sku": "S1", "requested_quantity": Decimal(6), "available_quantity": Decimal(2)}],
    }


def _ignored() -> float:
    return sum(
        REGISTRY.get_sample_value(f"{IGNORED}", {"event_type": t, "status": s}) or 0.0
        for t in (ISSUED, REJECTED)
        for s in ("completed", "refused")
    )


def test_a_return_is_requested_then_completed_or_refused_by_inventory(saga: Saga) -> None:
    order = _received_order(saga)
    first, first_request = _request(saga, order, "4")
    second, second_request = _request(saga, order, "6")
    # both requested: 4 + 6 = 10 of 10 accepted count at once, so a third cannot over-return meanwhile
    assert (first["status"], second["status"]) == ("requested", "requested")
    status, problem = saga.call(
        "POST",
        f"/purchase-orders/{order['id']}/returns",
        {"reason": "more", "lines": [{"line_no": 1, "quantity": "1"}]},
    )
    assert (status, problem["code"]) == (409, "OVER_RETURN")
    assert first_request["data"]["requested_at"] and first_request["data"]["lines"] == [
        {"line_no": 1, "sku": "S1", "quantity": "4.000000", "unit_cost_base": "8.000000"}
    ]
    assert saga.events("purchasing.GoodsReturned.v1") == [], "nothing is announced as returned yet"
    listed = saga.ok("GET", "/returns?status=requested")
    assert [r["number"] for r in listed["items"]] == [second["number"], first["number"]]  # newest first

    # inventory refuses the second (the goods are reserved): refused, its 6 are returnable again
    assert saga.reply(REJECTED, _rejected(second_request)) == "ack"
    refused = saga.ok("GET", f"/returns/{second['id']}")
    assert (refused["status"], refused["refusal_code"], refused["returned_at"]) == (
        "refused",
        "INSUFFICIENT_STOCK",
        None,
    )
    assert "only 2 available" in refused["refusal_reason"]
    line = saga.ok("GET", f"/purchase-orders/{order['id']}")["lines"][0]
    assert line["returned_quantity"] == "4.000000"  # 4 + 6 requested − 6 refused

    # inventory issues the first: completed with inventory's time and values; GoodsReturned announces it
    issued_at = datetime(2026, 3, 4, 2, 10, tzinfo=UTC)
    assert saga.reply(ISSUED, _issued(first_request, issued_at)) == "ack"
    done = saga.ok("GET", f"/returns/{first['id']}")
    assert (done["status"], done["returned_at"], done["issued_currency"], done["issued_total_value"]) == (
        "completed",
        "2026-03-04T02:10:00+00:00",
        "CNY",
        "30.000000",
    )  # 4 × 7.50
    assert [(ln["issued_unit_cost"], ln["issued_value"], ln["issued_value_fifo"]) for ln in done["lines"]] == [
        ("7.500000", "30.000000", "32.000000")
    ]  # 4 × 7.50 and 4 × 8.00
    [returned] = saga.events("purchasing.GoodsReturned.v1")
    assert returned["id"] == done["returned_event_id"] and returned["subject"] == first["number"]
    # the debit note is raised at what the goods were received at: 4 at 8.00 (not inventory's 7.50)
    assert (returned["data"]["returned_at"], returned["data"]["lines"]) == (
        "2026-03-04T02:10:00+00:00",
        [{"line_no": 1, "sku": "S1", "quantity": "4.000000", "unit_cost_base": "8.000000"}],
    )
    assert [(r["number"], r["status"]) for r in saga.ok("GET", "/returns?status=completed")["items"]] == [
        (first["number"], "completed")
    ]
    assert saga.ok("GET", f"/returns?po_id={order['id']}")["total"] == 2

    # the freed 6 can be asked for again
    third, _ = _request(saga, order, "6")
    assert third["status"] == "requested"


def test_each_reply_is_applied_once_and_a_late_one_changes_nothing(saga: Saga) -> None:
    order = _received_order(saga)
    rtn, request = _request(saga, order, "4")
    issued = make_envelope(ISSUED, _issued(request, datetime(2026, 3, 4, 2, 10, tzinfo=UTC)), source="inventory")
    assert saga.deliver(issued) == "ack"
    after = saga.state()
    assert saga.deliver(issued) == "duplicate", "the inbox already holds this event id"
    ignored = _ignored()
    # inventory answers again under another event id, this time with a refusal: the first answer stands
    assert saga.reply(REJECTED, _rejected(request)) == "ack"
    assert saga.reply(ISSUED, _issued(request, datetime(2026, 3, 5, tzinfo=UTC))) == "ack"
    assert _ignored() == ignored + 2, "each ignored reply is counted"
    state = saga.state()
    assert [r for r in state if r[0] != "inbox"] == [r for r in after if r[0] != "inbox"]
    assert saga.ok("GET", f"/returns/{rtn['id']}")["returned_at"] == "2026-03-04T02:10:00+00:00"
    assert len(saga.events("purchasing.GoodsReturned.v1")) == 1


@pytest.mark.parametrize(
    "tamper,why",
    [
        (lambda d: {**d, "return_id": "987654"}, "does not have"),
        (lambda d: {**d, "return_number": "RTN-999999"}, "names RTN-999999"),
        (lambda d: {**d, "source_event_id": "00000000-0000-4000-8000-000000000000"}, "answers event"),
        (
            lambda d: {
                **d,
                "lines": [
                    {**d["lines"][0], "quantity": Decimal(3), "value": Decimal("22.5"), "value_fifo": Decimal(24)}
                ],
            },
            "asked for 4, inventory issued 3",
        ),
        (lambda d: {**d, "lines": [{**d["lines"][0], "line_no": 2}]}, "asked for lines [1]"),
    ],
)
def test_a_reply_that_contradicts_the_return_is_poison_and_changes_nothing(saga: Saga, tamper: Any, why: str) -> None:
    """Not a business answer but a defect: dead-lettered (PoisonMessage) for an operator, nothing applied."""
    order = _received_order(saga)
    _rtn, request = _request(saga, order, "4")
    before = saga.state()
    with pytest.raises(PoisonMessage) as caught:
        saga.reply(ISSUED, tamper(_issued(request, datetime(2026, 3, 4, tzinfo=UTC))))
    assert why in str(caught.value)
    assert saga.state() == before, "nothing applied, not even the inbox row"
