"""GET stock balances: /api/v1/inventory/stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from psi_chassis.api_schemas import PageArgs, money, page_of, page_schema
from psi_chassis.app import current_db
from psi_chassis.errors import NotFound
from psi_inventory.api.adjustments import DateRangeArgs, query_time, range_of
from psi_inventory.config import base_currency
from psi_inventory.service import queries

blp = Blueprint("stock", __name__, url_prefix="/api/v1/inventory/stock", description="Stock balances")


class BalanceSchema(Schema):
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    on_hand = money()
    reserved = money()
    available = money()
    value = money()
    value_fifo = money()
    updated_at = fields.AwareDateTime(required=True)


class StockQueryArgs(PageArgs):
    sku = fields.String()
    warehouse_code = fields.String()


class SkuStockSchema(Schema):
    sku = fields.String(required=True)
    on_hand = money()
    reserved = money()
    available = money()
    value = money()
    value_fifo = money()
    warehouses = fields.List(fields.Nested(BalanceSchema), required=True)


BalancePage = page_schema(BalanceSchema, "BalancePage")


class AsOfArgs(PageArgs):
    at = query_time("Business time, ISO 8601 with offset", required=True)
    sku = fields.String()
    warehouse_code = fields.String(metadata={"description": "Stock in transit is shown at its destination"})


class AsOfSchema(Schema):
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    on_hand = money()
    value = money()
    value_fifo = money()
    in_transit = money()
    in_transit_value = money()
    in_transit_value_fifo = money()
    as_of = fields.AwareDateTime(required=True)


class AsOfTotalsSchema(Schema):
    value = money()
    value_fifo = money()
    in_transit_value = money()
    in_transit_value_fifo = money()
    total_value = money()
    total_value_fifo = money()


class AsOfPageSchema(page_schema(AsOfSchema, "StockAsOfRows")):  # type: ignore[misc]
    totals = fields.Nested(
        AsOfTotalsSchema,
        required=True,
        metadata={"description": "Over every row the filters match, not only this page"},
    )


class StockCardArgs(DateRangeArgs):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    warehouse_code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class CardBalanceSchema(Schema):
    quantity = money()
    value = money()
    value_fifo = money()


class StockCardLineSchema(Schema):
    move_id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True)
    document_ref = fields.String(allow_none=True)
    line_no = fields.Integer(allow_none=True)
    reason_code = fields.String(allow_none=True)
    quantity = money()
    unit_cost = money()
    value = money()
    value_fifo = money()
    balance_quantity = money()
    balance_value = money()
    balance_value_fifo = money()


class StockCardSchema(page_schema(StockCardLineSchema, "StockCardRows")):  # type: ignore[misc]
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    date_from = fields.AwareDateTime(allow_none=True, data_key="from", attribute="from")
    date_to = fields.AwareDateTime(allow_none=True, data_key="to", attribute="to")
    opening = fields.Nested(CardBalanceSchema, required=True, metadata={"description": "Balance before 'from'"})
    closing = fields.Nested(CardBalanceSchema, required=True, metadata={"description": "Balance at 'to' (or now)"})


class StockValueArgs(Schema):
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))


class ValuesSchema(Schema):
    value = money()
    value_fifo = money()
    books_value = money()


class WarehouseValueSchema(ValuesSchema):
    warehouse_code = fields.String(required=True)
    valuation_method = fields.String(required=True)


class StockValueSchema(Schema):
    currency = fields.String(required=True)
    warehouses = fields.List(fields.Nested(WarehouseValueSchema), required=True)
    in_transit = fields.Nested(
        ValuesSchema, required=True, metadata={"description": "Transfers on their way (books: the source's method)"}
    )
    total = fields.Nested(ValuesSchema, required=True)


class LowStockArgs(PageArgs):
    warehouse_code = fields.String()


class LowStockSchema(Schema):
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    name = fields.String(required=True)
    on_hand = money()
    reserved = money()
    available = money()
    reorder_point = money()
    reorder_quantity = money()
    safety_stock = money()


LowStockPage = page_schema(LowStockSchema, "LowStockPage")
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
        with current_db().unit_of_work() as session:
            rows = queries.balances_of_sku(session, sku)
        if not rows:
            raise NotFound(f"no stock has ever been recorded for SKU {sku}", code="SKU_NOT_FOUND")
        return {
            "sku": sku,
            "on_hand": sum((r["on_hand"] for r in rows), Decimal(0)),
            "reserved": sum((r["reserved"] for r in rows), Decimal(0)),
            "available": sum((r["available"] for r in rows), Decimal(0)),
            "value": sum((r["value"] for r in rows), Decimal(0)),
            "value_fifo": sum((r["value_fifo"] for r in rows), Decimal(0)),
            "warehouses": rows,
        }
