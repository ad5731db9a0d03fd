"""The only module of the purchasing service that reads the environment, once per start.

:func:`load_settings` runs at every start (API, consumer, relay): it reads the chassis settings and checks
purchasing's own rules, so a bad value stops the process there instead of failing requests later. The rules
are then read once, on first use, and kept for the life of the process (:func:`rules`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache

from psi_chassis.settings import ServiceSettings, SettingsError, env_bool
from psi_purchasing.domain.fx import CNY_DEFAULT_BANDS, RATE_BANDS_SETTING, RateBand, parse_rate_bands

SERVICE_NAME = "purchasing"
RECEIPT_TOLERANCE = "PURCHASING_RECEIPT_TOLERANCE"
FOUR_EYES = "PURCHASING_FOUR_EYES"
RATE_TOLERANCE = "PURCHASING_FX_RATE_TOLERANCE_PERCENT"
_DEFAULT_DATABASE_URL = "sqlite:///var/purchasing.db"


@dataclass(frozen=True)
class PurchasingRules:
    """Purchasing's own settings, read once at start (a bad value refuses to start, see ``load_settings``)."""

    #: Accepted exchange rates per foreign currency (``PSI_FX_RATE_BANDS``); see domain/fx.py.
    rate_bands: Mapping[str, RateBand]
    #: The maker of a document never approves it above the automatic tier (``PURCHASING_FOUR_EYES``).
    four_eyes: bool
    #: How far a line may be over-received (``PURCHASING_RECEIPT_TOLERANCE``, ``0.05`` = 5 %), fixed on the
    #: lines when an order is approved: max_receivable = quantity × (1 + tolerance).
    receipt_tolerance: Decimal = Decimal(0)
    #: How far, in percent, a typed exchange rate may lie from finance's table rate before the order is routed by
    #: its amount at the table rate (``PURCHASING_FX_RATE_TOLERANCE_PERCENT``, default 1); see domain/fx.py.
    rate_tolerance_percent: Decimal = Decimal(1)


def load_rules(env: Mapping[str, str] | None = None) -> PurchasingRules:
    """``PSI_FX_RATE_BANDS`` (default: bands for USD, EUR, GBP, HKD and JPY when the base currency is CNY,
    none otherwise; set it to an empty string for none), ``PURCHASING_FOUR_EYES`` (default on),
    ``PURCHASING_RECEIPT_TOLERANCE`` (default 0) and ``PURCHASING_FX_RATE_TOLERANCE_PERCENT`` (default 1)."""
    env = os.environ if env is None else env
    base = env.get("PSI_BASE_CURRENCY") or "CNY"
    raw = env.get(RATE_BANDS_SETTING)
    if raw is None:
        raw = CNY_DEFAULT_BANDS if base == "CNY" else ""
    try:
        bands = parse_rate_bands(raw)
    except ValueError as exc:
        raise SettingsError(f"{RATE_BANDS_SETTING}: {exc}") from exc
    bands.pop(base, None)  # the base currency's rate is always 1
    return PurchasingRules(
        rate_bands=bands,
        four_eyes=env_bool(env, FOUR_EYES, True),
        receipt_tolerance=receipt_tolerance(env),
        rate_tolerance_percent=rate_tolerance_percent(env),
    )


@cache
def rules() -> PurchasingRules:
    """The rules of this process (read from the environment once, on first use after the start)."""
    return load_rules()


def load_settings(env: Mapping[str, str] | None = None) -> ServiceSettings:
    """The chassis settings; purchasing's own rules are parsed too, so a bad value stops the process at start.

    A start also forgets rules an earlier start in the same process read (tests start one app after another),
    so every start reads them again, once.
    """
    env = os.environ if env is None else env
    load_rules(env)
    rules.cache_clear()
    return ServiceSettings.from_env(env, SERVICE_NAME, default_database_url=_DEFAULT_DATABASE_URL)


def receipt_tolerance(env: Mapping[str, str] | None = None) -> Decimal:
    """``PURCHASING_RECEIPT_TOLERANCE``: the fraction a line may be over-received by (``0.05`` = 5 %).

    A decimal between 0 and 1 with at most six places; default 0. Part of :class:`PurchasingRules`.
    """
    raw = (os.environ if env is None else env).get(RECEIPT_TOLERANCE, "").strip()
    if not raw:
        return Decimal(0)
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise SettingsError(f"{RECEIPT_TOLERANCE} must be a decimal, got {raw!r}") from exc
    if not value.is_finite() or value < 0 or value > 1 or value != value.quantize(Decimal("0.000001")):
        raise SettingsError(f"{RECEIPT_TOLERANCE} must be between 0 and 1 with at most 6 decimals, got {raw!r}")
    return value


def rate_tolerance_percent(env: Mapping[str, str] | None = None) -> Decimal:
    """``PURCHASING_FX_RATE_TOLERANCE_PERCENT``: how far, in percent, a typed rate may lie from the table rate
    (``1`` = 1 %). A decimal between 0 and 100 with at most six places; default 1. Part of :class:`PurchasingRules`.
    """
    raw = (os.environ if env is None else env).get(RATE_TOLERANCE, "").strip()
    if not raw:
        return PurchasingRules.rate_tolerance_percent
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise SettingsError(f"{RATE_TOLERANCE} must be a decimal (percent), got {raw!r}") from exc
    if not value.is_finite() or value < 0 or value > 100 or value != value.quantize(Decimal("0.000001")):
        raise SettingsError(f"{RATE_TOLERANCE} must be between 0 and 100 with at most 6 decimals, got {raw!r}")
    return value


@cache
def base_currency() -> str:
    """The currency approval tiers and budgets are evaluated in (fixed for the life of a process)."""
    return ServiceSettings.from_env(os.environ, SERVICE_NAME, default_database_url=_DEFAULT_DATABASE_URL).base_currency
