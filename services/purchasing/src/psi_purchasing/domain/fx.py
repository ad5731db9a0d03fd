"""Exchange rates of a purchase order: finance's rate table first, the configured bands where it has no rate.

A rate is the number of base-currency units per unit of the document currency (``7.1`` for USD in a CNY
base). It decides the base-currency amount the approval tiers and the budgets see, so a mistyped rate is not a
cosmetic error: 0.0001 puts a 10,000 USD order in the automatic tier. The rules (:func:`order_rate`):

* **in the base currency the rate is exactly 1**, always (any other typed rate is 422 EXCHANGE_RATE_NOT_ONE);
* **finance's table rate for the order date** (the replica of ``finance.ExchangeRateSet.v1``: the rate with the
  latest ``valid_from`` on or before the date) is the order's rate when none is typed;
* a typed rate may differ from the table rate (a rate agreed with the supplier), but **more than
  ``PURCHASING_FX_RATE_TOLERANCE_PERCENT`` away from it** (|typed − table| × 100 > tolerance × table) the order
  is routed by the approval tier of its amount at the table rate when that is the higher one
  (:func:`tier_rate`): a low typed rate cannot slip an order under a tier. The order is still booked at the
  typed rate (budget, receipts, events); the table rate is kept on the order;
* **no table rate for the date** (finance has set none for the currency yet): the fallback is the band rule of
  before the table, so nothing that worked then breaks: the rate must be typed (422 EXCHANGE_RATE_REQUIRED) and
  lie inside the band configured for the currency, bounds included (422 EXCHANGE_RATE_OUT_OF_BAND); a currency
  without a band is refused (422 NO_RATE_BAND): the approval tiers must never see an amount nobody can vouch
  for.

For estimates (a requisition priced in a foreign currency) the band's upper bound converts conservatively:
an estimate may come out too high, so it goes to a higher tier, never too low.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from psi_chassis.decimals import ONE, has_at_most_6_places, plain
from psi_purchasing.domain.errors import RuleViolation

RATE_BANDS_SETTING = "PSI_FX_RATE_BANDS"

#: Bands for a CNY base (base-currency units per unit), wide enough for a year's swings of the usual
#: trading currencies and narrow enough that a slipped decimal point falls outside.
CNY_DEFAULT_BANDS = "USD:6.5-7.6,EUR:7-8.5,GBP:8.5-10,HKD:0.83-0.98,JPY:0.04-0.06"


@dataclass(frozen=True)
class RateBand:
    """The rates accepted for one currency, both bounds included."""

    low: Decimal
    high: Decimal

    def __contains__(self, rate: object) -> bool:
        return isinstance(rate, Decimal) and self.low <= rate <= self.high


def parse_rate_bands(text: str) -> dict[str, RateBand]:
    """``"USD:6.5-7.6,EUR:7-8.5"`` -> ``{"USD": RateBand(6.5, 7.6), ...}``; ValueError names what is wrong.

    Codes are three upper-case letters, each once; bounds are decimals > 0 with at most six places, low <= high.
    """
    bands: dict[str, RateBand] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        code, sep, bounds = part.partition(":")
        low_text, dash, high_text = bounds.partition("-")
        if not sep or not dash or len(code) != 3 or not code.isalpha() or not code.isupper():
            raise ValueError(f"{part!r} is not CUR:low-high (e.g. USD:6.5-7.6)")
        if code in bands:
            raise ValueError(f"{code} has two bands")
        try:
            low, high = Decimal(low_text.strip()), Decimal(high_text.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{part!r}: the bounds must be decimals") from exc
        if not (has_at_most_6_places(low) and has_at_most_6_places(high)) or low <= 0 or low > high:
            raise ValueError(f"{part!r}: need 0 < low <= high with at most six decimal places")
        bands[code] = RateBand(low, high)
    return bands


def check_exchange_rate(
    currency: str, rate: Decimal, *, base: str, bands: Mapping[str, RateBand], field: str = "exchange_rate"
) -> Decimal:
    """The rate to book the document at, or 422 naming ``field``; see the module docstring for the rules."""

    def refuse(code: str, message: str) -> RuleViolation:
        return RuleViolation(message, code=code, errors={field: [message]})

    if currency == base:
        if rate != ONE:
            raise refuse(
                "EXCHANGE_RATE_NOT_ONE", f"an order in the base currency {base} has the rate 1, not {plain(rate)}"
            )
        return ONE
    band = bands.get(currency)
    if band is None:
        raise refuse(
            "NO_RATE_BAND",
            f"no exchange-rate band is configured for {currency}: add one to "
            f"{RATE_BANDS_SETTING} (e.g. {currency}:low-high) to order in it",
        )
    if rate not in band:
        raise refuse(
            "EXCHANGE_RATE_OUT_OF_BAND",
            f"{plain(rate)} {base} per {currency} is outside the band {plain(band.low)} to "
            f"{plain(band.high)} ({RATE_BANDS_SETTING})",
        )
    return rate


@dataclass(frozen=True)
class OrderRate:
    """The rate an order is booked at, and finance's table rate for its order date (None: the table had none,
    the band rule applied)."""

    rate: Decimal
    table_rate: Decimal | None = None


def order_rate(
    currency: str,
    typed: Decimal | None,
    *,
    base: str,
    table_rate: Decimal | None,
    bands: Mapping[str, RateBand],
    field: str = "exchange_rate",
) -> OrderRate:
    """The rate of a new order from the rate typed (None: none) and finance's rate for its order date; see the
    module docstring for the rules. 422 naming ``field`` when refused."""
    if currency == base:
        return OrderRate(check_exchange_rate(currency, ONE if typed is None else typed, base=base, bands=bands))
    if table_rate is not None:
        return OrderRate(table_rate if typed is None else typed, table_rate)
    if typed is None:
        # A rate of 1 for a foreign currency would understate the approval tier and the budget.
        raise RuleViolation(
            f"an order in {currency} needs its exchange_rate to {base}: finance's table has no rate for "
            f"{currency} on the order date",
            code="EXCHANGE_RATE_REQUIRED",
            errors={field: [f"required for an order in {currency} (no table rate for the order date)"]},
        )
    return OrderRate(check_exchange_rate(currency, typed, base=base, bands=bands, field=field))


def beyond_tolerance(rate: Decimal, table_rate: Decimal, tolerance_percent: Decimal) -> bool:
    """More than ``tolerance_percent`` % away from the table rate: |rate − table| × 100 > tolerance × table
    (exact, no division; exactly at the tolerance is within it)."""
    return abs(rate - table_rate) * 100 > tolerance_percent * table_rate


def tier_rate(rate: Decimal, table_rate: Decimal | None, tolerance_percent: Decimal) -> Decimal:
    """The rate the approval tier converts an order's total at: its own rate, or the table rate when the two
    are further apart than the tolerance and the table rate is the higher (a higher typed rate already gives
    the higher amount, and so the higher tier)."""
    if table_rate is None or not beyond_tolerance(rate, table_rate, tolerance_percent):
        return rate
    return max(rate, table_rate)


def tier_note(rate: Decimal, table_rate: Decimal | None, tolerance_percent: Decimal) -> str | None:
    """Why an order is routed at the table rate (for the approvals log), or None when it is not."""
    if table_rate is None or tier_rate(rate, table_rate, tolerance_percent) == rate:
        return None
    return (
        f"the rate {plain(rate)} is more than {plain(tolerance_percent)} % below finance's rate "
        f"{plain(table_rate)} for the order date: routed by the amount at the table rate"
    )


def conservative_rate(currency: str, *, base: str, bands: Mapping[str, RateBand]) -> Decimal | None:
    """The rate an estimate converts at: 1 in the base currency, else the band's upper bound (None: no band)."""
    if currency == base:
        return ONE
    band = bands.get(currency)
    return None if band is None else band.high
