"""What inventory booked from other services' documents: /api/v1/inventory/receipts and /returns.

Goods receipts (purchasing.GoodsReceived.v1), supplier returns (purchasing.GoodsReturnRequested.v1, issued or
refused) and customer returns (sales.ReturnReceived.v1), as a clerk looks for them: by warehouse, SKU, status
and business time, each with the lines it booked (or, refused, the lines it could not carry out and why).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from psi_chassis.api_schemas import money, page_of, page_schema
from psi_chassis.app import current_db
from psi_inventory.api.adjustments import DateRangeArgs, range_of
from psi_inventory.service import source_documents as docs

blp = Blueprint(
    "source_documents",
    __name__,
    url_prefix="/api/v1/inventory",
    description="Receipts and returns booked from other services",
)


class BookedLineSchema(Schema):
    line_no = fields.Integer(allow_none=True, metadata={"description": "The purchase order (or return) line"})
    sku = fields.String(required=True)
    quantity = money()
    unit_cost = money()
    value = money()
    value_fifo = money()


class RefusedLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    requested_quantity = money()
    available_quantity = money()


class SourceDocumentSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "receipt, supplier_return or customer_return"})
    number = fields.String(required=True, metadata={"description": "The GRN or return number"})
    reference = fields.String(allow_none=True, metadata={"description": "The purchase or sales order number"})
    warehouse_code = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "booked or rejected"})
    reason_code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    source_event_id = fields.String(required=True)
    lines = fields.List(fields.Nested(BookedLineSchema), required=True)
    refused_lines = fields.List(fields.Nested(RefusedLineSchema), required=True)
    total_value = money()
    total_value_fifo = money()


class ReceiptQueryArgs(DateRangeArgs):
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    sku = fields.String(validate=validate.Length(min=1, max=64))


class ReturnQueryArgs(ReceiptQueryArgs):
    kind = fields.String(validate=validate.OneOf(docs.RETURN_KINDS))
    status = fields.String(validate=validate.OneOf([docs.BOOKED, docs.REJECTED]))


SourceDocumentPage = page_schema(SourceDocumentSchema, "SourceDocumentPage")


@blp.route("/receipts")
class Receipts(MethodView):
    @blp.arguments(ReceiptQueryArgs, location="query")
    @blp.response(200, SourceDocumentPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Goods receipts booked into stock, newest first; filter by warehouse, SKU and time received."""
        with current_db().unit_of_work() as session:
            found, total = docs.list_documents(
                session,
                (docs.RECEIPT,),
                sku=args.get("sku"),
                warehouse_code=args.get("warehouse_code"),
                status=None,
                **range_of(args),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(found, args, total)


@blp.route("/returns")
class Returns(MethodView):
    @blp.arguments(ReturnQueryArgs, location="query")
    @blp.response(200, SourceDocumentPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Supplier returns (issued or refused, with the reason) and customer returns, newest first."""
        kinds = (args["kind"],) if args.get("kind") else docs.RETURN_KINDS
        with current_db().unit_of_work() as session:
            found, total = docs.list_documents(
                session,
                kinds,
                sku=args.get("sku"),
                warehouse_code=args.get("warehouse_code"),
                status=args.get("status"),
                **range_of(args),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(found, args, total)
