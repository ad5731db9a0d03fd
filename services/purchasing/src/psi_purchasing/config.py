"""The only module of the purchasing service that reads the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping

from psi_chassis.settings import ServiceSettings

SERVICE_NAME = "purchasing"


def load_settings(env: Mapping[str, str] | None = None) -> ServiceSettings:
    return ServiceSettings.from_env(
        os.environ if env is None else env,
        SERVICE_NAME,
        default_database_url="sqlite:///var/purchasing.db",
    )
