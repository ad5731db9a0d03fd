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
REPLY_TIMEOUT = "SALES_RESERVATION_REPLY_TIMEOUT_SECONDS"


@dataclass(frozen=True)
class SalesRules:
    """Sales' own settings, read once at start."""

    #: The largest manual discount, in percent, a ``sales`` user may give on a line; more needs a sales manager.
    manual_discount_cap: Decimal = Decimal(5)
    #: Seconds after a confirmation without inventory's answer before the order is flagged (and alerted on).
    reservation_reply_timeout_seconds: float = 300.0


def load_rules(env: Mapping[str, str] | None = None) -> SalesRules:
    """``SALES_MAX_MANUAL_DISCOUNT_PERCENT`` (0 to 100, at most six decimals; default 5) and
    ``SALES_RESERVATION_REPLY_TIMEOUT_SECONDS`` (more than 0; default 300)."""
    env = os.environ if env is None else env
    return SalesRules(manual_discount_cap=_manual_cap(env), reservation_reply_timeout_seconds=_reply_timeout(env))


def _reply_timeout(env: Mapping[str, str]) -> float:
    raw = env.get(REPLY_TIMEOUT, "").strip()
    if not raw:
        return SalesRules.reservation_reply_timeout_seconds
    try:
        seconds = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{REPLY_TIMEOUT} must be a number of seconds, got {raw!r}") from exc
    if not 0 < seconds < 10**7:
        raise SettingsError(f"{REPLY_TIMEOUT} must be more than 0 seconds, got {raw!r}")
    return seconds


def _manual_cap(env: Mapping[str, str]) -> Decimal:
    raw = env.get(MANUAL_DISCOUNT_CAP, "").strip()
    if not raw:
        return SalesRules.manual_discount_cap
    try:
        cap = Decimal(raw)
    except InvalidOperation as exc:
        raise SettingsError(f"{MANUAL_DISCOUNT_CAP} must be a percent such as 5, got {raw!r}") from exc
    if not has_at_most_6_places(cap) or not ZERO <= cap <= HUNDRED:
        raise SettingsError(f"{MANUAL_DISCOUNT_CAP} must be between 0 and 100, got {raw!r}")
    return cap


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
