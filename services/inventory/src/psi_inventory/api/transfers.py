"""Transfers between warehouses: /api/v1/inventory/transfers."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from psi_chassis.api_schemas import StrictSchema, line_list, money
from psi_chassis.app import current_db
from psi_inventory.api.adjustments import POSITIVE, DecimalString, note_field, sku_field, warehouse_field
from psi_inventory.domain.documents import TransferLine
from psi_inventory.service.transfers import ShipTransfer, get_transfer, receive_transfer, ship_transfer


class TransferLineCreateSchema(StrictSchema):
    sku = sku_field(required=True)
    quantity = DecimalString(sign=POSITIVE, required=True)


class TransferCreateSchema(StrictSchema):
    from_warehouse = warehouse_field(required=True)
    to_warehouse = warehouse_field(required=True, metadata={"description": "Must differ from from_warehouse."})
    note = note_field()
    lines = line_list(TransferLineCreateSchema)


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
    layers = fields.List(fields.Nested(CarriedLayerSchema), required=True,
                         metadata={"description": "FIFO layers taken at the source, oldest first."})


class TransferSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "in_transit or received"})
    from_warehouse = fields.String(required=True)
    to_warehouse = fields.String(required=True)
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


blp = Blueprint("transfers", __name__, url_prefix="/api/v1/inventory/transfers",
                description="Transfers between warehouses")


@blp.route("")
class Transfers(MethodView):
    @blp.arguments(TransferCreateSchema)
    @blp.response(201, TransferSchema)
    @blp.alt_response(409, description="INSUFFICIENT_STOCK: a line would take reserved or missing stock")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Ship a transfer at once: stock leaves the source now and is in transit until received.

        422 SAME_WAREHOUSE when both warehouses are the same; 422 with field errors for an unknown SKU or an
        unknown or inactive warehouse. Publishes inventory.StockTransferred.v1 (status shipped).
        """
        lines = tuple(TransferLine(ln["sku"], ln["quantity"]) for ln in body["lines"])
        view = ship_transfer(current_db(), ShipTransfer(
            from_warehouse=body["from_warehouse"], to_warehouse=body["to_warehouse"], lines=lines,
            note=body.get("note"),
        ))
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
    @blp.response(200, TransferSchema)
    @blp.alt_response(404, description="TRANSFER_NOT_FOUND")
    @blp.alt_response(409, description="INVALID_STATUS: the transfer was already received")
    def post(self, document_id: int) -> dict[str, Any]:
        """Receive the whole transfer at the destination at the value and FIFO layers it carries.

        Publishes inventory.StockTransferred.v1 (status received).
        """
        return receive_transfer(current_db(), document_id)
