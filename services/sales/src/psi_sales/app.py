"""The sales service as the chassis sees it. No routes or handlers yet: they arrive with the sales issue."""

from __future__ import annotations

from flask import Flask

from psi_chassis.app import create_service_app
from psi_chassis.service import ServiceDefinition
from psi_sales import config
from psi_sales.consumers import HANDLERS

SERVICE = ServiceDefinition(
    name=config.SERVICE_NAME,
    title="PSI Sales",
    load_settings=config.load_settings,
    blueprints=list,
    migrations="psi_sales:migrations",
    handlers=HANDLERS,
)


def create_app() -> Flask:
    return create_service_app(SERVICE, config.load_settings())
