"""The item master: /api/v1/inventory/items.

Requests are strict (an unknown field is a 422). Quantities are decimal strings both ways: a JSON number is
refused on the way in, and every decimal is a string on the way out. Items are never deleted, only deactivated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from psi_chassis.api_schemas import (
    NON_NEGATIVE,
    POSITIVE,
    DecimalString,
    PageArgs,
    StrictSchema,
    money,
    page_of,
    page_schema,
    trimmed,
)
from psi_chassis.app import current_db
from psi_contracts.schema import StrictBoolean
from psi_inventory.domain.catalog import (
    SKU_PATTERN,
    SKU_RULE,
    ItemNotFound,
    NewItem,
    barcode_problem,
    is_valid_sku,
)
from psi_inventory.service import catalog

blp = Blueprint("items", __name__, url_prefix="/api/v1/inventory/items", description="Item master")


def _sku(value: str) -> None:
    if not is_valid_sku(value):
        raise ValidationError(f"Must be {SKU_RULE}.")


def _gtin(value: str) -> None:
    problem = barcode_problem(value)
    if problem is not None:
        raise ValidationError(problem)


def _name() -> fields.String:
    return fields.String(required=True, validate=[validate.Length(min=1, max=200), trimmed])


def _unit(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=16), trimmed], **kwargs)


def _category(**kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, validate=[validate.Length(min=1, max=64), trimmed], **kwargs)


def _barcode(**kwargs: Any) -> fields.String:
    return fields.String(
        allow_none=True,
        validate=_gtin,
        metadata={"description": "A GTIN with a valid check digit: EAN-8, UPC-A (12), EAN-13 or GTIN-14 digits."},
        **kwargs,
    )


_REORDER_POINT_DOC = {"description": "Low-stock threshold on available stock; null: never low. Decimal string >= 0."}
_REORDER_QTY_DOC = {"description": "Suggested order quantity; required when reorder_point is set. Decimal > 0."}


class ItemCreateSchema(StrictSchema):
    sku = fields.String(
        required=True,
        validate=_sku,
        metadata={"pattern": SKU_PATTERN, "description": "Case-sensitive, kept as given. " + SKU_RULE + "."},
    )
    name = _name()
    unit_of_measure = _unit(load_default="pcs")
    category = _category(load_default=None)
    barcode = _barcode(load_default=None)
    reorder_point = DecimalString(sign=NON_NEGATIVE, allow_none=True, load_default=None, metadata=_REORDER_POINT_DOC)
    reorder_quantity = DecimalString(sign=POSITIVE, allow_none=True, load_default=None, metadata=_REORDER_QTY_DOC)
    safety_stock = DecimalString(sign=NON_NEGATIVE, load_default=Decimal(0))


class ItemPatchSchema(StrictSchema):
    """Any of the item's master data; ``null`` clears category, barcode, reorder point and reorder quantity."""

    name = fields.String(validate=[validate.Length(min=1, max=200), trimmed])
    unit_of_measure = _unit()
    category = _category()
    barcode = _barcode()
    reorder_point = DecimalString(sign=NON_NEGATIVE, allow_none=True, metadata=_REORDER_POINT_DOC)
    reorder_quantity = DecimalString(sign=POSITIVE, allow_none=True, metadata=_REORDER_QTY_DOC)
    safety_stock = DecimalString(sign=NON_NEGATIVE)
    active = StrictBoolean(required=False)

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("Give at least one field to change.")


def _optional_quantity() -> fields.Decimal:
    return fields.Decimal(
        as_string=True, required=True, allow_none=True, metadata={"type": "string", "format": "decimal"}
    )


class ItemSchema(Schema):
    sku = fields.String(required=True)
    name = fields.String(required=True)
    unit_of_measure = fields.String(required=True)
    category = fields.String(required=True, allow_none=True)
    barcode = fields.String(required=True, allow_none=True)
    reorder_point = _optional_quantity()
    reorder_quantity = _optional_quantity()
    safety_stock = money()
    active = fields.Boolean(required=True)
    version = fields.Integer(required=True, metadata={"description": "1 on creation, +1 with every change"})
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class ItemQueryArgs(PageArgs):
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Case-insensitive substring of the SKU, the name or the barcode"},
    )
    category = fields.String(validate=validate.Length(max=64))
    active = fields.Boolean()


ItemPage = page_schema(ItemSchema, "ItemPage")


@blp.route("")
class Items(MethodView):
    @blp.arguments(ItemQueryArgs, location="query")
    @blp.response(200, ItemPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Items in SKU order, optionally searched (``q``) and filtered by category and active flag."""
        with current_db().unit_of_work() as session:
            found, total = catalog.list_items(
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
        with current_db().unit_of_work() as session:
            item = catalog.get_item(session, sku)
        if item is None:
            raise ItemNotFound(f"item {sku} does not exist")
        return item

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
