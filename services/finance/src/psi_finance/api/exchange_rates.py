"""Exchange rates: /api/v1/finance/exchange-rates (多币种核算)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_chassis.errors import NotFound
from psi_chassis.web import current_actor
from psi_finance.adapters import exchange_rates as store
from psi_finance.api.schemas import (
    EffectiveRateArgs,
    EffectiveRateSchema,
    ExchangeRateBulkSchema,
    ExchangeRatePage,
    ExchangeRateQueryArgs,
    ExchangeRateSetSchema,
    RatesWrittenSchema,
)
from psi_finance.domain.exchange_rates import Rate
from psi_finance.service import exchange_rates as service

blp = Blueprint(
    "exchange_rates", __name__, url_prefix="/api/v1/finance/exchange-rates", description="Exchange rates (汇率)"
)


@blp.route("")
class ExchangeRates(MethodView):
    @blp.arguments(ExchangeRateQueryArgs, location="query")
    @blp.response(200, ExchangeRatePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Rates by currency, newest date first; filters `currency`, `date_from`, `date_to`."""
        with current_db().unit_of_work() as session:
            items, total = store.list_rates(
                session,
                args.get("currency"),
                args.get("date_from"),
                args.get("date_to"),
                args["page"],
                args["page_size"],
            )
        return page_of(items, args, total)

    @blp.arguments(ExchangeRateSetSchema)
    @blp.response(200, RatesWrittenSchema)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Set (or correct) the rate of a currency from a date on; posts the parked documents it covers."""
        return service.set_rates(current_db(), [Rate(**body)], current_actor())


@blp.route("/bulk")
class ExchangeRatesBulk(MethodView):
    @blp.arguments(ExchangeRateBulkSchema)
    @blp.response(200, RatesWrittenSchema)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Set many rates at once, all or none."""
        return service.set_rates(current_db(), [Rate(**r) for r in body["rates"]], current_actor())


@blp.route("/effective")
class EffectiveRate(MethodView):
    @blp.arguments(EffectiveRateArgs, location="query")
    @blp.response(200, EffectiveRateSchema)
    @blp.alt_response(404, description="NO_EXCHANGE_RATE")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The rate a document of `currency` dated `on` takes: the latest set on or before that date."""
        found = service.rate_for(current_db(), args["currency"], args["on"])
        if found is None:
            raise NotFound(f"no rate for {args['currency']} on or before {args['on']}", code="NO_EXCHANGE_RATE")
        return found
