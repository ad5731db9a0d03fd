"""The finance service as the chassis sees it, and the WSGI factory for gunicorn."""

from __future__ import annotations

from flask import Flask

from psi_chassis.app import create_service_app
from psi_chassis.service import ServiceDefinition, Watch
from psi_finance import config, metrics
from psi_finance.consumers import HANDLERS
from psi_finance.service.reconciliation import largest_difference


def _blueprints() -> list:
    from psi_finance.api.accounts import blp as accounts
    from psi_finance.api.bills import blp as supplier_bills
    from psi_finance.api.exchange_rates import blp as exchange_rates
    from psi_finance.api.journal import blp as journal_entries
    from psi_finance.api.payments import blp as customer_payments
    from psi_finance.api.periods import blp as periods
    from psi_finance.api.reconciliation import blp as reconciliation
    from psi_finance.api.reports import blp as trial_balance
    from psi_finance.api.statements import blp as statements

    return [
        accounts,
        journal_entries,
        periods,
        trial_balance,
        reconciliation,
        exchange_rates,
        statements,
        supplier_bills,
        customer_payments,
    ]


SERVICE = ServiceDefinition(
    name=config.SERVICE_NAME,
    title="PSI Finance",
    load_settings=config.load_settings,
    blueprints=_blueprints,
    migrations="psi_finance:migrations",
    handlers=HANDLERS,
    watches=(Watch(metrics.INVENTORY_RECONCILIATION_DIFFERENCE, largest_difference),),
)


def create_app() -> Flask:
    return create_service_app(SERVICE, config.load_settings())
