"""Transfers between warehouses: /api/v1/inventory/transfers."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_inventory.api.schemas import (
    TransferCreateSchema,
    TransferPage,
    TransferQueryArgs,
    TransferReceiveSchema,
    TransferSchema,
    range_of,
)
from psi_inventory.domain.commands import ShipTransfer, TransferLine
from psi_inventory.service.transfers import get_transfer, list_transfers, receive_transfer, ship_transfer

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
