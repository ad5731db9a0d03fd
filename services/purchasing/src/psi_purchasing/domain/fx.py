"""Exchange rates typed on a document, checked against a band per currency (until finance keeps a rate table).

A rate is the number of base-currency units per unit of the document currency (``7.1`` for USD in a CNY
base). It decides the base-currency amount the approval tiers and the budgets see, so a mistyped rate is not a
cosmetic error: 0.0001 puts a 10,000 USD order in the automatic tier. The rules:

* in the base currency the rate is exactly 1;
* in another currency the rate must lie inside the band configured for it (bounds included);
* a currency without a band is refused: the approval tiers must never see an amount nobody can vouch for.

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


def order_exchange_rate(currency: str, given: Decimal | None, *, base: str, bands: Mapping[str, RateBand]) -> Decimal:
    """The rate an order is booked at: 1 in the base currency when none is given; a foreign currency needs its
    rate (422 EXCHANGE_RATE_REQUIRED), inside its band (:func:`check_exchange_rate`)."""
    if given is None:
        if currency != base:
            # A rate of 1 for a foreign currency would understate the approval tier and the budget.
            raise RuleViolation(
                f"an order in {currency} needs its exchange_rate to {base}",
                code="EXCHANGE_RATE_REQUIRED",
                errors={"exchange_rate": [f"required for an order in {currency}"]},
            )
        given = Decimal(1)
    return check_exchange_rate(currency, given, base=base, bands=bands)


def conservative_rate(currency: str, *, base: str, bands: Mapping[str, RateBand]) -> Decimal | None:
    """The rate an estimate converts at: 1 in the base currency, else the band's upper bound (None: no band)."""
    if currency == base:
        return ONE
    band = bands.get(currency)
    return None if band is None else band.high
