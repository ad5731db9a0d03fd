"""Purchase orders: /api/v1/purchasing/purchase-orders."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import PageArgs, page_of
from psi_chassis.app import current_db
from psi_purchasing.adapters import queries
from psi_purchasing.api.schemas import (
    ApprovalPage,
    PurchaseOrderCreateSchema,
    PurchaseOrderPage,
    PurchaseOrderQueryArgs,
    PurchaseOrderSchema,
    PurchaseOrderUpdateSchema,
    ReasonSchema,
    RequiredReasonSchema,
    current_actor,
)
from psi_purchasing.domain.commands import CreatePurchaseOrder, OrderLine
from psi_purchasing.service import order_approval as approval
from psi_purchasing.service import purchase_orders as commands
from psi_purchasing.service import reads

blp = Blueprint(
    "purchase_orders",
    __name__,
    url_prefix="/api/v1/purchasing/purchase-orders",
    description="Purchase orders: drafting, approval by amount tier (审核 / 反审核), amendment, cancellation",
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
        """Create a draft purchase order.

        A line without ``unit_price`` takes the supplier's price list price (422 NO_PRICE if none); every SKU
        must be an active item (422 UNKNOWN_SKU, INACTIVE_SKU) and the warehouse an active one (422
        UNKNOWN_WAREHOUSE, INACTIVE_WAREHOUSE); the exchange rate is 1 in the base currency (422
        EXCHANGE_RATE_NOT_ONE), else finance's rate for the order date unless one is typed (a typed one further
        from it than the tolerance is routed by the amount at the table rate), and without a table rate typed
        and inside its band (422 EXCHANGE_RATE_REQUIRED, EXCHANGE_RATE_OUT_OF_BAND, NO_RATE_BAND); 422
        SUPPLIER_NOT_FOUND.
        """
        lines = tuple(OrderLine(**line) for line in body.pop("lines"))
        order = commands.create_purchase_order(current_db(), CreatePurchaseOrder(lines=lines, **body), current_actor())
        return order, {"Location": url_for("purchase_orders.PurchaseOrderById", po_id=order["id"])}


@blp.route("/<int:po_id>")
class PurchaseOrderById(MethodView):
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    def get(self, po_id: int) -> dict[str, Any]:
        """One purchase order with its lines and what has been received of each."""
        with current_db().unit_of_work() as session:
            return reads.purchase_order(session, po_id)

    @blp.arguments(PurchaseOrderUpdateSchema)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(409, description="ALREADY_RECEIVED, INVALID_STATUS, BUDGET_EXCEEDED, NO_BUDGET")
    def patch(self, body: dict[str, Any], po_id: int) -> dict[str, Any]:
        """Amend lines, expected date or department: in place on a draft; on an approved order with nothing
        received, a new revision that needs approval again (automatically within the first tier)."""
        lines = body.pop("lines", None)
        return commands.amend_purchase_order(
            current_db(),
            po_id,
            current_actor(),
            lines=None if lines is None else tuple(OrderLine(**line) for line in lines),
            **body,
        )


@blp.route("/<int:po_id>/submit")
class SubmitPurchaseOrder(MethodView):
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(409, description="INVALID_STATUS, SUPPLIER_BLOCKED, BUDGET_EXCEEDED, NO_BUDGET")
    def post(self, po_id: int) -> dict[str, Any]:
        """Submit a draft: approved at once when its base-currency total (with tax) is within the automatic
        tier, else pending_approval."""
        return approval.submit_purchase_order(current_db(), po_id, current_actor())


@blp.route("/<int:po_id>/approve")
class ApprovePurchaseOrderView(MethodView):
    @blp.arguments(ReasonSchema, required=False)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(
        403,
        description="APPROVER_ROLE_REQUIRED (the amount tier needs another role), SELF_APPROVAL_FORBIDDEN "
        "(the caller created, submitted or revised it: four-eyes)",
    )
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(409, description="INVALID_STATUS (not pending), BUDGET_EXCEEDED, NO_BUDGET")
    def post(self, body: dict[str, Any] | None, po_id: int) -> dict[str, Any]:
        """Approve an order pending approval; publishes purchasing.PurchaseOrderApproved.v1."""
        reason = (body or {}).get("reason")
        return approval.approve_purchase_order(current_db(), po_id, current_actor(), reason)


@blp.route("/<int:po_id>/reject")
class RejectPurchaseOrder(MethodView):
    @blp.arguments(RequiredReasonSchema)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(403, description="APPROVER_ROLE_REQUIRED")
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(409, description="INVALID_STATUS (not pending)")
    def post(self, body: dict[str, Any], po_id: int) -> dict[str, Any]:
        """Send an order pending approval back to draft, with a reason."""
        return approval.reject_purchase_order(current_db(), po_id, current_actor(), body["reason"])


@blp.route("/<int:po_id>/unapprove")
class UnapprovePurchaseOrder(MethodView):
    @blp.arguments(ReasonSchema, required=False)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(403, description="APPROVER_ROLE_REQUIRED")
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(409, description="ALREADY_RECEIVED, INVALID_STATUS")
    def post(self, body: dict[str, Any] | None, po_id: int) -> dict[str, Any]:
        """Un-approve (反审核) while nothing is received: back to draft, the budget commitment given back."""
        return approval.unapprove_purchase_order(current_db(), po_id, current_actor(), (body or {}).get("reason"))


@blp.route("/<int:po_id>/cancel")
class CancelPurchaseOrder(MethodView):
    @blp.arguments(RequiredReasonSchema)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(409, description="ALREADY_RECEIVED, INVALID_STATUS")
    def post(self, body: dict[str, Any], po_id: int) -> dict[str, Any]:
        """Cancel a draft, pending or approved order with nothing received (PurchaseOrderCancelled.v1 if it
        had been approved)."""
        return commands.cancel_purchase_order(current_db(), po_id, current_actor(), body["reason"])


@blp.route("/<int:po_id>/short-close")
class ShortClosePurchaseOrder(MethodView):
    @blp.arguments(RequiredReasonSchema)
    @blp.response(200, PurchaseOrderSchema)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(409, description="INVALID_STATUS (only a partially received order)")
    def post(self, body: dict[str, Any], po_id: int) -> dict[str, Any]:
        """Short-close (结案) a partly received order: every line is settled at what was accepted, the rest of
        the budget commitment is given back; publishes purchasing.PurchaseOrderShortClosed.v1."""
        return commands.short_close_purchase_order(current_db(), po_id, current_actor(), body["reason"])


@blp.route("/<int:po_id>/approvals")
class ApprovalsOfOrder(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ApprovalPage)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    def get(self, args: dict[str, Any], po_id: int) -> dict[str, Any]:
        """Every submission, approval, rejection, un-approval, revision and cancellation, oldest first."""
        with current_db().unit_of_work() as session:
            items, total = reads.approvals_of_order(session, po_id, page=args["page"], page_size=args["page_size"])
        return page_of(items, args, total)
