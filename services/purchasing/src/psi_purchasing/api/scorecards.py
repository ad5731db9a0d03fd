"""Supplier scorecards: /api/v1/purchasing/scorecards."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validates_schema

from psi_chassis.api_schemas import PageArgs, money, page_of, page_schema
from psi_chassis.app import current_db
from psi_purchasing.adapters import queries
from psi_purchasing.adapters.scorecard import suppliers_with_receipts
from psi_purchasing.domain.errors import SupplierNotFound
from psi_purchasing.service import scorecard

blp = Blueprint(
    "scorecards",
    __name__,
    url_prefix="/api/v1/purchasing/scorecards",
    description="Supplier scorecards: on-time delivery, quality acceptance, price variance over a period",
)

MAX_DAYS = 3660


class PeriodArgs(Schema):
    date_from = fields.Date(required=True, data_key="from", metadata={"description": "First receipt date"})
    date_to = fields.Date(required=True, data_key="to", metadata={"description": "Last receipt date (inclusive)"})

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if "date_from" in data and "date_to" in data:
            if data["date_to"] < data["date_from"]:
                raise ValidationError("Must not be before 'from'.", "to")
            if (data["date_to"] - data["date_from"]).days > MAX_DAYS:
                raise ValidationError(f"The period must not be longer than {MAX_DAYS} days.", "to")


class ScorecardPageArgs(PeriodArgs, PageArgs):
    pass


def _rate(description: str) -> fields.Decimal:
    return fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={"type": "string", "format": "decimal", "description": description},
    )


class ScorecardSchema(Schema):
    supplier_id = fields.Integer(required=True)
    supplier_code = fields.String(allow_none=True)
    supplier_name = fields.String(allow_none=True)
    date_from = fields.Date(required=True, data_key="from", attribute="from")
    date_to = fields.Date(required=True, data_key="to", attribute="to")
    receipts = fields.Integer(required=True)
    on_time_rate = _rate("On-time receipts / receipts whose order has an expected date; null if none has")
    on_time_receipts = fields.Integer(required=True)
    receipts_with_expected_date = fields.Integer(required=True)
    acceptance_rate = _rate("Accepted / received quantity; null if nothing was received")
    accepted_quantity = money()
    rejected_quantity = money()
    received_quantity = money()
    price_variance = _rate("(paid − list) / list over lines with a list price, e.g. 0.05 = 5% above list")
    priced_lines = fields.Integer(required=True)
    unpriced_lines = fields.Integer(required=True)
    paid_amount = money()
    list_amount = money()


ScorecardPage = page_schema(ScorecardSchema, "ScorecardPage")


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
            if queries.supplier(session, supplier_id) is None:
                raise SupplierNotFound(f"supplier {supplier_id} does not exist")
            (card,) = scorecard.scorecards(session, [supplier_id], args["date_from"], args["date_to"])
        return card
