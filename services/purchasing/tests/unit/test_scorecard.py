"""Scorecard arithmetic on hand-worked facts (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from psi_purchasing.service.scorecard import (
    LineFact,
    ReceiptFact,
    acceptance,
    list_price,
    on_time,
    price_variance,
    score,
)

D = Decimal


def test_on_time_rate_counts_only_receipts_whose_order_has_an_expected_date() -> None:
    receipts = [
        ReceiptFact(date(2026, 3, 1), date(2026, 3, 5)),  # early: on time
        ReceiptFact(date(2026, 3, 5), date(2026, 3, 5)),  # on the day: on time
        ReceiptFact(date(2026, 3, 6), date(2026, 3, 5)),  # a day late
        ReceiptFact(date(2026, 3, 9), None),  # no expected date: not counted either way
    ]
    # 2 on time of 3 counted = 0.666666666… -> 0.666667 (six decimals, half-even)
    assert on_time(receipts) == {
        "on_time_rate": D("0.666667"),
        "on_time_receipts": 2,
        "receipts_with_expected_date": 3,
    }


def test_on_time_rate_is_null_when_nothing_counts() -> None:
    assert on_time([ReceiptFact(date(2026, 3, 1), None)])["on_time_rate"] is None
    assert on_time([])["on_time_rate"] is None


def test_acceptance_rate_is_by_quantity() -> None:
    lines = [
        LineFact(D(100), D(95), D(10), None),
        LineFact(D(50), D(50), D(4), None),
        LineFact(D("2.5"), D(0), D(1), None),
    ]
    # received 100 + 50 + 2.5 = 152.5; accepted 95 + 50 + 0 = 145; 145 / 152.5 = 0.950819672… -> 0.950820
    got = acceptance(lines)
    assert got == {
        "acceptance_rate": D("0.950820"),
        "accepted_quantity": D(145),
        "received_quantity": D("152.5"),
        "rejected_quantity": D("7.5"),
    }
    assert acceptance([])["acceptance_rate"] is None


def test_price_variance_over_lines_with_a_list_price() -> None:
    lines = [
        LineFact(D(100), D(100), D("10.50"), D(10)),  # paid 1050, list 1000
        LineFact(D(40), D(30), D("4.00"), D(5)),  # paid 160, list 200 (received qty counts, not accepted)
        LineFact(D(7), D(7), D(99), None),  # no list price: left out
    ]
    # paid 1050 + 160 = 1210; list 1000 + 200 = 1200; (1210 − 1200) / 1200 = 0.008333… -> 0.008333
    assert price_variance(lines) == {
        "price_variance": D("0.008333"),
        "priced_lines": 2,
        "unpriced_lines": 1,
        "paid_amount": D("1210.000000"),
        "list_amount": D("1200.000000"),
    }


def test_price_variance_below_list_is_negative_and_null_without_prices() -> None:
    # paid 10 × 9 = 90 against 10 × 10 = 100: (90 − 100) / 100 = −0.1
    assert price_variance([LineFact(D(10), D(10), D(9), D(10))])["price_variance"] == D("-0.1")
    assert price_variance([LineFact(D(10), D(10), D(9), None)])["price_variance"] is None
    # a free list price gives no denominator
    assert price_variance([LineFact(D(10), D(10), D(9), D(0))])["price_variance"] is None


def test_score_puts_the_figures_together() -> None:
    card = score([ReceiptFact(date(2026, 1, 2), date(2026, 1, 1))], [LineFact(D(4), D(3), D(2), D(2))])
    # late 0/1; accepted 3/4 = 0.75; paid 8 = list 8: variance 0
    assert (card["receipts"], card["on_time_rate"], card["acceptance_rate"], card["price_variance"]) == (
        1,
        D(0),
        D("0.75"),
        D(0),
    )


def _price(
    pid: int,
    price: str,
    valid_from: date,
    valid_to: date | None = None,
    min_qty: str = "0",
    currency: str = "CNY",
) -> SimpleNamespace:
    return SimpleNamespace(
        id=pid,
        unit_price=D(price),
        valid_from=valid_from,
        valid_to=valid_to,
        min_quantity=D(min_qty),
        currency=currency,
    )


def test_list_price_valid_on_the_order_date_for_the_quantity_and_currency() -> None:
    prices = [
        _price(1, "10", date(2026, 1, 1), date(2026, 1, 31)),
        _price(2, "11", date(2026, 2, 1)),
        _price(3, "9", date(2026, 2, 1), min_qty="100"),  # quantity break
        _price(4, "1.5", date(2026, 1, 1), currency="USD"),
    ]
    assert list_price(prices, date(2026, 1, 15), D(5), "CNY") == D(10)
    assert list_price(prices, date(2026, 2, 15), D(5), "CNY") == D(11)
    assert list_price(prices, date(2026, 2, 15), D(100), "CNY") == D(9)  # the highest break that applies
    assert list_price(prices, date(2026, 2, 15), D(5), "USD") == D("1.5")
    assert list_price(prices, date(2025, 12, 31), D(5), "CNY") is None
