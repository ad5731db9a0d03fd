"""The posting engine on real PostgreSQL: valuation both ways, reconciliation after a random mix, stock as of a
past date, and low-stock events once per crossing (inventory acceptance 3, 4 and 5)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import insert, select, text

from psi_chassis.db import Database
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import items, stock_balances, warehouses
from psi_inventory.app import SERVICE
from psi_inventory.domain.model import StockRuleViolation
from psi_inventory.service import queries
from psi_inventory.service.ledger import Ledger, Source
from psi_inventory.service.rebuild import find_differences

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(psi_databases: Any) -> Any:
    database = Database(psi_databases.create("inventory", SERVICE.migrations))
    now = utcnow()
    with database.unit_of_work() as session:
        session.execute(
            insert(warehouses),
            [
                {
                    "code": "MA",
                    "name": "Moving average",
                    "active": True,
                    "valuation_method": "moving_average",
                    "created_at": now,
                    "updated_at": now,
                },
                {
                    "code": "FF",
                    "name": "FIFO",
                    "active": True,
                    "valuation_method": "fifo",
                    "created_at": now,
                    "updated_at": now,
                },
            ],
        )
        session.execute(
            insert(items),
            [
                {
                    "sku": sku,
                    "name": sku,
                    "unit_of_measure": "pcs",
                    "reorder_point": D(5),
                    "reorder_quantity": D(20),
                    "safety_stock": D(2),
                    "active": True,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for sku in ("A", "B", "C")
            ],
        )
        session.commit()
    yield database
    database.dispose()


def _at(day: int) -> Source:
    return Source(occurred_at=T0 + timedelta(days=day), document_ref=f"DOC-{day}")


def test_valuation_both_ways_through_the_ledger(db: Database) -> None:
    with db.unit_of_work() as session:
        ledger = Ledger(session)
        ledger.receive("A", "FF", "receipt", D(10), D("2.00"), _at(0))
        ledger.receive("A", "FF", "receipt", D(10), D("4.00"), _at(1))
        issued = ledger.issue("A", "FF", "issue", D(15), _at(2))
        session.commit()
    # MA: (10 × 2 + 10 × 4) / 20 = 3.00 → 15 × 3 = 45; FIFO: 10 × 2 + 5 × 4 = 40. This warehouse books FIFO,
    # so the unit cost for the books is 40 / 15 = 2.666667.
    assert (issued.value, issued.value_fifo) == (D(-45), D(-40))
    assert issued.unit_cost == D("2.666667")
    assert issued.layers == ((D(10), D("2.000000")), (D(5), D("4.000000")))
    with db.unit_of_work() as session:
        row = session.execute(select(stock_balances).where(stock_balances.c.sku == "A")).one()
    # Left: 5 units, MA 60 − 45 = 15, FIFO 5 × 4 = 20.
    assert (row.on_hand, row.value, row.value_fifo) == (D(5), D(15), D(20))


def test_issue_cannot_take_stock_reserved_for_someone_else(db: Database) -> None:
    with db.unit_of_work() as session:
        Ledger(session).receive("B", "MA", "receipt", D(10), D(1), _at(0))
        session.execute(text("UPDATE stock_balances SET reserved = 8 WHERE sku = 'B' AND warehouse_code = 'MA'"))
        session.commit()
    with db.unit_of_work() as session, pytest.raises(StockRuleViolation, match="only 2.000000 available"):
        Ledger(session).issue("B", "MA", "adjustment", D(3), _at(1))
    with db.unit_of_work() as session:
        posted = Ledger(session).issue("B", "MA", "issue", D(3), _at(1), from_reserved=D(3))  # its own reservation
        session.commit()
    assert posted.quantity == D(-3)


def test_random_mix_reconciles_and_rebuild_finds_nothing(db: Database) -> None:
    rng = random.Random(20261129)
    skus, whs = ("A", "B", "C"), ("MA", "FF")
    kinds = {"receipt": 0, "issue": 0, "transfer": 0, "adjustment": 0, "customer_return": 0, "refused": 0}
    for step in range(1000):
        kind = rng.choice(["receipt", "receipt", "issue", "transfer", "adjustment", "customer_return"])
        sku, wh = rng.choice(skus), rng.choice(whs)
        quantity = D(rng.randint(1, 30)) / D(rng.choice([1, 4]))
        cost = D(rng.randint(100, 999)) / D(100)
        source = Source(occurred_at=T0 + timedelta(minutes=step), document_ref=f"R-{step}")
        with db.unit_of_work() as session:
            ledger = Ledger(session)
            try:
                if kind in ("receipt", "customer_return"):
                    ledger.receive(sku, wh, kind, quantity, cost, source)
                elif kind == "issue":
                    ledger.issue(sku, wh, "issue", quantity, source)
                elif kind == "adjustment":
                    if rng.random() < 0.5:
                        ledger.receive(sku, wh, "adjustment", quantity, ledger.current_unit_cost(sku, wh), source)
                    else:
                        ledger.issue(sku, wh, "adjustment", quantity, source)
                else:
                    to = "FF" if wh == "MA" else "MA"
                    first, second = sorted([(sku, wh), (sku, to)])  # lock order, as the transfer service does
                    ledger.lock(*first)
                    ledger.lock(*second)
                    out = ledger.issue(sku, wh, "transfer_out", quantity, source)
                    ledger.receive(
                        sku,
                        to,
                        "transfer_in",
                        quantity,
                        (-out.value / quantity).quantize(D("0.000001")),
                        source,
                        fifo_layers=list(out.layers),
                        value=-out.value,
                    )
                session.commit()
                kinds[kind] += 1
            except StockRuleViolation:
                kinds["refused"] += 1
    assert min(kinds[k] for k in ("receipt", "issue", "transfer", "adjustment", "customer_return")) > 50, kinds
    with db.unit_of_work() as session:
        assert find_differences(session) == []
        balances = session.execute(select(stock_balances)).all()
        sums = {
            (r.sku, r.warehouse_code): r
            for r in session.execute(
                text(
                    "SELECT sku, warehouse_code, sum(quantity) q, sum(value) v, sum(value_fifo) f"
                    " FROM stock_moves GROUP BY sku, warehouse_code"
                )
            ).all()
        }
    for row in balances:
        ledger_row = sums[(row.sku, row.warehouse_code)]
        assert (row.on_hand, row.value, row.value_fifo) == (D(ledger_row.q), D(ledger_row.v), D(ledger_row.f))
        assert row.on_hand >= 0 and row.value >= 0 and row.value_fifo >= 0


def test_rebuild_reports_a_tampered_balance(db: Database) -> None:
    with db.unit_of_work() as session:
        Ledger(session).receive("C", "MA", "receipt", D(4), D(5), _at(0))
        session.execute(text("UPDATE stock_balances SET on_hand = 7 WHERE sku = 'C' AND warehouse_code = 'MA'"))
        session.commit()
    with db.unit_of_work() as session:
        found = [(d.sku, d.field, d.stored, d.from_ledger) for d in find_differences(session)]
    assert found == [("C", "on_hand", D(7), D(4))]


def test_stock_as_of_matches_the_balance_at_that_time(db: Database) -> None:
    snapshots = {}
    with db.unit_of_work() as session:
        ledger = Ledger(session)
        plan = [
            (0, "receive", D(10), D(2)),
            (1, "issue", D(3), None),
            (2, "receive", D(5), D(5)),
            (3, "issue", D(12), None),
            (4, "receive", D(1), D(9)),
        ]
        for day, action, quantity, cost in plan:
            if action == "receive":
                ledger.receive("A", "MA", "receipt", quantity, cost, _at(day))
            else:
                ledger.issue("A", "MA", "issue", quantity, _at(day))
            row = session.execute(
                select(stock_balances).where(stock_balances.c.sku == "A", stock_balances.c.warehouse_code == "MA")
            ).one()
            snapshots[day] = (row.on_hand, row.value)
        # Entered today, happened on day 1 at noon: counts from day 1 on, not from the day it was typed in.
        ledger.receive("B", "MA", "receipt", D(2), D(1), Source(T0 + timedelta(days=1, hours=3), "LATE"))
        session.commit()
    with db.unit_of_work() as session:
        for day, expected in snapshots.items():
            found, _, _ = queries.stock_as_of(
                session, T0 + timedelta(days=day, hours=1), sku="A", warehouse_code="MA", page=1, page_size=10
            )
            assert (found[0]["on_hand"], found[0]["value"]) == expected, day
        before, _, _ = queries.stock_as_of(
            session, T0 + timedelta(hours=12), sku="B", warehouse_code=None, page=1, page_size=10
        )
        after, _, _ = queries.stock_as_of(
            session, T0 + timedelta(days=1, hours=4), sku="B", warehouse_code=None, page=1, page_size=10
        )
    assert before == [] and after[0]["on_hand"] == D(2)


def test_low_stock_event_once_per_crossing(db: Database) -> None:
    def low_stock_events() -> list[dict[str, Any]]:
        with db.unit_of_work() as session:
            bodies = (
                session.execute(
                    text("SELECT body FROM outbox WHERE event_type = 'inventory.StockBelowReorderPoint.v1' ORDER BY id")
                )
                .scalars()
                .all()
            )
        return [json.loads(b)["data"] for b in bodies]

    with db.unit_of_work() as session:
        ledger = Ledger(session)
        ledger.receive("C", "MA", "receipt", D(10), D(1), _at(0))  # 10 ≥ 5: fine
        ledger.issue("C", "MA", "issue", D(6), _at(1))  # 4 < 5: crossed → one event
        ledger.issue("C", "MA", "issue", D(1), _at(2))  # 3: still below → silent
        ledger.receive("C", "MA", "receipt", D(10), D(1), _at(3))  # 13: recovered
        ledger.issue("C", "MA", "issue", D(9), _at(4))  # 4: crossed again → second event
        session.commit()
    events = low_stock_events()
    assert [(e["sku"], e["available"]) for e in events] == [("C", "4.000000"), ("C", "4.000000")]
    assert events[0]["reorder_quantity"] == "20.000000"


def test_rebuild_command_reports_and_corrects(db: Database) -> None:
    import subprocess
    import sys

    with db.unit_of_work() as session:
        Ledger(session).receive("A", "MA", "receipt", D(3), D(2), _at(0))
        session.execute(text("UPDATE stock_balances SET value = 1 WHERE sku = 'A' AND warehouse_code = 'MA'"))
        session.commit()
    env = {"INVENTORY_DATABASE_URL": db.url, "PATH": "/usr/bin:/bin"}
    command = [sys.executable, "-m", "psi_inventory.cli", "rebuild-balances"]
    report = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert report.returncode == 1 and "A\tMA\tvalue\tstored 1.000000\tledger 6.000000" in report.stdout
    fixed = subprocess.run([*command, "--apply"], env=env, capture_output=True, text=True, timeout=60)
    assert fixed.returncode == 0 and "1 difference(s) corrected" in fixed.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "0 difference(s) found" in again.stdout
