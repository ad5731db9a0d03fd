"""Exchange rates (多币种核算): which rate a document of a given date takes, and what a rate may be.

* A rate is base-currency units per unit of the currency (``7.1`` for USD in a CNY base), above 0 with at most
  six decimals. The base currency has no rate: it is 1, always.
* A rate holds from its ``valid_from`` until the currency's next rate: a document dated ``d`` takes the rate
  with the latest ``valid_from`` on or before ``d`` (the query: adapters/exchange_rates.py ``rate_on``). Setting
  the rate of a date again corrects it (a new version); documents posted before keep the rate they were posted
  at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from psi_chassis.decimals import ZERO, has_at_most_6_places
from psi_chassis.errors import RuleViolation


class RateRuleViolation(RuleViolation):
    default_code = "EXCHANGE_RATE_RULE_VIOLATION"


@dataclass(frozen=True)
class Rate:
    currency: str
    valid_from: date
    rate: Decimal


def check_rate(currency: str, rate: Decimal, base_currency: str) -> None:
    if currency == base_currency:
        raise RateRuleViolation(
            f"{currency} is the base currency: its rate is 1, always", errors={"currency": ["the base currency"]}
        )
    if rate <= ZERO or not has_at_most_6_places(rate):
        raise RateRuleViolation("a rate is above 0 with at most six decimals", errors={"rate": ["invalid rate"]})
