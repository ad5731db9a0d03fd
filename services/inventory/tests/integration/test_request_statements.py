"""Issue 9, the request path: a reservation is one transaction with a constant, small number of statements.

The API's ``reserve_stock`` runs against PostgreSQL with every statement sent to the driver counted, every
connection checked out of the pool counted (one: no second session to read the lines back) and every COMMIT
counted, for a reservation of one line and one of three lines.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event

from psi_chassis.db import Database
from psi_inventory.service.reservations import ReservationLine, reserve_stock
from psi_inventory.testing import inventory_api

pytestmark = pytest.mark.integration
SKUS = ("SKU-A", "SKU-B", "SKU-C")


@contextmanager
def _seeded(psi_databases: Any) -> Iterator[Database]:
    """WH1 with 100 of each SKU."""
    with inventory_api(
        psi_databases, warehouses=[("WH1", True, "moving_average")], items=[(sku, True) for sku in SKUS]
    ) as api:
        for sku in SKUS:
            api.receive(sku, "WH1", "100", "2.5")
        yield api.db


def _counted(db: Database, work: Any) -> dict[str, int]:
    counts = {"statements": 0, "checkouts": 0, "commits": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def checkout(*_: Any) -> None:
        counts["checkouts"] += 1

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine.pool, "checkout", checkout)
    event.listen(db.engine, "commit", commit)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine.pool, "checkout", checkout)
        event.remove(db.engine, "commit", commit)
    return counts


def test_a_reservation_is_five_statements_in_one_transaction_whatever_its_lines(psi_databases: Any) -> None:
    with _seeded(psi_databases) as db:
        one: list[Any] = []
        three: list[Any] = []
        small = _counted(
            db, lambda: one.append(reserve_stock(db, "R-1", "WH1", [ReservationLine(1, "SKU-A", Decimal(2))]))
        )
        large = _counted(
            db,
            lambda: three.append(
                reserve_stock(
                    db, "R-3", "WH1", [ReservationLine(i, sku, Decimal(i)) for i, sku in enumerate(SKUS, start=1)]
                )
            ),
        )
    # master data checked, the reference's rows locked, the balance rows locked with their reorder rules,
    # the reservation rows inserted (returning their ids), the balances updated; one COMMIT, one connection
    assert small == {"statements": 5, "checkouts": 1, "commits": 1}, small
    assert large == small, f"three lines: {large}, one line: {small}"
    short, written = one[0]
    assert short == [] and [(w["sku"], w["quantity"], w["status"]) for w in written] == [
        ("SKU-A", Decimal(2), "active")
    ]
    short, written = three[0]
    assert short == [] and [(w["line_no"], w["sku"], w["quantity"]) for w in written] == [
        (1, "SKU-A", Decimal(1)),
        (2, "SKU-B", Decimal(2)),
        (3, "SKU-C", Decimal(3)),
    ]


def test_a_refused_reservation_writes_nothing_and_stops_after_the_locks(psi_databases: Any) -> None:
    with _seeded(psi_databases) as db:
        answers: list[Any] = []
        counts = _counted(
            db, lambda: answers.append(reserve_stock(db, "R-BIG", "WH1", [ReservationLine(1, "SKU-A", Decimal(101))]))
        )
    short, written = answers[0]
    assert written == [] and [(s.sku, s.requested_quantity, s.available_quantity) for s in short] == [
        ("SKU-A", Decimal(101), Decimal(100))
    ]
    assert counts == {"statements": 3, "checkouts": 1, "commits": 0}, counts
