"""Exchange-rate bands (issue 8 point 5), finance's table rates and the tolerance (issue 12), and the settings
they are read from; no I/O."""

from __future__ import annotations

from decimal import Decimal

import pytest

from psi_chassis.settings import SettingsError
from psi_purchasing.config import load_rules, load_settings
from psi_purchasing.domain.commands import OrderLine
from psi_purchasing.domain.errors import RuleViolation
from psi_purchasing.domain.fx import (
    OrderRate,
    RateBand,
    beyond_tolerance,
    check_exchange_rate,
    conservative_rate,
    order_rate,
    parse_rate_bands,
    tier_note,
    tier_rate,
)
from psi_purchasing.domain.model import PurchaseOrder

D = Decimal
BANDS = {"USD": RateBand(D("6.5"), D("7.6")), "EUR": RateBand(D(7), D("8.5"))}


def test_bands_parse_from_the_setting():
    assert parse_rate_bands(" USD:6.5-7.6, EUR:7-8.5 ,") == BANDS
    assert parse_rate_bands("") == {}


@pytest.mark.parametrize(
    "text",
    [
        "USD",
        "USD:6.5",
        "usd:6.5-7.6",
        "US:1-2",
        "USD:7.6-6.5",
        "USD:0-1",
        "USD:a-b",
        "USD:1-2,USD:1-3",
        "USD:1.0000001-2",
    ],
)
def test_bad_bands_are_refused(text):
    with pytest.raises(ValueError):
        parse_rate_bands(text)


@pytest.mark.parametrize(
    "currency,rate,ok",
    [
        ("CNY", "1", True),
        ("CNY", "1.000000", True),
        ("CNY", "2", False),
        ("CNY", "0.5", False),
        ("USD", "6.5", True),
        ("USD", "7.6", True),
        ("USD", "7.1", True),  # both bounds included
        ("USD", "6.499999", False),
        ("USD", "7.600001", False),
        ("USD", "0.0001", False),
        ("CHF", "8", False),  # no band
    ],
)
def test_a_rate_must_be_one_or_inside_its_band(currency, rate, ok):
    if ok:
        assert check_exchange_rate(currency, D(rate), base="CNY", bands=BANDS) == D(rate)
        return
    with pytest.raises(RuleViolation) as caught:
        check_exchange_rate(currency, D(rate), base="CNY", bands=BANDS, field="exchange_rates.X")
    assert caught.value.status == 422 and list(caught.value.errors) == ["exchange_rates.X"]
    expected = {"CNY": "EXCHANGE_RATE_NOT_ONE", "USD": "EXCHANGE_RATE_OUT_OF_BAND", "CHF": "NO_RATE_BAND"}
    assert caught.value.code == expected[currency]


def test_estimates_convert_at_the_top_of_the_band():
    assert conservative_rate("USD", base="CNY", bands=BANDS) == D("7.6")
    assert conservative_rate("CNY", base="CNY", bands=BANDS) == D(1)
    assert conservative_rate("CHF", base="CNY", bands=BANDS) is None


def test_rules_default_for_a_cny_base_and_read_the_environment():
    rules = load_rules({})
    assert rules.four_eyes is True
    assert rules.rate_bands["USD"] == RateBand(D("6.5"), D("7.6")) and "CNY" not in rules.rate_bands
    assert load_rules({"PSI_BASE_CURRENCY": "EUR"}).rate_bands == {}, "no guessed bands for another base"
    assert load_rules({"PSI_FX_RATE_BANDS": ""}).rate_bands == {}
    custom = load_rules({"PSI_FX_RATE_BANDS": "USD:7-7.2,CNY:1-1", "PURCHASING_FOUR_EYES": "false"})
    assert custom.rate_bands == {"USD": RateBand(D(7), D("7.2"))} and custom.four_eyes is False


@pytest.mark.parametrize("env", [{"PSI_FX_RATE_BANDS": "USD:7"}, {"PURCHASING_FOUR_EYES": "maybe"}])
def test_a_bad_setting_stops_the_process_at_start(env):
    with pytest.raises(SettingsError):
        load_settings({**env, "PURCHASING_DATABASE_URL": "sqlite://"})


# --- finance's table rate (issue 12) ------------------------------------------------------------------------


def _rate(currency: str, typed: str | None, table: str | None) -> OrderRate:
    return order_rate(
        currency,
        None if typed is None else D(typed),
        base="CNY",
        table_rate=None if table is None else D(table),
        bands=BANDS,
    )


def test_the_base_currency_has_rate_one_whatever_is_typed_or_in_the_table():
    assert _rate("CNY", None, None) == OrderRate(D(1), None)
    assert _rate("CNY", "1.000000", None) == OrderRate(D(1), None)
    for typed in ("2", "0.999999"):
        with pytest.raises(RuleViolation) as caught:
            _rate("CNY", typed, None)
        assert (caught.value.status, caught.value.code, list(caught.value.errors)) == (
            422,
            "EXCHANGE_RATE_NOT_ONE",
            ["exchange_rate"],
        )


