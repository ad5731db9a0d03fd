"""Goods receipts: /api/v1/purchasing/purchase-orders/<id>/receipts and /api/v1/purchasing/receipts/<id>."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import PageArgs, page_of
from psi_chassis.app import current_db
from psi_purchasing.api.schemas import ReceiptCreateSchema, ReceiptPage, ReceiptSchema
from psi_purchasing.domain.commands import ReceiptLine, ReceiveGoods
from psi_purchasing.service import reads
from psi_purchasing.service.receipts import receive_goods

blp = Blueprint("goods_receipts", __name__, url_prefix="/api/v1/purchasing", description="Goods receipts")


@blp.route("/purchase-orders/<int:po_id>/receipts")
class ReceiptsOfOrder(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ReceiptPage)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    def get(self, args: dict[str, Any], po_id: int) -> dict[str, Any]:
        """The receipts posted against one purchase order, oldest first."""
        with current_db().unit_of_work() as session:
            items, total = reads.receipts_of_order(session, po_id, page=args["page"], page_size=args["page_size"])
        return page_of(items, args, total)

    @blp.arguments(ReceiptCreateSchema)
    @blp.response(201, ReceiptSchema)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(
        409, description="INVALID_STATUS (order not approved) or OVER_RECEIPT (beyond the ordered quantity)"
    )
    def post(self, body: dict[str, Any], po_id: int) -> tuple[dict[str, Any], dict[str, str]]:
        """Post a goods receipt after inspection; publishes purchasing.GoodsReceived.v1 through the outbox."""
        lines = tuple(ReceiptLine(**line) for line in body["lines"])
        receipt = receive_goods(
            current_db(), ReceiveGoods(po_id=po_id, lines=lines, received_at=body.get("received_at"))
        )
        return receipt, {"Location": url_for("goods_receipts.ReceiptById", receipt_id=receipt["id"])}


@blp.route("/receipts/<int:receipt_id>")
class ReceiptById(MethodView):
    @blp.response(200, ReceiptSchema)
    @blp.alt_response(404, description="RECEIPT_NOT_FOUND")
    def get(self, receipt_id: int) -> dict[str, Any]:
        """One goods receipt with its lines and costs."""
        with current_db().unit_of_work() as session:
            return reads.receipt(session, receipt_id)
