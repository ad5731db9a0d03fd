"""The only module of the inventory service that reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from psi_chassis.settings import ServiceSettings

SERVICE_NAME = "inventory"


def load_settings(env: Mapping[str, str] | None = None) -> ServiceSettings:
    return ServiceSettings.from_env(
        os.environ if env is None else env,
        SERVICE_NAME,
        default_database_url="sqlite:///var/inventory.db",
    )


@cache
def base_currency() -> str:
    """The currency of every value in the ledger (fixed for the life of a process)."""
    return load_settings().base_currency
