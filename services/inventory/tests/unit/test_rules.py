"""Small rules of issue 8 without I/O: what an issue may take, business times, the stock card, customer
return costs, stocktake differences and stock in transit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from psi_inventory.domain.business_time import ahead_of_clock, booked_time, business_time_problem
from psi_inventory.domain.catalog import WAREHOUSE_NAME_MAX, unlisted_warehouse_name
from psi_inventory.domain.documents import CountLine, in_transit_at, receipt_time_problem, stocktake_adjustments
from psi_inventory.domain.model import Balance, StockRuleViolation, reservation_shortfall, takeable
from psi_inventory.domain.stock_card import CardBalance, running_balances
from psi_inventory.domain.valuation import FIFO, MOVING_AVERAGE, books_value, cost_that_left

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_what_an_issue_may_take() -> None:
    row = Balance(on_hand=D(10), reserved=D(8))
    assert takeable(row) == D(2)  # unreserved: 10 − 8
    assert takeable(row, from_reserved=D(6)) == D(8)  # plus its own reservation
    assert takeable(row, may_take_reserved=True) == D(10)  # a stocktake loss: everything on the shelf
    short = Balance(on_hand=D(3), reserved=D(5))  # a stocktake counted less than is reserved
    assert takeable(short) == D(0)
    assert takeable(short, from_reserved=D(4)) == D(3)  # covered, but only 3 on the shelf
    assert reservation_shortfall(D(3), D(5)) == D(2) and reservation_shortfall(D(5), D(3)) == D(0)


def test_business_times() -> None:
    assert business_time_problem(NOW - timedelta(days=400), NOW) is None
    assert business_time_problem(NOW + timedelta(minutes=4), NOW) is None  # within the clock skew
    assert business_time_problem(NOW + timedelta(minutes=6), NOW) == "Must not be in the future."
    assert business_time_problem(datetime(1999, 12, 31, tzinfo=UTC), NOW) == "Must not be before 2000-01-01."
    # never booked after the moment of booking; given in another zone, kept in UTC
    assert booked_time(NOW + timedelta(minutes=4), NOW) == NOW
    assert booked_time(NOW + timedelta(days=3), NOW) == NOW
    shanghai = datetime(2026, 12, 1, 18, 0, tzinfo=timezone(timedelta(hours=8)))  # 10:00 UTC
    assert booked_time(shanghai, NOW) == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    assert ahead_of_clock(NOW + timedelta(minutes=6), NOW) and not ahead_of_clock(NOW + timedelta(minutes=4), NOW)


def test_running_balances_start_from_the_opening() -> None:
    opening = CardBalance(D(5), D(50), D(45))
    moves = [(D(2), D(24), D(24)), (D(-3), D(-31), D(-27)), (D(1), D(10), D(10))]
    # 5 + 2 = 7 worth 74 / 69; − 3 → 4 worth 43 / 42; + 1 → 5 worth 53 / 52
    assert running_balances(opening, moves) == [
        CardBalance(D(7), D(74), D(69)),
        CardBalance(D(4), D(43), D(42)),
        CardBalance(D(5), D(53), D(52)),
    ]
    assert running_balances(opening, []) == []


def test_a_customer_return_costs_what_left_per_method() -> None:
    # 4 shipped for 112.00 at moving average and 110.00 at FIFO: 28.00 and 27.50 a unit
    cost = cost_that_left(D(4), D(112), D(110))
    assert (cost.moving_average, cost.fifo) == (D(28), D("27.5"))
    assert (cost.for_method(FIFO), cost.for_method(MOVING_AVERAGE)) == (D("27.5"), D(28))
    with pytest.raises(StockRuleViolation):
        cost_that_left(D(0), D(1), D(1))
    assert books_value(FIFO, D(1), D(2)) == D(2) and books_value(MOVING_AVERAGE, D(1), D(2)) == D(1)


def test_a_stocktake_compares_with_the_book_at_the_time_of_counting() -> None:
    # Frozen at 5, then a receipt of 2 (book 7), then a count of 7: no difference. Without a book at counting
    # (a count entered before this rule), the snapshot is used.
    assert CountLine(1, "A", D(5), D(7), counted_book=D(7)).difference == D(0)
    assert CountLine(1, "A", D(5), D(7)).difference == D(2)
    lines = [CountLine(1, "B", D(5), D(4), D(6)), CountLine(2, "A", D(5), D(7), D(7)), CountLine(3, "C", D(1))]
    assert [(ln.sku, diff) for ln, diff in stocktake_adjustments(lines)] == [("B", D(-2))]


def test_stock_in_transit_at_a_time() -> None:
    shipped, received = NOW - timedelta(days=2), NOW - timedelta(days=1)
    assert not in_transit_at(shipped, received, shipped - timedelta(seconds=1))  # not shipped yet
    assert in_transit_at(shipped, received, shipped)
    assert in_transit_at(shipped, received, received - timedelta(seconds=1))
    assert not in_transit_at(shipped, received, received)  # arrived
    assert in_transit_at(shipped, None, NOW)  # still on its way
    assert receipt_time_problem(shipped, shipped - timedelta(seconds=1)) is not None
    assert receipt_time_problem(shipped, shipped) is None


def test_an_unlisted_warehouse_says_so_in_its_name() -> None:
    assert unlisted_warehouse_name("WH-X", "GRN-7") == "WH-X (unlisted: created by GRN-7; check and rename or activate)"
    assert len(unlisted_warehouse_name("W" * 32, "G" * 64 * 4)) == WAREHOUSE_NAME_MAX
