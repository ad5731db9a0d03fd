"""The only module of the finance service that reads the environment, once per start.

:func:`load_settings` runs at every start (API, consumer, relay) and remembers the environment it read, so
:func:`base_currency` answers for the process from the same settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache

from psi_chassis.decimals import has_at_most_6_places
from psi_chassis.settings import ServiceSettings, SettingsError
from psi_finance.domain.three_way_match import Tolerances

SERVICE_NAME = "finance"

_started_with: Mapping[str, str] | None = None


def load_settings(env: Mapping[str, str] | None = None) -> ServiceSettings:
    """The chassis settings; a start also forgets what an earlier start in the same process read (tests)."""
    global _started_with
    env = os.environ if env is None else env
    _started_with = env
    base_currency.cache_clear()
    load_match_tolerances(env)  # a bad tolerance stops the start here, not a bill later
    match_tolerances.cache_clear()
    return ServiceSettings.from_env(env, SERVICE_NAME, default_database_url="sqlite:///var/finance.db")


@cache
def base_currency() -> str:
    """The currency the ledger is kept in (``PSI_BASE_CURRENCY``, default CNY), fixed for the life of a process."""
    env = os.environ if _started_with is None else _started_with
    return ServiceSettings.from_env(env, SERVICE_NAME, default_database_url="sqlite:///var/finance.db").base_currency


# -- supplier bills: the three-way match's tolerances -------------------------------------------------------------

MATCH_PRICE_TOLERANCE_PERCENT = "FINANCE_MATCH_PRICE_TOLERANCE_PERCENT"
MATCH_PRICE_TOLERANCE_AMOUNT = "FINANCE_MATCH_PRICE_TOLERANCE_AMOUNT"
MATCH_QUANTITY_TOLERANCE_PERCENT = "FINANCE_MATCH_QUANTITY_TOLERANCE_PERCENT"


def load_match_tolerances(env: Mapping[str, str] | None = None) -> Tolerances:
    """``FINANCE_MATCH_PRICE_TOLERANCE_PERCENT`` (default 2: 2 % of the line at the order's price),
    ``FINANCE_MATCH_PRICE_TOLERANCE_AMOUNT`` (default 1.00 per line, in the bill's currency) and
    ``FINANCE_MATCH_QUANTITY_TOLERANCE_PERCENT`` (default 0); each a decimal >= 0 with at most six places (the
    percents at most 100). See domain/three_way_match.py."""
    env = os.environ if env is None else env
    return Tolerances(
        price_percent=_tolerance(env, MATCH_PRICE_TOLERANCE_PERCENT, Decimal(2), Decimal(100)),
        price_amount=_tolerance(env, MATCH_PRICE_TOLERANCE_AMOUNT, Decimal("1.00"), None),
        quantity_percent=_tolerance(env, MATCH_QUANTITY_TOLERANCE_PERCENT, Decimal(0), Decimal(100)),
    )


def _tolerance(env: Mapping[str, str], name: str, default: Decimal, most: Decimal | None) -> Decimal:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise SettingsError(f"{name} must be a decimal, got {raw!r}") from exc
    if not value.is_finite() or value < 0 or not has_at_most_6_places(value) or (most is not None and value > most):
        bound = f" and at most {most}" if most is not None else ""
        raise SettingsError(f"{name} must be a decimal >= 0{bound} with at most 6 decimals, got {raw!r}")
    return value


@cache
def match_tolerances() -> Tolerances:
    """The tolerances of this process, read once from the environment the start read."""
    return load_match_tolerances(os.environ if _started_with is None else _started_with)
