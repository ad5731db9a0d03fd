"""Sales orders: /api/v1/sales/orders."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_chassis.web import current_actor
from psi_sales import config
from psi_sales.adapters import orders as store
from psi_sales.api.schemas import (
    OptionalReasonSchema,
    OrderAmendSchema,
    OrderCreateSchema,
    OrderDetailSchema,
    OrderPage,
    OrderQueryArgs,
    ReleaseSchema,
    ReturnCreateSchema,
    ReturnDetailSchema,
    ShipmentCreateSchema,
    ShipmentDetailSchema,
)
from psi_sales.domain.commands import DraftLine, DraftOrder, ReceiveReturn, ShipOrder
from psi_sales.domain.order import ReturnLine, ShipLine
from psi_sales.service import order_flow, shipments
from psi_sales.service import orders as service

blp = Blueprint("sales_orders", __name__, url_prefix="/api/v1/sales/orders", description="Sales orders (销售订单)")


@blp.route("")
class Orders(MethodView):
    @blp.arguments(OrderQueryArgs, location="query")
    @blp.response(200, OrderPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Orders, newest first; by status, customer, salesperson, warehouse and order date."""
        filters = {k: args.get(k) for k in ("status", "customer_id", "salesperson", "warehouse_code")}
        with current_db().unit_of_work() as session:
            items, total = store.list_orders(
                session, filters, args.get("date_from"), args.get("date_to"), args["page"], args["page_size"]
            )
        return page_of(items, args, total)

    @blp.arguments(OrderCreateSchema)
    @blp.response(201, OrderDetailSchema)
    @blp.alt_response(403, description="DISCOUNT_NEEDS_MANAGER: a manual discount above the cap")
    @blp.alt_response(409, description="CUSTOMER_BLOCKED")
    @blp.alt_response(422, description="UNKNOWN_CUSTOMER, UNKNOWN_SKU, INACTIVE_SKU, UNKNOWN_WAREHOUSE, NO_PRICE")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """A draft order, every line priced on the order date, with the record of its price on the line."""
        cmd = DraftOrder(**{**body, "lines": [DraftLine(**line) for line in body["lines"]]})
        found = service.create_draft_order(current_db(), cmd, current_actor(), config.rules().manual_discount_cap)
        return found, {"Location": url_for("sales_orders.OrderById", order_id=found["id"])}


@blp.route("/<int:order_id>")
class OrderById(MethodView):
    @blp.response(200, OrderDetailSchema)
    @blp.alt_response(404, description="SALES_ORDER_NOT_FOUND")
    def get(self, order_id: int) -> dict[str, Any]:
        """One order with its lines, the record of each line's price, the saga's state and the credit log."""
        return service.get_order(current_db(), order_id)

    @blp.arguments(OrderAmendSchema)
    @blp.response(200, OrderDetailSchema)
    @blp.alt_response(403, description="DISCOUNT_NEEDS_MANAGER")
    @blp.alt_response(409, description="INVALID_STATUS: shipped, completed or cancelled; CUSTOMER_ON_HOLD")
    @blp.alt_response(422, description="UNKNOWN_SKU, INACTIVE_SKU, NO_PRICE")
    def patch(self, body: dict[str, Any], order_id: int) -> dict[str, Any]:
        """Amend the lines (priced again on the order date); after confirmation credit and reservation run
        again under a new revision."""
        lines = [DraftLine(**line) for line in body["lines"]]
        cap = config.rules().manual_discount_cap
        return order_flow.amend_order(current_db(), order_id, lines, current_actor(), cap)


@blp.route("/<int:order_id>/confirm")
class ConfirmOrder(MethodView):
    @blp.response(200, OrderDetailSchema)
    @blp.alt_response(409, description="INVALID_STATUS (not a draft), CUSTOMER_ON_HOLD, CUSTOMER_BLOCKED")
    def post(self, order_id: int) -> dict[str, Any]:
        """Confirm a draft: credit control, then inventory is asked to reserve (status confirmed) or the order is
        held for credit (credit_hold)."""
        return order_flow.confirm_order(current_db(), order_id, current_actor())


