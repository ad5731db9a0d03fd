"""Purchasing's consumer on real PostgreSQL: the item replica (newest version wins) and replenishment (one
open draft requisition per SKU and warehouse, purchasing acceptance 4)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.service import EventHandler, PoisonMessage
from psi_chassis.types import utcnow
from psi_contracts.envelope import make_envelope, parse_envelope
from psi_contracts.events import decode_data
from psi_contracts.examples import load_example
from psi_purchasing.adapters.exchange_rates import rate_on
from psi_purchasing.adapters.tables import (
    items,
    purchase_order_lines,
    purchase_orders,
    purchase_return_lines,
    purchase_returns,
    requisition_lines,
    requisitions,
    supplier_prices,
    suppliers,
)
from psi_purchasing.app import SERVICE
from psi_purchasing.domain.commands import Actor, CreatePurchaseOrder, OrderLine
from psi_purchasing.domain.errors import RuleViolation
from psi_purchasing.service.purchase_orders import create_purchase_order
from psi_purchasing.service.requisitions import cancel_requisition, submit_requisition

pytestmark = pytest.mark.integration

ITEM_CREATED = "inventory.ItemCreated.v1"
ITEM_UPDATED = "inventory.ItemUpdated.v1"
LOW_STOCK = "inventory.StockBelowReorderPoint.v1"
WAREHOUSE_CREATED = "inventory.WarehouseCreated.v1"
WAREHOUSE_UPDATED = "inventory.WarehouseUpdated.v1"
RETURN_ISSUED = "inventory.SupplierReturnIssued.v1"
RETURN_REJECTED = "inventory.SupplierReturnRejected.v1"
RATE_SET = "finance.ExchangeRateSet.v1"
BUYER = Actor("7", "bob", frozenset({"purchaser"}))


@dataclass
class Consumer:
    db: Database
    runner: ConsumerRunner

    def deliver(self, event_type: str, data: dict[str, Any], event_id: str | None = None) -> str:
        source = event_type.split(".")[0]
        envelope = parse_envelope(make_envelope(event_type, data, source=source, event_id=event_id))
        return self.apply(envelope)

    def apply(self, envelope: dict[str, Any]) -> str:
        """Through the queue handler bound to the event's type (inventory's, or finance's), as a delivery would."""
        data = decode_data(envelope["type"], envelope["data"])
        handler = handler_for(envelope["type"])
        return self.runner.apply(handler, self.runner.queue_for(handler), envelope, data)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self.db.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]


@pytest.fixture
def consumer(psi_databases: Any) -> Iterator[Consumer]:
    url = psi_databases.create("purchasing", SERVICE.migrations)
    settings = SERVICE.load_settings({"PURCHASING_DATABASE_URL": url, "AMQP_URL": "memory://"})
    db = Database(url)
    yield Consumer(db, ConsumerRunner(settings, db, SERVICE.handlers))
    db.dispose()


def handler_for(event_type: str) -> EventHandler:
    (handler,) = [h for h in SERVICE.handlers if event_type in h.subscriptions]
    return handler


def _item(sku: str, version: int, *, name: str = "Widget", active: bool = True) -> dict[str, Any]:
    return {
        "sku": sku,
        "name": name,
        "unit_of_measure": "pcs",
        "category": None,
        "barcode": None,
        "reorder_point": Decimal(50),
        "reorder_quantity": Decimal(200),
        "safety_stock": Decimal(20),
        "active": active,
        "version": version,
        "changed_at": datetime(2026, 3, 1, tzinfo=UTC),
    }


def _warehouse(code: str, version: int, *, name: str = "Main", active: bool = True) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "active": active,
        "valuation_method": "moving_average",
        "version": version,
        "changed_at": datetime(2026, 3, 1, tzinfo=UTC),
    }


