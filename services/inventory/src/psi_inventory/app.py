"""The inventory service as the chassis sees it, and the WSGI factory for gunicorn."""

from __future__ import annotations

from flask import Flask

from psi_chassis.app import create_service_app
from psi_chassis.service import ServiceDefinition
from psi_inventory import config
from psi_inventory.consumers import HANDLERS


def _blueprints() -> list:
    from psi_inventory.api.adjustments import blp as adjustments
    from psi_inventory.api.items import blp as items
    from psi_inventory.api.receipts import blp as source_documents
    from psi_inventory.api.reservations import blp as reservations
    from psi_inventory.api.stock import as_of_blp
    from psi_inventory.api.stock import blp as stock
    from psi_inventory.api.stocktakes import blp as stocktakes
    from psi_inventory.api.transfers import blp as transfers
    from psi_inventory.api.warehouses import blp as warehouses

    return [stock, as_of_blp, items, warehouses, reservations, adjustments, transfers, stocktakes, source_documents]


SERVICE = ServiceDefinition(
    name=config.SERVICE_NAME,
    title="PSI Inventory",
    load_settings=config.load_settings,
    blueprints=_blueprints,
    migrations="psi_inventory:migrations",
    handlers=HANDLERS,
)


def create_app() -> Flask:
    return create_service_app(SERVICE, config.load_settings())