def test_a_foreign_order_takes_the_table_rate_or_keeps_its_typed_one_beside_it():
    assert _rate("USD", None, "7.1") == OrderRate(D("7.1"), D("7.1"))
    # a typed rate is kept with the table rate: no band check once the table has a rate (8 is above USD's band)
    assert _rate("USD", "8", "7.9") == OrderRate(D(8), D("7.9"))
    # CHF has no band: the table rate is enough
    assert _rate("CHF", None, "7.9") == OrderRate(D("7.9"), D("7.9"))


@pytest.mark.parametrize(
    "currency,typed,code",
    [
        ("USD", None, "EXCHANGE_RATE_REQUIRED"),  # no table rate for the date: typed, as before the table
        ("USD", "7.61", "EXCHANGE_RATE_OUT_OF_BAND"),  # and inside the band
        ("CHF", "8", "NO_RATE_BAND"),
    ],
)
def test_without_a_table_rate_the_band_rule_stays(currency, typed, code):
    with pytest.raises(RuleViolation) as caught:
        _rate(currency, typed, None)
    assert (caught.value.code, list(caught.value.errors)) == (code, ["exchange_rate"])
    assert _rate("USD", "7.1", None) == OrderRate(D("7.1"), None)


@pytest.mark.parametrize(
    "typed,beyond",
    [
        # table 7.0, tolerance 1 %: beyond when |typed − 7| × 100 > 7, i.e. outside 6.93 to 7.07
        ("7", False),
        ("6.93", False),  # |−0.07| × 100 = 7: exactly at the tolerance is within
        ("7.07", False),
        ("6.929999", True),
        ("7.070001", True),
        ("0.8", True),
    ],
)
def test_the_tolerance_is_a_percentage_of_the_table_rate(typed, beyond):
    assert beyond_tolerance(D(typed), D(7), D(1)) is beyond


def test_the_tier_sees_the_table_rate_only_when_a_typed_rate_is_too_low():
    assert tier_rate(D("6.9"), D(7), D(1)) == D(7)  # 1.43 % below: the table's
    assert tier_rate(D("7.5"), D(7), D(1)) == D("7.5")  # 7.1 % above: its own, the higher anyway
    assert tier_rate(D("6.95"), D(7), D(1)) == D("6.95")  # within
    assert tier_rate(D("6.95"), D(7), D("0.5")) == D(7)  # 5 > 0.5 × 7 = 3.5
    assert tier_rate(D("0.0001"), None, D(1)) == D("0.0001")  # no table rate: the band decided
    assert tier_rate(D("6.9"), D(7), D(0)) == D(7)  # tolerance 0: any lower rate
    assert tier_note(D("6.95"), D(7), D(1)) is None and tier_note(D("7.5"), D(7), D(1)) is None
    assert tier_note(D("6.9"), D(7), D(1)) == (
        "the rate 6.9 is more than 1 % below finance's rate 7 for the order date: "
        "routed by the amount at the table rate"
    )


def test_an_order_is_routed_by_its_total_at_the_tier_rate():
    # 719 × 1 USD + 0 % tax: booked at 6.9 = 4,961.10 CNY, routed at 7.0 = 5,033 CNY
    po = PurchaseOrder.draft((OrderLine("S1", D(719), D(1)),), D("6.9"), D(7))
    assert (po.total_amount_base, po.tier_amount_base(D(1))) == (D("4961.100000"), D("5033.000000"))
    assert po.tier_amount_base(D(2)) == D("4961.100000")  # 1.43 % is within 2 %
    assert PurchaseOrder.draft((OrderLine("S1", D(719), D(1)),), D("6.9")).tier_amount_base(D(1)) == D("4961.1")


def test_the_rate_tolerance_setting():
    assert load_rules({}).rate_tolerance_percent == D(1)
    assert load_rules({"PURCHASING_FX_RATE_TOLERANCE_PERCENT": " 0.25 "}).rate_tolerance_percent == D("0.25")
    assert load_rules({"PURCHASING_FX_RATE_TOLERANCE_PERCENT": "0"}).rate_tolerance_percent == D(0)


@pytest.mark.parametrize("raw", ["-1", "101", "abc", "NaN", "0.0000001", "Infinity"])
def test_a_bad_rate_tolerance_stops_the_process_at_start(raw):
    with pytest.raises(SettingsError, match="PURCHASING_FX_RATE_TOLERANCE_PERCENT"):
        load_settings({"PURCHASING_FX_RATE_TOLERANCE_PERCENT": raw, "PURCHASING_DATABASE_URL": "sqlite://"})
