"""The sales service as the chassis sees it, and the WSGI factory for gunicorn."""

from __future__ import annotations

from flask import Flask

from psi_chassis.app import create_service_app
from psi_chassis.service import ServiceDefinition, Watch
from psi_sales import config, metrics
from psi_sales.consumers import HANDLERS
from psi_sales.service.orders import overdue_replies


def _blueprints() -> list:
    from psi_sales.api.customers import blp as customers
    from psi_sales.api.customers import classes_blp as customer_classes
    from psi_sales.api.exchange_rates import blp as exchange_rates
    from psi_sales.api.orders import blp as orders
    from psi_sales.api.pricing import blp as pricing
    from psi_sales.api.quotations import blp as quotations
    from psi_sales.api.shipments import backorders_blp, returns_blp, shipments_blp

    return [
        customers,
        customer_classes,
        pricing,
        orders,
        quotations,
        shipments_blp,
        returns_blp,
        backorders_blp,
        exchange_rates,
    ]


SERVICE = ServiceDefinition(
    name=config.SERVICE_NAME,
    title="PSI Sales",
    load_settings=config.load_settings,
    blueprints=_blueprints,
    migrations="psi_sales:migrations",
    handlers=HANDLERS,
    watches=(Watch(metrics.RESERVATION_REPLIES_OVERDUE, overdue_replies),),
)


def create_app() -> Flask:
    return create_service_app(SERVICE, config.load_settings())
