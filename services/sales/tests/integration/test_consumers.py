"""Sales' consumer on real PostgreSQL: the item and warehouse replicas keep the newest version, whatever order
and however often inventory's events arrive; the golden examples decode and apply (finance's exchange rate
among them; its replica's own tests are test_exchange_rates.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from psi_chassis.consumer import ConsumerRunner
from psi_chassis.db import Database
from psi_chassis.replica import item_problem, warehouse_problem
from psi_chassis.service import PoisonMessage
from psi_contracts.envelope import make_envelope, parse_envelope
from psi_contracts.examples import load_example
from psi_sales.adapters.replica import item_status, warehouse_status
from psi_sales.app import SERVICE

pytestmark = pytest.mark.integration
REPEATED = "5b0f3c1e-8a7d-4e7b-9c2a-1f6d3e4a5b6c"


@dataclass
class Consumer:
    db: Database
    runner: ConsumerRunner

    def deliver(self, event_type: str, data: dict[str, Any], event_id: str | None = None) -> list[str]:
        envelope = make_envelope(event_type, data, source="inventory", event_id=event_id)
        (handler,) = [h for h in SERVICE.handlers if event_type in h.subscriptions]
        return self.runner.apply_envelopes(handler, [parse_envelope(envelope)])

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        with self.db.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql)).all()]


@pytest.fixture
def consumer(psi_databases: Any) -> Iterator[Consumer]:
    url = psi_databases.create("sales", SERVICE.migrations)
    settings = SERVICE.load_settings({"SALES_DATABASE_URL": url, "AMQP_URL": "memory://"})
    db = Database(url)
    yield Consumer(db, ConsumerRunner(settings, db, SERVICE.handlers))
    db.dispose()


def _item(sku: str, version: int, **changes: Any) -> dict[str, Any]:
    data = dict(load_example("inventory.ItemUpdated.v1")["data"])
    return {**data, "sku": sku, "version": version, **changes}


def _warehouse(code: str, version: int, **changes: Any) -> dict[str, Any]:
    data = dict(load_example("inventory.WarehouseUpdated.v1")["data"])
    return {**data, "code": code, "version": version, **changes}


#: Answers about an order: the golden examples name orders sales never had (UUIDs), a contradiction that goes to
#: the DLQ for a person to look at (test_order_saga_api.py applies them to real orders).
ANSWERS = {"inventory.StockReserved.v1", "inventory.ReservationRejected.v1", "finance.CustomerBalanceChanged.v1"}


def test_every_golden_example_sales_consumes_applies(consumer: Consumer) -> None:
    for handler, event_type in sorted(((h, t) for h in SERVICE.handlers for t in h.event_types), key=lambda p: p[1]):
        envelope = parse_envelope(load_example(event_type))
        if event_type in ANSWERS:
            with pytest.raises(PoisonMessage, match="sales does not have"):
                consumer.runner.apply_envelopes(handler, [envelope])
        else:
            assert consumer.runner.apply_envelopes(handler, [envelope]) == ["ack"], event_type
    assert len(consumer.rows("SELECT sku FROM items")) >= 1
    assert len(consumer.rows("SELECT code FROM warehouses")) >= 1
    assert consumer.rows("SELECT rate_key, rate, version FROM exchange_rates") == [
        ("USD:2025-03-03", Decimal("7.1"), 1)
    ]


def test_the_newest_version_wins_and_a_repeat_changes_nothing(consumer: Consumer) -> None:
    consumer.deliver("inventory.ItemCreated.v1", _item("S1", 1, category="tea", active=True))
    consumer.deliver("inventory.ItemUpdated.v1", _item("S1", 3, category="coffee", active=False))
    consumer.deliver("inventory.ItemUpdated.v1", _item("S1", 2, category="juice", active=True))  # late: ignored
    assert consumer.rows("SELECT category, active, version FROM items") == [("coffee", False, 3)]
    assert consumer.deliver("inventory.ItemUpdated.v1", _item("S1", 4), event_id=REPEATED) == ["ack"]
    assert consumer.deliver("inventory.ItemUpdated.v1", _item("S1", 5), event_id=REPEATED) == ["duplicate"]
    assert consumer.rows("SELECT version FROM items") == [(4,)]

    consumer.deliver("inventory.WarehouseCreated.v1", _warehouse("WH1", 1, active=True))
    consumer.deliver("inventory.WarehouseUpdated.v1", _warehouse("WH2", 1, active=False))
    with consumer.db.unit_of_work() as session:
        items, stores = item_status(session, ["S1", "NOPE"]), warehouse_status(session, ["WH1", "WH2", "WH9"])
    assert items == {"S1": True} and stores == {"WH1": True, "WH2": False}
    assert item_problem(items, "NOPE")[0] == "UNKNOWN_SKU"
    assert warehouse_problem(stores, "WH2")[0] == "INACTIVE_WAREHOUSE"
    assert warehouse_problem(stores, "WH9")[0] == "UNKNOWN_WAREHOUSE"
    assert warehouse_problem(stores, "WH1") is None
