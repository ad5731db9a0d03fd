"""Transfers between warehouses: /api/v1/inventory/transfers."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from psi_chassis.api_schemas import StrictSchema, line_list, money, page_of, page_schema
from psi_chassis.app import current_db
from psi_inventory.api.adjustments import (
    POSITIVE,
    DateRangeArgs,
    DecimalString,
    business_time_field,
    note_field,
    range_of,
    sku_field,
    warehouse_field,
)
from psi_inventory.domain.documents import IN_TRANSIT, RECEIVED, TransferLine
from psi_inventory.service.transfers import (
    ShipTransfer,
    get_transfer,
    list_transfers,
    receive_transfer,
    ship_transfer,
)


class TransferLineCreateSchema(StrictSchema):
    sku = sku_field(required=True)
    quantity = DecimalString(sign=POSITIVE, required=True)


class TransferCreateSchema(StrictSchema):
    from_warehouse_code = warehouse_field(required=True)
    to_warehouse_code = warehouse_field(
        required=True, metadata={"description": "Must differ from from_warehouse_code."}
    )
    shipped_at = business_time_field("When the goods left the source warehouse")
    note = note_field()
    lines = line_list(TransferLineCreateSchema)


class TransferReceiveSchema(StrictSchema):
    received_at = business_time_field("When the goods arrived (not before they were shipped)")


class CarriedLayerSchema(Schema):
    quantity = money()
    unit_cost = money()


class TransferLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()
    value = money()
    value_fifo = money()
    unit_cost = money()
    layers = fields.List(
        fields.Nested(CarriedLayerSchema),
        required=True,
        metadata={"description": "FIFO layers taken at the source, oldest first."},
    )


class TransferSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "in_transit or received"})
    from_warehouse_code = fields.String(required=True)
    to_warehouse_code = fields.String(required=True)
    note = fields.String(allow_none=True)
    currency = fields.String(required=True)
    lines = fields.List(fields.Nested(TransferLineSchema), required=True)
    total_value = money()
    total_value_fifo = money()
    in_transit_value = money()
    in_transit_value_fifo = money()
    shipped_at = fields.AwareDateTime(required=True)
    received_at = fields.AwareDateTime(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class TransferQueryArgs(DateRangeArgs):
    status = fields.String(validate=validate.OneOf([IN_TRANSIT, RECEIVED]))
    sku = fields.String(validate=validate.Length(min=1, max=64))
    warehouse_code = fields.String(
        validate=validate.Length(min=1, max=32), metadata={"description": "Either end of the transfer"}
    )
    from_warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    to_warehouse_code = fields.String(validate=validate.Length(min=1, max=32))


TransferPage = page_schema(TransferSchema, "TransferPage")

blp = Blueprint(
    "transfers", __name__, url_prefix="/api/v1/inventory/transfers", description="Transfers between warehouses"
)


@blp.route("")
class Transfers(MethodView):
    @blp.arguments(TransferQueryArgs, location="query")
    @blp.response(200, TransferPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Transfers, newest first; filter by status, SKU, warehouse (either end, or from / to) and the time
        they were shipped (from, to)."""
        with current_db().unit_of_work() as session:
            found, total = list_transfers(
                session,
                status=args.get("status"),
                sku=args.get("sku"),
                warehouse_code=args.get("warehouse_code"),
                from_warehouse_code=args.get("from_warehouse_code"),
                to_warehouse_code=args.get("to_warehouse_code"),
                **range_of(args),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(found, args, total)

    @blp.arguments(TransferCreateSchema)
    @blp.response(201, TransferSchema)
    @blp.alt_response(409, description="INSUFFICIENT_STOCK: a line would take reserved or missing stock")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Ship a transfer at once: stock leaves the source now (or at shipped_at) and is in transit until received.

        422 SAME_WAREHOUSE when both warehouses are the same; 422 with field errors for an unknown SKU or an
        unknown or inactive warehouse. Publishes inventory.StockTransferred.v1 (status shipped).
        """
        lines = tuple(TransferLine(ln["sku"], ln["quantity"]) for ln in body["lines"])
        view = ship_transfer(
            current_db(),
            ShipTransfer(
                from_warehouse=body["from_warehouse_code"],
                to_warehouse=body["to_warehouse_code"],
                lines=lines,
                note=body.get("note"),
                shipped_at=body.get("shipped_at"),
            ),
        )
        return view, {"Location": url_for("transfers.TransferById", document_id=view["id"])}


@blp.route("/<int:document_id>")
class TransferById(MethodView):
    @blp.response(200, TransferSchema)
    @blp.alt_response(404, description="TRANSFER_NOT_FOUND")
    def get(self, document_id: int) -> dict[str, Any]:
        """One transfer: status, the value each line carries both ways, and what is still in transit."""
        return get_transfer(current_db(), document_id)


@blp.route("/<int:document_id>/receive")
class ReceiveTransfer(MethodView):
    @blp.arguments(TransferReceiveSchema, required=False)
    @blp.response(200, TransferSchema)
    @blp.alt_response(404, description="TRANSFER_NOT_FOUND")
    @blp.alt_response(409, description="INVALID_STATUS: the transfer was already received")
    def post(self, body: dict[str, Any], document_id: int) -> dict[str, Any]:
        """Receive the whole transfer at the destination at the value and FIFO layers it carries.

        The body is optional: ``received_at`` (default now) may not lie before the shipment (422). Publishes
        inventory.StockTransferred.v1 (status received).
        """
        return receive_transfer(current_db(), document_id, (body or {}).get("received_at"))
