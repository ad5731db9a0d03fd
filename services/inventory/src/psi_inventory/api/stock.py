"""GET stock balances: /api/v1/inventory/stock."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_inventory.adapters import queries
from psi_inventory.api.schemas import (
    AsOfArgs,
    AsOfPageSchema,
    BalancePage,
    LowStockArgs,
    LowStockPage,
    SkuStockSchema,
    StockCardArgs,
    StockCardSchema,
    StockQueryArgs,
    StockValueArgs,
    StockValueSchema,
    range_of,
)
from psi_inventory.config import base_currency
from psi_inventory.service.queries import stock_of_sku

blp = Blueprint("stock", __name__, url_prefix="/api/v1/inventory/stock", description="Stock balances")


as_of_blp = Blueprint("stock_as_of", __name__, url_prefix="/api/v1/inventory", description="Stock reports")


@as_of_blp.route("/stock-as-of")
class StockAsOf(MethodView):
    @as_of_blp.arguments(AsOfArgs, location="query")
    @as_of_blp.response(200, AsOfPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """On hand and value per SKU and warehouse at a past business time, from the ledger, with the stock in
        transit towards each warehouse at that time, and the totals (stock in transit counted in)."""
        with current_db().unit_of_work() as session:
            found, total, totals = queries.stock_as_of(
                session,
                args["at"],
                sku=args.get("sku"),
                warehouse_code=args.get("warehouse_code"),
                page=args["page"],
                page_size=args["page_size"],
            )
        return {**page_of(found, args, total), "totals": totals}


@as_of_blp.route("/stock-card")
class StockCard(MethodView):
    @as_of_blp.arguments(StockCardArgs, location="query")
    @as_of_blp.response(200, StockCardSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The stock card (库存流水) of one SKU in one warehouse: each move in business-time order with the
        running balance and value after it, the opening balance at 'from' and the closing balance."""
        with current_db().unit_of_work() as session:
            return queries.stock_card(
                session,
                args["sku"],
                args["warehouse_code"],
                **range_of(args),
                page=args["page"],
                page_size=args["page_size"],
            )


@as_of_blp.route("/stock-value")
class StockValue(MethodView):
    @as_of_blp.arguments(StockValueArgs, location="query")
    @as_of_blp.response(200, StockValueSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The value of the stock now, per warehouse and overall: moving average, FIFO and the books' method,
        with the stock in transit between warehouses in the overall total."""
        with current_db().unit_of_work() as session:
            value = queries.stock_value(session, warehouse_code=args.get("warehouse_code"))
        return {"currency": base_currency(), **value}


@as_of_blp.route("/low-stock")
class LowStock(MethodView):
    @as_of_blp.arguments(LowStockArgs, location="query")
    @as_of_blp.response(200, LowStockPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Items whose available quantity is below their reorder point."""
        with current_db().unit_of_work() as session:
            found, total = queries.below_reorder_point(
                session, warehouse_code=args.get("warehouse_code"), page=args["page"], page_size=args["page_size"]
            )
        return page_of(found, args, total)


@blp.route("")
class StockList(MethodView):
    @blp.arguments(StockQueryArgs, location="query")
    @blp.response(200, BalancePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Balances per SKU and warehouse, filtered and paginated."""
        with current_db().unit_of_work() as session:
            items, total = queries.list_balances(
                session,
                sku=args.get("sku"),
                warehouse_code=args.get("warehouse_code"),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(items, args, total)


@blp.route("/<string:sku>")
class StockOfSku(MethodView):
    @blp.response(200, SkuStockSchema)
    def get(self, sku: str) -> dict[str, Any]:
        """One SKU's stock: totals over warehouses and the balance in each."""
        return stock_of_sku(current_db(), sku)
