"""What inventory booked from other services' documents: /api/v1/inventory/receipts and /returns.

Goods receipts (purchasing.GoodsReceived.v1), supplier returns (purchasing.GoodsReturnRequested.v1, issued or
refused) and customer returns (sales.ReturnReceived.v1), as a clerk looks for them: by warehouse, SKU, status
and business time, each with the lines it booked (or, refused, the lines it could not carry out and why).
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_inventory.adapters.source_documents import list_documents
from psi_inventory.api.schemas import (
    ReceiptQueryArgs,
    ReturnQueryArgs,
    SourceDocumentPage,
    range_of,
)
from psi_inventory.domain.source_documents import RECEIPT, RETURN_KINDS

blp = Blueprint(
    "source_documents",
    __name__,
    url_prefix="/api/v1/inventory",
    description="Receipts and returns booked from other services",
)


@blp.route("/receipts")
class Receipts(MethodView):
    @blp.arguments(ReceiptQueryArgs, location="query")
    @blp.response(200, SourceDocumentPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Goods receipts booked into stock, newest first; filter by warehouse, SKU and time received."""
        with current_db().unit_of_work() as session:
            found, total = list_documents(
                session,
                (RECEIPT,),
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
        kinds = (args["kind"],) if args.get("kind") else RETURN_KINDS
        with current_db().unit_of_work() as session:
            found, total = list_documents(
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
