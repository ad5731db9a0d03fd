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
from psi_sales.api.schemas import OrderCreateSchema, OrderDetailSchema, OrderPage, OrderQueryArgs
from psi_sales.domain.commands import DraftLine, DraftOrder
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
        """One order with its lines and the record of each line's price."""
        return service.get_order(current_db(), order_id)