def _low(
    sku: str = "S1", warehouse: str = "WH1", available: str = "40", reorder_quantity: str = "200"
) -> dict[str, Any]:
    return {
        "sku": sku,
        "warehouse_code": warehouse,
        "available": Decimal(available),
        "reorder_point": Decimal(50),
        "reorder_quantity": Decimal(reorder_quantity),
        "safety_stock": Decimal(20),
        "occurred_at": datetime(2026, 3, 1, 9, tzinfo=UTC),
    }


def _supplier(db: Database, code: str, status: str = "active") -> int:
    now = utcnow()
    with db.unit_of_work() as session:
        supplier_id = session.execute(
            insert(suppliers).values(
                code=code,
                name=code,
                currency="CNY",
                payment_terms_days=30,
                status=status,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        session.commit()
    return int(supplier_id)


def _price(
    db: Database,
    supplier_id: int,
    sku: str,
    price: str,
    *,
    preferred: bool = False,
    valid_from: date = date(2020, 1, 1),
    valid_to: date | None = None,
    currency: str = "CNY",
) -> None:
    with db.unit_of_work() as session:
        session.execute(
            insert(supplier_prices).values(
                supplier_id=supplier_id,
                sku=sku,
                currency=currency,
                unit_price=Decimal(price),
                valid_from=valid_from,
                valid_to=valid_to,
                preferred=preferred,
                created_at=utcnow(),
            )
        )
        session.commit()


def _drafts(c: Consumer) -> list[tuple[Any, ...]]:
    with c.db.engine.connect() as conn:
        rows = conn.execute(
            select(
                requisitions.c.id,
                requisitions.c.status,
                requisitions.c.source,
                requisitions.c.department,
                requisitions.c.requester,
                requisitions.c.replenish_key,
                requisition_lines.c.sku,
                requisition_lines.c.warehouse_code,
                requisition_lines.c.quantity,
                requisition_lines.c.preferred_supplier_id,
            )
            .join(requisition_lines, requisition_lines.c.requisition_id == requisitions.c.id)
            .order_by(requisitions.c.id, requisition_lines.c.line_no)
        ).all()
    return [tuple(r) for r in rows]


def _requested_return(db: Database, example: dict[str, Any], quantity: str) -> None:
    """A received order and a requested return that the golden reply ``example`` answers (same id, number,
    request event and quantity on line 1)."""
    data, now = example["data"], utcnow()
    supplier_id = _supplier(db, f"GOLD{data['return_id']}")
    with db.unit_of_work() as session:
        po_id = session.execute(
            insert(purchase_orders).values(
                number=f"PO-GOLD-{data['return_id']}",
                supplier_id=supplier_id,
                warehouse_code=data["warehouse_code"],
                currency="CNY",
                exchange_rate=Decimal(1),
                status="closed",
                total_amount=Decimal(80),
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        line_id = session.execute(
            insert(purchase_order_lines).values(
                po_id=po_id,
                line_no=1,
                sku="WIDGET-RED-M",
                quantity=Decimal(10),
                unit_price=Decimal(8),
                amount=Decimal(80),
                received_quantity=Decimal(10),
                accepted_quantity=Decimal(10),
                rejected_quantity=Decimal(0),
                returned_quantity=Decimal(quantity),
            )
        ).inserted_primary_key[0]
        session.execute(
            insert(purchase_returns).values(
                id=int(data["return_id"]),
                number=data["return_number"],
                po_id=po_id,
                reason="golden",
                status="requested",
                requested_at=now,
                created_at=now,
                event_id=data["source_event_id"],
            )
        )
        session.execute(
            insert(purchase_return_lines).values(
                return_id=int(data["return_id"]),
                po_line_id=line_id,
                line_no=1,
                sku="WIDGET-RED-M",
                quantity=Decimal(quantity),
                unit_cost_base=Decimal(8),
            )
        )
        session.commit()


def test_every_golden_example_is_accepted_once(consumer: Consumer) -> None:
    consumed = {t for h in SERVICE.handlers for t in h.event_types}
    assert consumed == {
        ITEM_CREATED,
        ITEM_UPDATED,
        LOW_STOCK,
        WAREHOUSE_CREATED,
        WAREHOUSE_UPDATED,
        RETURN_ISSUED,
        RETURN_REJECTED,
        RATE_SET,
    }
    assert {h.name: h.event_types for h in SERVICE.handlers}["on_finance_events"] == (RATE_SET,)
    # the golden replies answer RTN-000004 (2 issued) and RTN-000005 (5 refused)
    _requested_return(consumer.db, load_example(RETURN_ISSUED), "2")
    _requested_return(consumer.db, load_example(RETURN_REJECTED), "5")
    for event_type in sorted(consumed):
        envelope = parse_envelope(load_example(event_type))
        assert consumer.apply(envelope) == "ack", event_type
        assert consumer.apply(envelope) == "duplicate", event_type
    assert len(consumer.rows("SELECT sku FROM items")) == 1
    # the golden WarehouseUpdated is version 3 of WH-SH (deactivated), newer than the WarehouseCreated
    assert consumer.rows("SELECT code, active, version FROM warehouses") == [("WH-SH", False, 3)]
    assert len(_drafts(consumer)) == 1
    assert consumer.rows("SELECT number, status FROM purchase_returns ORDER BY id") == [
        ("RTN-000004", "completed"),
        ("RTN-000005", "refused"),
    ]
    # the golden rate: 1 USD = 7.1 CNY from 2025-03-03 on, version 1
    assert consumer.rows("SELECT rate_key, currency, valid_from, base_currency, rate, version FROM exchange_rates") == [
        ("USD:2025-03-03", "USD", date(2025, 3, 3), "CNY", Decimal("7.1"), 1)
    ]


def test_replica_keeps_the_newest_version(consumer: Consumer) -> None:
    assert consumer.deliver(ITEM_CREATED, _item("S1", 1, name="First")) == "ack"
    assert consumer.deliver(ITEM_UPDATED, _item("S1", 3, name="Third", active=False)) == "ack"
    # stale: version 2 arrives late (a new event id, so the inbox lets it through): ignored
    assert consumer.deliver(ITEM_UPDATED, _item("S1", 2, name="Second", active=True)) == "ack"
    # duplicate version under a new event id: ignored as well
    assert consumer.deliver(ITEM_UPDATED, _item("S1", 3, name="Third again", active=True)) == "ack"
    with consumer.db.engine.connect() as conn:
        row = conn.execute(select(items.c.name, items.c.active, items.c.version, items.c.reorder_quantity)).one()
    assert tuple(row) == ("Third", False, 3, Decimal(200))
    assert consumer.deliver(ITEM_UPDATED, _item("S1", 4, name="Fourth", active=True)) == "ack"
    assert consumer.rows("SELECT name, active, version FROM items") == [("Fourth", True, 4)]


def test_warehouse_replica_keeps_the_newest_version_and_orders_follow_it(consumer: Consumer) -> None:
    """Issue 8 point 6: purchasing learns warehouses from inventory's events and orders only into active ones."""
    supplier_id = _supplier(consumer.db, "ACME")
    assert consumer.deliver(ITEM_CREATED, _item("S1", 1)) == "ack"
    order = CreatePurchaseOrder(
        supplier_id=supplier_id, warehouse_code="WH-NEW", lines=(OrderLine("S1", Decimal(1), Decimal(1)),)
    )
    with pytest.raises(RuleViolation) as caught:
        create_purchase_order(consumer.db, order, BUYER)
    assert caught.value.code == "UNKNOWN_WAREHOUSE"

    assert consumer.deliver(WAREHOUSE_CREATED, _warehouse("WH-NEW", 1, name="New")) == "ack"
    assert create_purchase_order(consumer.db, order, BUYER)["warehouse_code"] == "WH-NEW"
    assert consumer.deliver(WAREHOUSE_UPDATED, _warehouse("WH-NEW", 3, name="Closed", active=False)) == "ack"
    # stale: version 2 (still active) arrives late under a new event id: ignored
    assert consumer.deliver(WAREHOUSE_UPDATED, _warehouse("WH-NEW", 2, name="Renamed")) == "ack"
    assert consumer.rows("SELECT name, active, version FROM warehouses") == [("Closed", False, 3)]
    with pytest.raises(RuleViolation) as caught:
        create_purchase_order(consumer.db, order, BUYER)
    assert (caught.value.code, caught.value.errors) == (
        "INACTIVE_WAREHOUSE",
        {"warehouse_code": ["warehouse WH-NEW is inactive and cannot take new documents"]},
    )
    assert consumer.deliver(WAREHOUSE_UPDATED, _warehouse("WH-NEW", 4, name="Reopened")) == "ack"
    assert create_purchase_order(consumer.db, order, BUYER)["status"] == "draft"


def test_low_stock_creates_one_open_draft_per_sku_and_warehouse(consumer: Consumer) -> None:
    for code in ("WH1", "WH2"):  # the drafts are submitted below: their warehouse must be known
        assert consumer.deliver(WAREHOUSE_CREATED, _warehouse(code, 1)) == "ack"
    cheap = _supplier(consumer.db, "CHEAP")
    preferred = _supplier(consumer.db, "PREF")
    _price(consumer.db, cheap, "S1", "8")
    _price(consumer.db, preferred, "S1", "9", preferred=True)

    assert consumer.deliver(LOW_STOCK, _low()) == "ack"
    drafts = _drafts(consumer)
    assert [d[1:] for d in drafts] == [
        ("draft", "replenishment", "replenishment", "system", "S1|WH1", "S1", "WH1", Decimal(200), preferred)
    ]
    first = drafts[0][0]

    # the same event again (a new event id: a producer retry), and a second crossing while the draft is open
    assert consumer.deliver(LOW_STOCK, _low()) == "ack"
    assert consumer.deliver(LOW_STOCK, _low(available="10")) == "ack"
    assert [d[0] for d in _drafts(consumer)] == [first]

    # another warehouse is another draft
    assert consumer.deliver(LOW_STOCK, _low(warehouse="WH2")) == "ack"
    assert len(_drafts(consumer)) == 2

    # once the draft is submitted (its key cleared) the next crossing raises a new one
    submitted = submit_requisition(consumer.db, first, BUYER, "CNY")
    assert submitted["status"] == "approved"  # 200 × 9 = 1,800: within the automatic tier
    assert consumer.rows(f"SELECT status, replenish_key FROM requisitions WHERE id = {first}") == [("approved", None)]
    assert consumer.deliver(LOW_STOCK, _low()) == "ack"
    wh1 = [d for d in _drafts(consumer) if d[7] == "WH1"]
    assert [(d[0] == first, d[1], d[5]) for d in wh1] == [
        (True, "approved", None),
        (False, "draft", "S1|WH1"),
    ]

    # a cancelled draft frees the key too
    cancel_requisition(consumer.db, wh1[1][0], BUYER, "not needed")
    assert consumer.deliver(LOW_STOCK, _low()) == "ack"
    assert [d[1] for d in _drafts(consumer) if d[7] == "WH1"] == ["approved", "cancelled", "draft"]


def test_quantity_and_supplier_fall_back(consumer: Consumer) -> None:
    blocked = _supplier(consumer.db, "BLOCKED", status="blocked")
    cheap = _supplier(consumer.db, "CHEAP")
    dear = _supplier(consumer.db, "DEAR")
    _price(consumer.db, blocked, "S1", "1", preferred=True)  # blocked: never suggested
    _price(consumer.db, cheap, "S1", "5", valid_to=date(2021, 1, 1))  # expired
    _price(consumer.db, cheap, "S1", "7")
    _price(consumer.db, dear, "S1", "8")
    # no reorder quantity: 50 − 40 + 20 = 30; no preferred supplier: the cheapest valid price (7, CHEAP)
    assert consumer.deliver(LOW_STOCK, _low(reorder_quantity="0")) == "ack"
    # an SKU without any price: no supplier
    assert consumer.deliver(LOW_STOCK, _low(sku="S2", reorder_quantity="0", available="49.5")) == "ack"
    assert [(d[6], d[8], d[9]) for d in _drafts(consumer)] == [
        ("S1", Decimal(30), cheap),
        ("S2", Decimal("20.5"), None),
    ]


# --- finance's exchange rates (issue 12) --------------------------------------------------------------------


def _rate(currency: str, valid_from: date, rate: str, version: int, base: str = "CNY") -> dict[str, Any]:
    return {
        "currency": currency,
        "base_currency": base,
        "rate": Decimal(rate),
        "valid_from": valid_from,
        "version": version,
        "set_at": datetime(2025, 3, 1, 1, tzinfo=UTC),
    }


def _rate_on(consumer: Consumer, currency: str, on: date) -> Decimal | None:
    with consumer.db.unit_of_work() as session:
        return rate_on(session, currency, on)


def test_the_rate_replica_keeps_the_newest_version_and_the_latest_rate_on_or_before_a_date(consumer: Consumer) -> None:
    march_3, march_10 = date(2025, 3, 3), date(2025, 3, 10)
    assert consumer.deliver(RATE_SET, _rate("USD", march_3, "7.1", 1)) == "ack"
    assert consumer.deliver(RATE_SET, _rate("USD", march_3, "7.15", 3)) == "ack"  # corrected twice; v2 is late
    assert consumer.deliver(RATE_SET, _rate("USD", march_3, "7.0", 2)) == "ack"  # stale: ignored
    assert consumer.deliver(RATE_SET, _rate("USD", march_3, "9.99", 3)) == "ack"  # same version again: ignored
    assert consumer.deliver(RATE_SET, _rate("USD", march_10, "7.2", 1)) == "ack"
    assert consumer.deliver(RATE_SET, _rate("EUR", march_10, "7.8", 1)) == "ack"
    assert consumer.rows("SELECT rate_key, rate, version FROM exchange_rates ORDER BY rate_key") == [
        ("EUR:2025-03-10", Decimal("7.8"), 1),
        ("USD:2025-03-03", Decimal("7.15"), 3),
        ("USD:2025-03-10", Decimal("7.2"), 1),
    ]
    # a date takes the rate with the latest valid_from on or before it, until the currency's next rate
    assert _rate_on(consumer, "USD", date(2025, 3, 2)) is None  # before the first rate: none
    assert _rate_on(consumer, "USD", march_3) == Decimal("7.15")
    assert _rate_on(consumer, "USD", date(2025, 3, 9)) == Decimal("7.15")
    assert _rate_on(consumer, "USD", march_10) == Decimal("7.2")
    assert _rate_on(consumer, "USD", date(2026, 1, 1)) == Decimal("7.2")
    assert _rate_on(consumer, "EUR", march_3) is None  # EUR starts on the 10th
    assert _rate_on(consumer, "GBP", march_10) is None
    # the same event delivered twice (one event id) is applied once
    again = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
    assert consumer.deliver(RATE_SET, _rate("USD", march_10, "7.25", 2), event_id=again) == "ack"
    assert consumer.deliver(RATE_SET, _rate("USD", march_10, "7.25", 2), event_id=again) == "duplicate"
    assert _rate_on(consumer, "USD", march_10) == Decimal("7.25")


@pytest.mark.parametrize(
    "data",
    [
        _rate("USD", date(2025, 3, 3), "1.08", 1, base="EUR"),  # finance runs on another base currency
        _rate("CNY", date(2025, 3, 3), "1", 1),  # a rate of the base currency itself
    ],
)
def test_a_rate_in_another_base_currency_is_poison_and_not_stored(consumer: Consumer, data: dict[str, Any]) -> None:
    with pytest.raises(PoisonMessage, match="PSI_BASE_CURRENCY"):
        consumer.deliver(RATE_SET, data)
    assert consumer.rows("SELECT count(*) FROM exchange_rates") == [(0,)]
