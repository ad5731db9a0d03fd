"""Supplier scorecards: /api/v1/purchasing/scorecards."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_purchasing.adapters.scorecard import suppliers_with_receipts
from psi_purchasing.api.schemas import PeriodArgs, ScorecardPage, ScorecardPageArgs, ScorecardSchema
from psi_purchasing.service import reads, scorecard

blp = Blueprint(
    "scorecards",
    __name__,
    url_prefix="/api/v1/purchasing/scorecards",
    description="Supplier scorecards: on-time delivery, quality acceptance, price variance over a period",
)


@blp.route("")
class Scorecards(MethodView):
    @blp.arguments(ScorecardPageArgs, location="query")
    @blp.response(200, ScorecardPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """A scorecard for every supplier with receipts dated in the period, by supplier code."""
        with current_db().unit_of_work() as session:
            ids, total = suppliers_with_receipts(
                session, args["date_from"], args["date_to"], args["page"], args["page_size"]
            )
            cards = scorecard.scorecards(session, ids, args["date_from"], args["date_to"])
        return page_of(cards, args, total)


@blp.route("/<int:supplier_id>")
class ScorecardBySupplier(MethodView):
    @blp.arguments(PeriodArgs, location="query")
    @blp.response(200, ScorecardSchema)
    @blp.alt_response(404, description="SUPPLIER_NOT_FOUND")
    def get(self, args: dict[str, Any], supplier_id: int) -> dict[str, Any]:
        """One supplier's scorecard over receipts dated in the period (empty figures when there were none)."""
        with current_db().unit_of_work() as session:
            return reads.scorecard_of_supplier(session, supplier_id, args["date_from"], args["date_to"])
