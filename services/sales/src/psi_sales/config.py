"""The only module of the sales service that reads the environment, once per start.

:func:`load_settings` runs at every start (API, consumer, relay): it reads the chassis settings and checks sales'
own rules, so a bad value stops the process there instead of failing requests later; :func:`rules` then keeps
them for the life of the process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from psi_chassis.decimals import HUNDRED, ZERO, has_at_most_6_places
from psi_chassis.settings import ServiceSettings, SettingsError

SERVICE_NAME = "sales"
MANUAL_DISCOUNT_CAP = "SALES_MAX_MANUAL_DISCOUNT_PERCENT"


@dataclass(frozen=True)
class SalesRules:
    """Sales' own settings, read once at start."""

    #: The largest manual discount, in percent, a ``sales`` user may give on a line; more needs a sales manager.
    manual_discount_cap: Decimal = Decimal(5)


def load_rules(env: Mapping[str, str] | None = None) -> SalesRules:
    """``SALES_MAX_MANUAL_DISCOUNT_PERCENT``: 0 to 100, at most six decimals; default 5."""
    raw = (os.environ if env is None else env).get(MANUAL_DISCOUNT_CAP, "").strip()
    if not raw:
        return SalesRules()
    try:
        cap = Decimal(raw)
    except InvalidOperation as exc:
        raise SettingsError(f"{MANUAL_DISCOUNT_CAP} must be a percent such as 5, got {raw!r}") from exc
    if not has_at_most_6_places(cap) or not ZERO <= cap <= HUNDRED:
        raise SettingsError(f"{MANUAL_DISCOUNT_CAP} must be between 0 and 100, got {raw!r}")
    return SalesRules(manual_discount_cap=cap)


@cache
def rules() -> SalesRules:
    """The rules of this process (read once, on first use after the start)."""
    return load_rules(_started_with)


_started_with: Mapping[str, str] | None = None


def load_settings(env: Mapping[str, str] | None = None) -> ServiceSettings:
    """The chassis settings; sales' own rules are parsed too, so a bad value stops the process at start.

    A start also forgets rules an earlier start in the same process read (tests start one app after another).
    """
    global _started_with
    env = os.environ if env is None else env
    load_rules(env)
    _started_with = env
    rules.cache_clear()
    return ServiceSettings.from_env(env, SERVICE_NAME, default_database_url="sqlite:///var/sales.db")
