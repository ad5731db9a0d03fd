"""Finance's exchange rates as sales keeps them: /api/v1/sales/exchange-rates (read only; finance sets them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.app import current_db, runtime
from psi_chassis.errors import NotFound
from psi_chassis.types import utcnow
from psi_sales.adapters import exchange_rates as store
from psi_sales.api.schemas import ExchangeRateQueryArgs, ExchangeRateSchema

#: The base currency's own rate: 1, always, and from no date of finance's table.
_BASE = {"rate": Decimal("1.000000"), "valid_from": None, "version": None, "set_at": None}

blp = Blueprint(
    "exchange_rates",
    __name__,
    url_prefix="/api/v1/sales/exchange-rates",
    description="Exchange rates (汇率): sales' replica of finance's rate table",
)


@blp.route("")
class ExchangeRates(MethodView):
    @blp.arguments(ExchangeRateQueryArgs, location="query")
    @blp.response(200, ExchangeRateSchema)
    @blp.alt_response(404, description="NO_EXCHANGE_RATE: finance has set no rate for the currency that early")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The rate of `currency` on `on` (default today, UTC): the one with the latest `valid_from` on or before
        that date, in base-currency units per unit. The base currency is 1, always."""
        currency, base = args["currency"], runtime().settings.base_currency
        on = args.get("on") or utcnow().date()
        if currency == base:
            return {**_BASE, "currency": currency, "base_currency": base, "on": on}
        with current_db().unit_of_work() as session:
            found = store.rate_on(session, currency, base, on)
        if found is None:
            raise NotFound(f"no rate for {currency} in {base} on or before {on.isoformat()}", code="NO_EXCHANGE_RATE")
        return {**found, "on": on}
