"""Purchase orders: /api/v1/purchasing/purchase-orders."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_purchasing.api.schemas import (
    PurchaseOrderCreateSchema,
    PurchaseOrderPage,
    PurchaseOrderQueryArgs,
    PurchaseOrderSchema,
)
from psi_purchasing.domain.commands import ApprovePurchaseOrder, CreatePurchaseOrder, OrderLine
from psi_purchasing.domain.errors import PurchaseOrderNotFound
from psi_purchasing.service import queries
from psi_purchasing.service.purchase_orders import approve_purchase_order, create_purchase_order

blp = Blueprint(
    "purchase_orders",
    __name__,
    url_prefix="/api/v1/purchasing/purchase-orders",
    description="Purchase orders",
)


@blp.route("")
class PurchaseOrders(MethodView):
    @blp.arguments(PurchaseOrderQueryArgs, location="query")
    @blp.response(200, PurchaseOrderPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Purchase order headers, newest first, optionally filtered by status and supplier."""
        with current_db().unit_of_work() as session:
            items, total = queries.list_purchase_orders(
                session,
                status=args.get("status"),
                supplier_id=args.get("supplier_id"),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(items, args, total)

    @blp.arguments(PurchaseOrderCreateSchema)
    @blp.response(201, PurchaseOrderSchema)
    @blp.alt_response(409, description="SUPPLIER_BLOCKED")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Create a draft purchase order (422 SUPPLIER_NOT_FOUND when the supplier does not exist)."""
        lines = tuple(OrderLine(**line) for line in body.pop("lines"))
        order = create_purchase_order(current_db(), CreatePurchaseOrder(lines=lines, **body))
        return order, {"Location": url_for("purchase_orders.PurchaseOrderById", po_id=order["id"])}


@blp.route("/<int:po_id>")
class PurchaseOrderById(MethodView):
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    def get(self, po_id: int) -> dict[str, Any]:
        """One purchase order with its lines and what has been received of each."""
        with current_db().unit_of_work() as session:
            order = queries.purchase_order(session, po_id)
        if order is None:
            raise PurchaseOrderNotFound(f"purchase order {po_id} does not exist")
        return order


@blp.route("/<int:po_id>/approve")
class ApprovePurchaseOrderView(MethodView):
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(409, description="INVALID_STATUS: only a draft can be approved")
    def post(self, po_id: int) -> dict[str, Any]:
        """Approve a draft purchase order, so goods can be received against it."""
        return approve_purchase_order(current_db(), ApprovePurchaseOrder(po_id=po_id))
