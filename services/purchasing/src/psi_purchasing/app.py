"""The purchasing service as the chassis sees it, and the WSGI factory for gunicorn."""

from __future__ import annotations

from flask import Flask

from psi_chassis.app import create_service_app
from psi_chassis.service import ServiceDefinition
from psi_purchasing import config
from psi_purchasing.consumers import HANDLERS


def _blueprints() -> list:
    from psi_purchasing.api.conversion import blp as conversion
    from psi_purchasing.api.policy import blp as policy
    from psi_purchasing.api.purchase_orders import blp as purchase_orders
    from psi_purchasing.api.receipts import blp as receipts
    from psi_purchasing.api.requisitions import blp as requisitions
    from psi_purchasing.api.returns import blp as returns
    from psi_purchasing.api.scorecards import blp as scorecards
    from psi_purchasing.api.suppliers import blp as suppliers

    return [suppliers, purchase_orders, receipts, returns, policy, conversion, requisitions, scorecards]


SERVICE = ServiceDefinition(
    name=config.SERVICE_NAME,
    title="PSI Purchasing",
    load_settings=config.load_settings,
    blueprints=_blueprints,
    migrations="psi_purchasing:migrations",
    handlers=HANDLERS,
)


def create_app() -> Flask:
    return create_service_app(SERVICE, config.load_settings())
