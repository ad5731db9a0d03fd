"""Warehouses: /api/v1/inventory/warehouses."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from psi_chassis.api_schemas import PageArgs, StrictSchema, page_of, page_schema, trimmed
from psi_chassis.app import current_db
from psi_contracts.schema import StrictBoolean
from psi_inventory.domain.catalog import (
    DEFAULT_VALUATION_METHOD,
    VALUATION_METHODS,
    WAREHOUSE_CODE_PATTERN,
    WAREHOUSE_CODE_RULE,
    NewWarehouse,
    WarehouseNotFound,
    is_valid_warehouse_code,
)
from psi_inventory.service import catalog

blp = Blueprint("warehouses", __name__, url_prefix="/api/v1/inventory/warehouses", description="Warehouses")

_METHOD_DOC = {"description": "Which valuation the books use: moving_average or fifo. Both values are always kept."}


def _code(value: str) -> None:
    if not is_valid_warehouse_code(value):
        raise ValidationError(f"Must be {WAREHOUSE_CODE_RULE}.")


def _name(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=200), trimmed], **kwargs)


def _method(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(VALUATION_METHODS), metadata=_METHOD_DOC, **kwargs)


class WarehouseCreateSchema(StrictSchema):
    code = fields.String(
        required=True,
        validate=_code,
        metadata={"pattern": WAREHOUSE_CODE_PATTERN, "description": WAREHOUSE_CODE_RULE + "."},
    )
    name = _name(required=True)
    valuation_method = _method(load_default=DEFAULT_VALUATION_METHOD)


class WarehousePatchSchema(StrictSchema):
    name = _name()
    active = StrictBoolean(required=False)
    valuation_method = _method()

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("Give at least one field to change.")


class WarehouseSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True)
    valuation_method = fields.String(required=True, metadata=_METHOD_DOC)
    version = fields.Integer(required=True, metadata={"description": "1 on creation, one higher per change"})
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class WarehouseQueryArgs(PageArgs):
    active = fields.Boolean()


WarehousePage = page_schema(WarehouseSchema, "WarehousePage")


@blp.route("")
class Warehouses(MethodView):
    @blp.arguments(WarehouseQueryArgs, location="query")
    @blp.response(200, WarehousePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Warehouses in code order, optionally only the active (or inactive) ones."""
        with current_db().unit_of_work() as session:
            found, total = catalog.list_warehouses(
                session, active=args.get("active"), page=args["page"], page_size=args["page_size"]
            )
        return page_of(found, args, total)

    @blp.arguments(WarehouseCreateSchema)
    @blp.response(201, WarehouseSchema)
    @blp.alt_response(409, description="WAREHOUSE_CODE_TAKEN")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Add a warehouse, with a zero balance row for every item already in the item master.

        Publishes inventory.WarehouseCreated.v1 (the whole record, version 1).
        """
        warehouse = catalog.create_warehouse(current_db(), NewWarehouse(**body))
        return warehouse, {"Location": url_for("warehouses.WarehouseByCode", code=warehouse["code"])}


@blp.route("/<string:code>")
class WarehouseByCode(MethodView):
    @blp.response(200, WarehouseSchema)
    @blp.alt_response(404, description="WAREHOUSE_NOT_FOUND")
    def get(self, code: str) -> dict[str, Any]:
        """One warehouse."""
        with current_db().unit_of_work() as session:
            warehouse = catalog.get_warehouse(session, code)
        if warehouse is None:
            raise WarehouseNotFound(f"warehouse {code} does not exist")
        return warehouse

    @blp.arguments(WarehousePatchSchema)
    @blp.response(200, WarehouseSchema)
    @blp.alt_response(404, description="WAREHOUSE_NOT_FOUND")
    def patch(self, body: dict[str, Any], code: str) -> dict[str, Any]:
        """Rename, (de)activate or switch the valuation method of a warehouse.

        Moving-average and FIFO values are both kept for every move and balance, so switching the method is
        allowed and loses nothing, but it changes which value the books use from now on: later issues are costed,
        and reported to finance, by the new method; moves already posted keep their cost. A change publishes
        inventory.WarehouseUpdated.v1 (the whole record, the next version).
        """
        return catalog.update_warehouse(current_db(), code, body)


@blp.route("/<string:code>/deactivate")
class DeactivateWarehouse(MethodView):
    @blp.response(200, WarehouseSchema)
    @blp.alt_response(404, description="WAREHOUSE_NOT_FOUND")
    def post(self, code: str) -> dict[str, Any]:
        """Mark the warehouse inactive: no new document may name it (already inactive: answered unchanged).

        Its stock stays on the books. Publishes inventory.WarehouseUpdated.v1.
        """
        return catalog.deactivate_warehouse(current_db(), code)
