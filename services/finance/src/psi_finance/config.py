"""The only module of the finance service that reads the environment, once per start.

:func:`load_settings` runs at every start (API, consumer, relay) and remembers the environment it read, so
:func:`base_currency` answers for the process from the same settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache

from psi_chassis.settings import ServiceSettings

SERVICE_NAME = "finance"

_started_with: Mapping[str, str] | None = None


def load_settings(env: Mapping[str, str] | None = None) -> ServiceSettings:
    """The chassis settings; a start also forgets what an earlier start in the same process read (tests)."""
    global _started_with
    env = os.environ if env is None else env
    _started_with = env
    base_currency.cache_clear()
    return ServiceSettings.from_env(env, SERVICE_NAME, default_database_url="sqlite:///var/finance.db")


@cache
def base_currency() -> str:
    """The currency the ledger is kept in (``PSI_BASE_CURRENCY``, default CNY), fixed for the life of a process."""
    env = os.environ if _started_with is None else _started_with
    return ServiceSettings.from_env(env, SERVICE_NAME, default_database_url="sqlite:///var/finance.db").base_currency
