"""GET stock balances: /api/v1/inventory/stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

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
    warehouses = fields.List(fields.Nested(BalanceSchema), required=True)


BalancePage = page_schema(BalanceSchema, "BalancePage")


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
            "warehouses": rows,
        }