@blp.route("/<int:order_id>/release-credit-hold")
class ReleaseCreditHold(MethodView):
    @blp.arguments(ReleaseSchema)
    @blp.response(200, OrderDetailSchema)
    @blp.alt_response(403, description="SALES_MANAGER_REQUIRED")
    @blp.alt_response(409, description="INVALID_STATUS: not on credit hold")
    def post(self, body: dict[str, Any], order_id: int) -> dict[str, Any]:
        """A sales manager releases a held order (logged with who, when and why); inventory is asked to reserve."""
        return order_flow.release_credit_hold(current_db(), order_id, current_actor(), body["reason"])


@blp.route("/<int:order_id>/retry-reservation")
class RetryReservation(MethodView):
    @blp.response(200, OrderDetailSchema)
    @blp.alt_response(409, description="INVALID_STATUS: not backordered, or the answer is not overdue yet")
    def post(self, order_id: int) -> dict[str, Any]:
        """Ask inventory again: a backordered order, or a confirmed one whose answer is overdue."""
        return order_flow.retry_reservation(current_db(), order_id, current_actor())


@blp.route("/<int:order_id>/cancel")
class CancelOrder(MethodView):
    @blp.arguments(OptionalReasonSchema)
    @blp.response(200, OrderDetailSchema)
    @blp.alt_response(409, description="INVALID_STATUS: something has shipped")
    def post(self, body: dict[str, Any], order_id: int) -> dict[str, Any]:
        """Cancel an order nothing of which has shipped; a reservation is released (sales.OrderCancelled.v1)."""
        return order_flow.cancel_order(current_db(), order_id, current_actor(), body["reason"])


@blp.route("/<int:order_id>/complete")
class CompleteOrder(MethodView):
    @blp.arguments(OptionalReasonSchema)
    @blp.response(200, OrderDetailSchema)
    @blp.alt_response(409, description="INVALID_STATUS: nothing shipped yet")
    def post(self, body: dict[str, Any], order_id: int) -> dict[str, Any]:
        """Close the order; a partially shipped one is closed short and the rest of its reservation released."""
        return order_flow.complete_order(current_db(), order_id, current_actor(), body["reason"])


@blp.route("/<int:order_id>/shipments")
class ShipOrderLines(MethodView):
    @blp.arguments(ShipmentCreateSchema)
    @blp.response(201, ShipmentDetailSchema)
    @blp.alt_response(409, description="OVER_SHIPMENT (more than reserved), INVALID_STATUS (not reserved)")
    def post(self, body: dict[str, Any], order_id: int) -> tuple[dict[str, Any], dict[str, str]]:
        """Ship reserved quantities (partial shipments allowed): sales.OrderShipped.v1, with the invoice figures."""
        lines = [ShipLine(ln["line_no"], ln["quantity"]) for ln in body.pop("lines")]
        found = shipments.ship_order(current_db(), ShipOrder(order_id, lines, **body), current_actor())
        return found, {"Location": url_for("sales_shipments.ShipmentById", shipment_id=found["id"])}


@blp.route("/<int:order_id>/returns")
class ReturnOrderLines(MethodView):
    @blp.arguments(ReturnCreateSchema)
    @blp.response(201, ReturnDetailSchema)
    @blp.alt_response(409, description="OVER_RETURN (more than shipped), INVALID_STATUS (nothing shipped)")
    @blp.alt_response(422, description="UNKNOWN_WAREHOUSE, INACTIVE_WAREHOUSE")
    def post(self, body: dict[str, Any], order_id: int) -> tuple[dict[str, Any], dict[str, str]]:
        """Receive goods the customer sent back against shipped lines: sales.ReturnReceived.v1, published once."""
        lines = [ReturnLine(ln["order_line_no"], ln["quantity"], ln["condition"]) for ln in body.pop("lines")]
        found = shipments.receive_return(current_db(), ReceiveReturn(order_id, lines, **body), current_actor())
        return found, {"Location": url_for("sales_returns.ReturnById", return_id=found["id"])}
