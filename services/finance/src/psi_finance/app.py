"""The finance service as the chassis sees it. No routes or handlers yet: they arrive with the finance issue."""

from __future__ import annotations

from flask import Flask

from psi_chassis.app import create_service_app
from psi_chassis.service import ServiceDefinition
from psi_finance import config
from psi_finance.consumers import HANDLERS

SERVICE = ServiceDefinition(
    name=config.SERVICE_NAME,
    title="PSI Finance",
    load_settings=config.load_settings,
    blueprints=list,
    migrations="psi_finance:migrations",
    handlers=HANDLERS,
)


def create_app() -> Flask:
    return create_service_app(SERVICE, config.load_settings())
