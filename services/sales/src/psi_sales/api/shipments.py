"""Shipments, customer returns and backorders: /api/v1/sales/shipments, /returns, /backorders (a clerk's lists)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_sales.adapters import orders as order_store
from psi_sales.adapters import shipments as store
from psi_sales.api.schemas import (
    BackorderQueryArgs,
    DatedQueryArgs,
    OrderPage,
    ReturnDetailSchema,
    ReturnPage,
    ShipmentDetailSchema,
    ShipmentPage,
    ShipmentQueryArgs,
)
from psi_sales.domain.order import OrderStatus
from psi_sales.service import shipments as service

shipments_blp = Blueprint(
    "sales_shipments", __name__, url_prefix="/api/v1/sales/shipments", description="Shipments (销售发货)"
)
returns_blp = Blueprint(
    "sales_returns", __name__, url_prefix="/api/v1/sales/returns", description="Customer returns (销售退货)"
)
backorders_blp = Blueprint(
    "sales_backorders", __name__, url_prefix="/api/v1/sales/backorders", description="Backordered orders (缺货订单)"
)


@shipments_blp.route("")
class Shipments(MethodView):
    @shipments_blp.arguments(ShipmentQueryArgs, location="query")
    @shipments_blp.response(200, ShipmentPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Shipments, newest first; by order, customer, warehouse, status and date shipped."""
        with current_db().unit_of_work() as session:
            items, total = store.list_shipments(session, args, args["page"], args["page_size"])
        return page_of(items, args, total)


@shipments_blp.route("/<int:shipment_id>")
class ShipmentById(MethodView):
    @shipments_blp.response(200, ShipmentDetailSchema)
    @shipments_blp.alt_response(404, description="SHIPMENT_NOT_FOUND")
    def get(self, shipment_id: int) -> dict[str, Any]:
        return service.get_shipment(current_db(), shipment_id)


@returns_blp.route("")
class Returns(MethodView):
    @returns_blp.arguments(DatedQueryArgs, location="query")
    @returns_blp.response(200, ReturnPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Customer returns, newest first; by order, customer, warehouse and date received."""
        with current_db().unit_of_work() as session:
            items, total = store.list_returns(session, args, args["page"], args["page_size"])
        return page_of(items, args, total)


@returns_blp.route("/<int:return_id>")
class ReturnById(MethodView):
    @returns_blp.response(200, ReturnDetailSchema)
    @returns_blp.alt_response(404, description="SALES_RETURN_NOT_FOUND")
    def get(self, return_id: int) -> dict[str, Any]:
        return service.get_return(current_db(), return_id)


@backorders_blp.route("")
class Backorders(MethodView):
    @backorders_blp.arguments(BackorderQueryArgs, location="query")
    @backorders_blp.response(200, OrderPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Backordered orders, newest first, each with the lines inventory could not reserve."""
        filters = {
            "status": OrderStatus.BACKORDERED.value,
            **{k: args.get(k) for k in ("customer_id", "warehouse_code")},
        }
        with current_db().unit_of_work() as session:
            items, total = order_store.list_orders(session, filters, None, None, args["page"], args["page_size"])
        return page_of(items, args, total)
