"""GET stock balances: /api/v1/inventory/stock."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields

from psi_chassis.api_schemas import PageArgs, money, page_of, page_schema
from psi_chassis.app import current_db
from psi_chassis.errors import NotFound
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


def _representable(value: datetime) -> None:
    """Within what the database and UTC conversion can hold (year 1 at +01:00 is year 0 in UTC)."""
    try:
        value.astimezone(UTC)
    except OverflowError as exc:
        raise ValidationError("Must be a representable time.") from exc
    if not 1900 <= value.year <= 9999:
        raise ValidationError("Must be between the years 1900 and 9999.")


class AsOfArgs(PageArgs):
    at = fields.AwareDateTime(required=True, validate=_representable,
                              metadata={"description": "Business time, ISO 8601 with offset"})
    sku = fields.String()
    warehouse_code = fields.String()


class AsOfSchema(Schema):
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    on_hand = money()
    value = money()
    value_fifo = money()
    as_of = fields.AwareDateTime(required=True)


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


AsOfPage = page_schema(AsOfSchema, "StockAsOfPage")
LowStockPage = page_schema(LowStockSchema, "LowStockPage")
as_of_blp = Blueprint("stock_as_of", __name__, url_prefix="/api/v1/inventory", description="Stock reports")


@as_of_blp.route("/stock-as-of")
class StockAsOf(MethodView):
    @as_of_blp.arguments(AsOfArgs, location="query")
    @as_of_blp.response(200, AsOfPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """On hand and value per SKU and warehouse at a past business time, from the ledger."""
        with current_db().unit_of_work() as session:
            found, total = queries.stock_as_of(session, args["at"], sku=args.get("sku"),
                                               warehouse_code=args.get("warehouse_code"),
                                               page=args["page"], page_size=args["page_size"])
        return page_of(found, args, total)


@as_of_blp.route("/low-stock")
class LowStock(MethodView):
    @as_of_blp.arguments(LowStockArgs, location="query")
    @as_of_blp.response(200, LowStockPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Items whose available quantity is below their reorder point."""
        with current_db().unit_of_work() as session:
            found, total = queries.below_reorder_point(session, warehouse_code=args.get("warehouse_code"),
                                                       page=args["page"], page_size=args["page_size"])
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
