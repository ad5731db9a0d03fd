"""The quotation's rules: validity, expiry shown on read, the moves allowed, the price kept; figures by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from psi_sales.domain.order import OrderLine
from psi_sales.domain.pricing import AppliedDiscount, LinePrice
from psi_sales.domain.quotation import (
    Pricing,
    Quotation,
    QuotationCurrencyChanged,
    QuotationExpired,
    QuotationNotOpen,
    QuotationRuleViolation,
    QuotationStatus,
    QuotedLine,
    as_draft_line,
    kept_price,
    quotation_number,
    stored_filter,
    totals,
    validity,
)

QUOTED = date(2026, 12, 1)
UNTIL = date(2026, 12, 31)


def _open() -> Quotation:
    return Quotation(QuotationStatus.OPEN, "CNY", QUOTED, UNTIL)


def test_the_number_is_written_from_the_id() -> None:
    assert quotation_number(1) == "QT-000001"
    assert quotation_number(1234567) == "QT-1234567"


def test_validity_defaults_to_thirty_days_and_is_never_before_the_quote_date() -> None:
    assert validity(QUOTED, None) == date(2026, 12, 31)  # 1 Dec + 30 days
    assert validity(QUOTED, QUOTED) == QUOTED  # valid on its own day only
    with pytest.raises(QuotationRuleViolation) as refused:
        validity(QUOTED, date(2026, 11, 30))
    assert refused.value.code == "QUOTATION_RULE_VIOLATION" and "valid_until" in refused.value.errors
    with pytest.raises(QuotationRuleViolation):
        validity(date.max, None)  # no date 30 days after it: the request must say


def test_expired_is_shown_after_the_last_valid_day_and_only_for_an_open_quotation() -> None:
    quotation = _open()
    assert quotation.shown_status(UNTIL) is QuotationStatus.OPEN  # the last day is still valid
    assert quotation.shown_status(date(2027, 1, 1)) is QuotationStatus.EXPIRED
    converted = Quotation(QuotationStatus.CONVERTED, "CNY", QUOTED, UNTIL)
    assert converted.shown_status(date(2027, 1, 1)) is QuotationStatus.CONVERTED


def test_the_list_filter_speaks_of_the_shown_status() -> None:
    assert stored_filter("open") == (QuotationStatus.OPEN, False)
    assert stored_filter("expired") == (QuotationStatus.OPEN, True)
    assert stored_filter("converted") == (QuotationStatus.CONVERTED, None)
    assert stored_filter("cancelled") == (QuotationStatus.CANCELLED, None)


def test_converted_once_keeping_its_prices_while_they_are_offered() -> None:
    quotation = _open()
    quotation.convert(Pricing.KEEP, today=UNTIL, order_date=UNTIL, customer_currency="CNY")
    assert quotation.status is QuotationStatus.CONVERTED
    with pytest.raises(QuotationNotOpen) as twice:
        quotation.convert(Pricing.REPRICE, today=UNTIL, order_date=UNTIL, customer_currency="CNY")
    assert twice.value.code == "QUOTATION_NOT_OPEN"
    with pytest.raises(QuotationNotOpen):
        quotation.cancel()


@pytest.mark.parametrize(
    ("today", "order_date", "currency", "refusal"),
    [
        (date(2027, 1, 1), date(2027, 1, 1), "CNY", QuotationExpired),  # expired today
        (date(2027, 1, 1), UNTIL, "CNY", QuotationExpired),  # backdating the order does not revive it
        (QUOTED, date(2027, 1, 1), "CNY", QuotationExpired),  # valid today, but the order is dated after it
        (QUOTED, date(2026, 11, 30), "CNY", QuotationRuleViolation),  # dated before the quote
        (QUOTED, QUOTED, "USD", QuotationCurrencyChanged),  # the customer trades in another currency now
    ],
)
def test_kept_prices_are_refused_once_no_longer_offered(
    today: date, order_date: date, currency: str, refusal: type[Exception]
) -> None:
    quotation = _open()
    with pytest.raises(refusal):
        quotation.convert(Pricing.KEEP, today=today, order_date=order_date, customer_currency=currency)
    assert quotation.status is QuotationStatus.OPEN  # refused: nothing changed


def test_an_expired_quotation_may_be_repriced_or_cancelled() -> None:
    repriced = _open()
    repriced.convert(Pricing.REPRICE, today=date(2027, 2, 1), order_date=date(2027, 2, 1), customer_currency="USD")
    assert repriced.status is QuotationStatus.CONVERTED
    cancelled = _open()
    cancelled.cancel()
    assert cancelled.status is QuotationStatus.CANCELLED
    with pytest.raises(QuotationNotOpen):
        cancelled.cancel()


def _quoted_line() -> QuotedLine:
    return QuotedLine(
        line_no=1,
        sku="WIDGET",
        quantity=D("5"),
        list_price=D("100.000000"),
        price_list_id=7,
        price_list_name="Standard",
        discounts=[
            {"rule_id": 3, "name": "class B", "kind": "class_discount", "percent": "5.000000"},
            {"rule_id": None, "name": "manual discount", "kind": "manual", "percent": "5.000000"},
        ],
        manual_discount_percent=D("5.000000"),
        unit_price=D("90.250000"),
        tax_rate=D("0.13"),
        requested_date=date(2026, 12, 20),
        explanation="list price 100 from 'Standard'; class B -5%; manual discount -5%; net 90.25",
    )


def test_a_kept_price_is_the_quotation_lines_record_unchanged() -> None:
    line = _quoted_line()
    price = kept_price(line)
    assert price == LinePrice(
        list_price=D("100"),
        price_list_id=7,
        price_list_name="Standard",
        discounts=(
            AppliedDiscount(3, "class B", "class_discount", D("5")),
            AppliedDiscount(None, "manual discount", "manual", D("5")),
        ),
        net_unit_price=D("90.25"),
        needs_manager=False,
    )
    # 100 x 0.95 x 0.95 = 90.25: the sentence an order line would carry is the quotation line's
    assert price.explanation() == line.explanation
    again = as_draft_line(line)
    assert (again.sku, again.quantity, again.tax_rate, again.manual_discount_percent, again.requested_date) == (
        "WIDGET",
        D("5"),
        D("0.13"),
        D("5.000000"),
        date(2026, 12, 20),
    )


def test_totals_add_up_as_an_orders() -> None:
    lines = [
        OrderLine(1, "WIDGET", D(25), D("92"), D("78.66"), D("0.13")),
        OrderLine(2, "WIDGET", D(5), D("100"), D("81.225"), D("0.13")),
    ]
    # net 25 x 78.66 = 1,966.50 and 5 x 81.225 = 406.125: 2,372.625; tax 13 %: 255.645 + 52.79625 = 308.44125
    assert totals(lines) == (D("2372.625"), D("308.44125"), D("2681.06625"))
