"""The only module of the purchasing service that reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache

from psi_chassis.settings import ServiceSettings, SettingsError

SERVICE_NAME = "purchasing"
RECEIPT_TOLERANCE = "PURCHASING_RECEIPT_TOLERANCE"


def load_settings(env: Mapping[str, str] | None = None) -> ServiceSettings:
    return ServiceSettings.from_env(
        os.environ if env is None else env,
        SERVICE_NAME,
        default_database_url="sqlite:///var/purchasing.db",
    )


def receipt_tolerance(env: Mapping[str, str] | None = None) -> Decimal:
    """``PURCHASING_RECEIPT_TOLERANCE``: the fraction a line may be over-received by (``0.05`` = 5 %).

    Fixed per line when an order is approved (max_receivable = quantity × (1 + tolerance)). Default 0.
    """
    raw = (os.environ if env is None else env).get(RECEIPT_TOLERANCE, "").strip()
    if not raw:
        return Decimal(0)
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise SettingsError(f"{RECEIPT_TOLERANCE} must be a decimal, got {raw!r}") from exc
    if not value.is_finite() or value < 0 or value > 1 or value != value.quantize(Decimal("0.000001")):
        raise SettingsError(
            f"{RECEIPT_TOLERANCE} must be between 0 and 1 with at most 6 decimals, got {raw!r}"
        )
    return value


@cache
def base_currency() -> str:
    """The currency approval tiers and budgets are evaluated in (fixed for the life of a process)."""
    return load_settings().base_currency
