"""Manual stock adjustments: /api/v1/inventory/adjustments.

Also home of the request pieces the three document APIs (adjustments, transfers, stocktakes) share: decimal
strings in, field rules for SKUs and warehouse codes, and decimals as strings out. Requests are strict (an
unknown field is a 422); a JSON number is refused where a decimal is expected, because a float cannot carry
``0.1`` exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from psi_chassis.api_schemas import NON_NEGATIVE, NON_ZERO, POSITIVE, DecimalString, StrictSchema, line_list, money
from psi_chassis.app import current_db
from psi_chassis.types import utcnow
from psi_inventory.domain.documents import ADJUSTMENT_REASONS, AdjustmentLine
from psi_inventory.service.adjustments import PostAdjustment, get_adjustment, post_adjustment

# One request-decimal field for every PSI API (re-exported for transfers and stocktakes).
__all__ = ["DecimalString", "NON_NEGATIVE", "NON_ZERO", "POSITIVE"]


_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_CLOCK_SKEW = timedelta(minutes=5)


def _not_in_the_future(value: datetime) -> None:
    """A business time: it has happened (a few minutes of clock skew allowed), and not in another century."""
    if value < _EARLIEST:
        raise ValidationError("Must not be before 2000-01-01.")
    if value > utcnow() + _CLOCK_SKEW:
        raise ValidationError("Must not be in the future.")


def optional_money() -> fields.Decimal:
    """A decimal string on the way out that may be ``null`` (not counted yet, not posted yet)."""
    return fields.Decimal(as_string=True, required=True, allow_none=True,
                          metadata={"type": "string", "format": "decimal"})


def sku_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=64), validate.Regexp(r"^\S+$", error="No spaces.")],
                         **kwargs)


def warehouse_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=32), validate.Regexp(r"^\S+$", error="No spaces.")],
                         **kwargs)


def note_field() -> fields.String:
    return fields.String(allow_none=True, load_default=None, validate=validate.Length(max=1000))


# --- schemas ------------------------------------------------------------------------------------------------


class AdjustmentLineCreateSchema(StrictSchema):
    sku = sku_field(required=True)
    quantity = DecimalString(sign=NON_ZERO, required=True,
                             metadata={"description": "Signed: positive adds stock, negative removes it; not 0."})
    unit_cost = DecimalString(sign=NON_NEGATIVE, metadata={
        "description": "Cost per unit of a line that adds stock (default: the current cost); not for a removal."})


class AdjustmentCreateSchema(StrictSchema):
    warehouse_code = warehouse_field(required=True)
    reason_code = fields.String(required=True, validate=validate.OneOf(ADJUSTMENT_REASONS))
    occurred_at = fields.AwareDateTime(format="iso", validate=_not_in_the_future, metadata={
        "description": "When it happened (not in the future, not before 2000); default now."})
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


# --- routes -------------------------------------------------------------------------------------------------

blp = Blueprint("adjustments", __name__, url_prefix="/api/v1/inventory/adjustments",
                description="Manual stock adjustments")


@blp.route("")
class Adjustments(MethodView):
    @blp.arguments(AdjustmentCreateSchema)
    @blp.response(201, AdjustmentSchema)
    @blp.alt_response(409, description="INSUFFICIENT_STOCK: a removal would take reserved or missing stock")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Post a manual adjustment at once; publishes inventory.StockAdjusted.v1 through the outbox.

        422 with field errors for an unknown SKU, an unknown or inactive warehouse, a repeated SKU, or a unit
        cost on a removal. Nothing is written when anything is refused.
        """
        lines = tuple(AdjustmentLine(ln["sku"], ln["quantity"], ln.get("unit_cost")) for ln in body["lines"])
        view = post_adjustment(current_db(), PostAdjustment(
            warehouse_code=body["warehouse_code"], reason_code=body["reason_code"], lines=lines,
            occurred_at=body.get("occurred_at"), note=body.get("note"),
        ))
        return view, {"Location": url_for("adjustments.AdjustmentById", document_id=view["id"])}


@blp.route("/<int:document_id>")
class AdjustmentById(MethodView):
    @blp.response(200, AdjustmentSchema)
    @blp.alt_response(404, description="ADJUSTMENT_NOT_FOUND")
    def get(self, document_id: int) -> dict[str, Any]:
        """One adjustment with its lines as booked (signed quantities and values, cost per unit)."""
        return get_adjustment(current_db(), document_id)
