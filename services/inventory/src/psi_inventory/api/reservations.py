"""Reservations for callers that sell directly (a shop, a POS): /api/v1/inventory/reservations.

Sales orders reserve through their events (and get StockReserved or ReservationRejected back); this API runs
the very same reservation code and answers synchronously instead, so it publishes nothing.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from psi_chassis.api_schemas import (
    POSITIVE,
    DecimalString,
    StrictSchema,
    WholeText,
    line_list,
    money,
    page_of,
    page_schema,
)
from psi_chassis.app import current_db
from psi_chassis.errors import Conflict, NotFound
from psi_inventory.api.adjustments import DateRangeArgs, range_of
from psi_inventory.service import queries, reservations

blp = Blueprint("reservations", __name__, url_prefix="/api/v1/inventory/reservations", description="Reservations")


class ReservationLineIn(StrictSchema):
    line_no = fields.Integer(validate=validate.Range(min=1, max=10_000))
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = DecimalString(sign=POSITIVE, required=True)


class ReservationIn(StrictSchema):
    reference = fields.String(required=True, validate=WholeText(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"))
    warehouse_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    lines = line_list(ReservationLineIn)

    @validates_schema
    def _distinct_line_numbers(self, data: dict[str, Any], **_: Any) -> None:
        numbers = [ln.get("line_no") for ln in data.get("lines", []) if ln.get("line_no") is not None]
        if numbers and len(numbers) != len(data.get("lines", [])):
            raise ValidationError("give line_no on every line or on none", field_name="lines")
        if len(numbers) != len(set(numbers)):
            raise ValidationError("line numbers must be distinct", field_name="lines")


RESERVATION_IN = ReservationIn()


class ReservationLineOut(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    quantity = money()
    consumed = money()
    status = fields.String(required=True)


class ReservationOut(Schema):
    reference = fields.String(required=True)
    lines = fields.List(fields.Nested(ReservationLineOut), required=True)


class ReservationListLine(ReservationLineOut):
    reference = fields.String(required=True)
    open = money()
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class ReservationQueryArgs(DateRangeArgs):
    reference = fields.String(validate=validate.Length(min=1, max=64))
    sku = fields.String(validate=validate.Length(min=1, max=64))
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    status = fields.String(validate=validate.OneOf([reservations.ACTIVE, reservations.RELEASED, reservations.CONSUMED]))


ReservationPage = page_schema(ReservationListLine, "ReservationPage")


@blp.route("")
class ReservationCollection(MethodView):
    @blp.arguments(ReservationQueryArgs, location="query")
    @blp.response(200, ReservationPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Reservation lines, newest first, with what each still holds (``open``); filter by reference, SKU,
        warehouse, status and when they were made (from, to)."""
        with current_db().unit_of_work() as session:
            found, total = queries.list_reservations(
                session,
                reference=args.get("reference"),
                sku=args.get("sku"),
                warehouse_code=args.get("warehouse_code"),
                status=args.get("status"),
                **range_of(args),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(found, args, total)

    @blp.arguments(RESERVATION_IN)  # one instance: webargs builds a new one per request from a class
    @blp.response(201, ReservationOut)
    @blp.alt_response(409, description="INSUFFICIENT_STOCK (errors.short_lines) or RESERVATION_EXISTS")
    @blp.alt_response(422, description="UNKNOWN_WAREHOUSE, INACTIVE_WAREHOUSE or UNKNOWN_SKU, naming it in errors")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Reserve every line or none (409 INSUFFICIENT_STOCK lists the short lines).

        The warehouse must be listed and active and every SKU in the item master (422 naming what is not).
        """
        lines = [
            reservations.ReservationLine(ln.get("line_no", i), ln["sku"], ln["quantity"])
            for i, ln in enumerate(body["lines"], start=1)
        ]
        try:
            short, written = reservations.reserve_stock(current_db(), body["reference"], body["warehouse_code"], lines)
        except reservations.AlreadyReserved as exc:
            raise Conflict(
                f"reference {body['reference']} already holds a reservation", code="RESERVATION_EXISTS"
            ) from exc
        if short:
            raise Conflict(
                "not enough stock for every line; nothing was reserved",
                code="INSUFFICIENT_STOCK",
                errors={
                    "short_lines": [
                        {
                            "line_no": s.line_no,
                            "sku": s.sku,
                            "requested_quantity": f"{s.requested_quantity:.6f}",
                            "available_quantity": f"{s.available_quantity:.6f}",
                        }
                        for s in short
                    ]
                },
            )
        return {"reference": body["reference"], "lines": written}, {
            "Location": f"/api/v1/inventory/reservations/{body['reference']}"
        }


@blp.route("/<string:reference>")
class ReservationItem(MethodView):
    @blp.response(200, ReservationOut)
    def get(self, reference: str) -> dict[str, Any]:
        with current_db().unit_of_work() as session:
            lines = queries.reservation_lines(session, reference)
        if not lines:
            raise NotFound(f"no reservation {reference}", code="RESERVATION_NOT_FOUND")
        return {"reference": reference, "lines": lines}


@blp.route("/<string:reference>/release")
class ReservationRelease(MethodView):
    @blp.response(200, ReservationOut)
    def post(self, reference: str) -> dict[str, Any]:
        """Give back whatever the reference still holds (releasing twice is harmless)."""
        lines = reservations.release_stock(current_db(), reference)
        if not lines:
            raise NotFound(f"no reservation {reference}", code="RESERVATION_NOT_FOUND")
        return {"reference": reference, "lines": lines}
