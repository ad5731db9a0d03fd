"""Exchange-rate bands (issue 8 point 5) and the settings they are read from; no I/O."""

from __future__ import annotations

from decimal import Decimal

import pytest

from psi_chassis.settings import SettingsError
from psi_purchasing.config import load_rules, load_settings
from psi_purchasing.domain.errors import RuleViolation
from psi_purchasing.domain.fx import RateBand, check_exchange_rate, conservative_rate, parse_rate_bands

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
