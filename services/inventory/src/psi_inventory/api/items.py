"""The item master: /api/v1/inventory/items.

Requests are strict (an unknown field is a 422). Quantities are decimal strings both ways: a JSON number is
refused on the way in, and every decimal is a string on the way out. Items are never deleted, only deactivated.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_inventory.adapters.catalog import list_items
from psi_inventory.api.schemas import (
    ItemCreateSchema,
    ItemPage,
    ItemPatchSchema,
    ItemQueryArgs,
    ItemSchema,
)
from psi_inventory.domain.commands import NewItem
from psi_inventory.service import catalog

blp = Blueprint("items", __name__, url_prefix="/api/v1/inventory/items", description="Item master")


@blp.route("")
class Items(MethodView):
    @blp.arguments(ItemQueryArgs, location="query")
    @blp.response(200, ItemPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Items in SKU order, optionally searched (``q``) and filtered by category and active flag."""
        with current_db().unit_of_work() as session:
            found, total = list_items(
                session,
                q=args.get("q") or None,
                category=args.get("category"),
                active=args.get("active"),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(found, args, total)

    @blp.arguments(ItemCreateSchema)
    @blp.response(201, ItemSchema)
    @blp.alt_response(409, description="SKU_TAKEN or BARCODE_TAKEN (in any GTIN spelling)")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Add an item (version 1) with a zero balance in every warehouse; publishes inventory.ItemCreated.v1.

        422 INVALID_REORDER_SETTINGS when reorder_point is set without reorder_quantity, or the safety stock is
        above the reorder point. An item with a reorder point starts below it (nothing is in stock), so each
        warehouse also announces inventory.StockBelowReorderPoint.v1.
        """
        item = catalog.create_item(current_db(), NewItem(**body))
        return item, {"Location": url_for("items.ItemBySku", sku=item["sku"])}


@blp.route("/<string:sku>")
class ItemBySku(MethodView):
    @blp.response(200, ItemSchema)
    @blp.alt_response(404, description="ITEM_NOT_FOUND")
    def get(self, sku: str) -> dict[str, Any]:
        """One item."""
        return catalog.find_item(current_db(), sku)

    @blp.arguments(ItemPatchSchema)
    @blp.response(200, ItemSchema)
    @blp.alt_response(404, description="ITEM_NOT_FOUND")
    @blp.alt_response(409, description="BARCODE_TAKEN")
    def patch(self, body: dict[str, Any], sku: str) -> dict[str, Any]:
        """Change the item's master data; publishes inventory.ItemUpdated.v1 (whole record, version + 1).

        Fields given with their current value change nothing; a request that changes nothing keeps the version
        and publishes nothing. A new reorder point re-evaluates the low-stock flag in every warehouse.
        422 INVALID_REORDER_SETTINGS when the settings after the change do not fit together.
        """
        return catalog.update_item(current_db(), sku, body)


@blp.route("/<string:sku>/deactivate")
class DeactivateItem(MethodView):
    @blp.response(200, ItemSchema)
    @blp.alt_response(404, description="ITEM_NOT_FOUND")
    def post(self, sku: str) -> dict[str, Any]:
        """Deactivate the item (version + 1, inventory.ItemUpdated.v1); an inactive item is answered unchanged.

        Stock already held stays on the books; PATCH ``{"active": true}`` brings the item back.
        """
        return catalog.deactivate_item(current_db(), sku)
