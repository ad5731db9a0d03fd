"""Manual stock adjustments: /api/v1/inventory/adjustments.

Also home of the request pieces the three document APIs (adjustments, transfers, stocktakes) share: decimal
strings in, field rules for SKUs and warehouse codes, and decimals as strings out. Requests are strict (an
unknown field is a 422); a JSON number is refused where a decimal is expected, because a float cannot carry
``0.1`` exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from psi_chassis.api_schemas import (
    NON_NEGATIVE,
    NON_ZERO,
    POSITIVE,
    DecimalString,
    PageArgs,
    StrictSchema,
    WholeText,
    line_list,
    money,
    note_field,
    page_of,
    page_schema,
)
from psi_chassis.app import current_db
from psi_chassis.types import utcnow
from psi_inventory.domain.business_time import business_time_problem
from psi_inventory.domain.documents import ADJUSTMENT_REASONS, AdjustmentLine
from psi_inventory.service.adjustments import PostAdjustment, get_adjustment, list_adjustments, post_adjustment

# One request-decimal field for every PSI API (re-exported for transfers and stocktakes).
__all__ = ["DecimalString", "NON_NEGATIVE", "NON_ZERO", "POSITIVE"]


def _not_in_the_future(value: datetime) -> None:
    """A business time: it has happened (a few minutes of clock skew allowed), and not in another century."""
    problem = business_time_problem(value, utcnow())
    if problem is not None:
        raise ValidationError(problem)


def business_time_field(description: str) -> fields.AwareDateTime:
    """An optional business time of a document (``domain/business_time.py``): ISO 8601 with an offset, not in
    the future, not before 2000; default now."""
    return fields.AwareDateTime(
        format="iso",
        validate=_not_in_the_future,
        metadata={
            "description": f"{description} (ISO 8601 with offset; not in the future, not before 2000); default now."
        },
    )


def _representable(value: datetime) -> None:
    """Within what the database and UTC conversion can hold (year 1 at +01:00 is year 0 in UTC)."""
    try:
        value.astimezone(UTC)
    except OverflowError as exc:
        raise ValidationError("Must be a representable time.") from exc
    if not 1900 <= value.year <= 9999:
        raise ValidationError("Must be between the years 1900 and 9999.")


def query_time(description: str, **kwargs: Any) -> fields.AwareDateTime:
    """A time in a query string: ISO 8601 with an offset, between the years 1900 and 9999."""
    return fields.AwareDateTime(validate=_representable, metadata={"description": description}, **kwargs)


class DateRangeArgs(PageArgs):
    """``from`` and ``to``, both inclusive, as every inventory list filters by time (ISO 8601 with offset)."""

    date_from = query_time("From this business time on (inclusive)", data_key="from")
    date_to = query_time("Up to this business time (inclusive)", data_key="to")

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError("Must not be before 'from'.", "to")


def range_of(args: dict[str, Any]) -> dict[str, Any]:
    return {"date_from": args.get("date_from"), "date_to": args.get("date_to")}


def optional_money() -> fields.Decimal:
    """A decimal string on the way out that may be ``null`` (not counted yet, not posted yet)."""
    return fields.Decimal(
        as_string=True, required=True, allow_none=True, metadata={"type": "string", "format": "decimal"}
    )


def sku_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=64), WholeText(r"^\S+$", error="No spaces.")], **kwargs)


def warehouse_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=32), WholeText(r"^\S+$", error="No spaces.")], **kwargs)


# --- schemas ------------------------------------------------------------------------------------------------


class AdjustmentLineCreateSchema(StrictSchema):
    sku = sku_field(required=True)
    quantity = DecimalString(
        sign=NON_ZERO,
        required=True,
        metadata={"description": "Signed: positive adds stock, negative removes it; not 0."},
    )
    unit_cost = DecimalString(
        sign=NON_NEGATIVE,
        metadata={
            "description": "Cost per unit of a line that adds stock (default: the current cost); not for a removal."
        },
    )


class AdjustmentCreateSchema(StrictSchema):
    warehouse_code = warehouse_field(required=True)
    reason_code = fields.String(required=True, validate=validate.OneOf(ADJUSTMENT_REASONS))
    occurred_at = business_time_field("When it happened")
    note = note_field()
    lines = line_list(AdjustmentLineCreateSchema)


class AdjustmentLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()
    unit_cost = money()
    value = money()
    value_fifo = money()


class AdjustmentSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    reason_code = fields.String(required=True)
    note = fields.String(allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)
    currency = fields.String(required=True)
    lines = fields.List(fields.Nested(AdjustmentLineSchema), required=True)
    total_value = money()
    total_value_fifo = money()
    created_at = fields.AwareDateTime(required=True)


class AdjustmentQueryArgs(DateRangeArgs):
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    reason_code = fields.String(validate=validate.OneOf(ADJUSTMENT_REASONS))
    sku = fields.String(validate=validate.Length(min=1, max=64))


AdjustmentPage = page_schema(AdjustmentSchema, "AdjustmentPage")


# --- routes -------------------------------------------------------------------------------------------------

blp = Blueprint(
    "adjustments", __name__, url_prefix="/api/v1/inventory/adjustments", description="Manual stock adjustments"
)


@blp.route("")
class Adjustments(MethodView):
    @blp.arguments(AdjustmentQueryArgs, location="query")
    @blp.response(200, AdjustmentPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Adjustments, newest first; filter by warehouse, reason, SKU and business time (from, to)."""
        with current_db().unit_of_work() as session:
            found, total = list_adjustments(
                session,
                warehouse_code=args.get("warehouse_code"),
                reason_code=args.get("reason_code"),
                sku=args.get("sku"),
                **range_of(args),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(found, args, total)

    @blp.arguments(AdjustmentCreateSchema)
    @blp.response(201, AdjustmentSchema)
    @blp.alt_response(409, description="INSUFFICIENT_STOCK: a removal would take reserved or missing stock")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Post a manual adjustment at once; publishes inventory.StockAdjusted.v1 through the outbox.

        422 with field errors for an unknown SKU, an unknown or inactive warehouse, a repeated SKU, or a unit
        cost on a removal. Nothing is written when anything is refused.
        """
        lines = tuple(AdjustmentLine(ln["sku"], ln["quantity"], ln.get("unit_cost")) for ln in body["lines"])
        view = post_adjustment(
            current_db(),
            PostAdjustment(
                warehouse_code=body["warehouse_code"],
                reason_code=body["reason_code"],
                lines=lines,
                occurred_at=body.get("occurred_at"),
                note=body.get("note"),
            ),
        )
        return view, {"Location": url_for("adjustments.AdjustmentById", document_id=view["id"])}


@blp.route("/<int:document_id>")
class AdjustmentById(MethodView):
    @blp.response(200, AdjustmentSchema)
    @blp.alt_response(404, description="ADJUSTMENT_NOT_FOUND")
    def get(self, document_id: int) -> dict[str, Any]:
        """One adjustment with its lines as booked (signed quantities and values, cost per unit)."""
        return get_adjustment(current_db(), document_id)
