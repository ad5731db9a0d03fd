"""Accounting periods: /api/v1/finance/periods (closing and reopening are an administrator's)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_chassis.web import current_actor
from psi_finance.adapters import periods as store
from psi_finance.api.schemas import PeriodPage, PeriodQueryArgs, PeriodSchema
from psi_finance.service import periods as service

blp = Blueprint(
    "periods", __name__, url_prefix="/api/v1/finance/periods", description="Accounting periods (会计期间), monthly"
)


@blp.route("")
class Periods(MethodView):
    @blp.arguments(PeriodQueryArgs, location="query")
    @blp.response(200, PeriodPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The periods used so far, newest first (a month not listed is open)."""
        with current_db().unit_of_work() as session:
            items, total = store.list_periods(session, args.get("status"), args["page"], args["page_size"])
        return page_of(items, args, total)


@blp.route("/<string:period>/close")
class ClosePeriod(MethodView):
    @blp.response(200, PeriodSchema)
    @blp.alt_response(409, description="PERIOD_ALREADY_CLOSED, PERIOD_NOT_STARTED")
    @blp.alt_response(422, description="INVALID_PERIOD: not YYYY-MM")
    def post(self, period: str) -> dict[str, Any]:
        """Close a month that has begun: nothing posts into it after this. A late event moves on to the next open
        month (and says so); a person's entry dated in it is refused (PERIOD_CLOSED)."""
        return service.close_period(current_db(), period, current_actor())


@blp.route("/<string:period>/reopen")
class ReopenPeriod(MethodView):
    @blp.response(200, PeriodSchema)
    @blp.alt_response(409, description="PERIOD_NOT_CLOSED")
    @blp.alt_response(422, description="INVALID_PERIOD: not YYYY-MM")
    def post(self, period: str) -> dict[str, Any]:
        """Reopen a closed month (who and when are recorded)."""
        return service.reopen_period(current_db(), period, current_actor())
