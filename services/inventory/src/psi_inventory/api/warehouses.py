"""Warehouses: /api/v1/inventory/warehouses."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_inventory.adapters.catalog import list_warehouses
from psi_inventory.api.schemas import (
    WarehouseCreateSchema,
    WarehousePage,
    WarehousePatchSchema,
    WarehouseQueryArgs,
    WarehouseSchema,
)
from psi_inventory.domain.commands import NewWarehouse
from psi_inventory.service import catalog

blp = Blueprint("warehouses", __name__, url_prefix="/api/v1/inventory/warehouses", description="Warehouses")


@blp.route("")
class Warehouses(MethodView):
    @blp.arguments(WarehouseQueryArgs, location="query")
    @blp.response(200, WarehousePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Warehouses in code order, optionally only the active (or inactive) ones."""
        with current_db().unit_of_work() as session:
            found, total = list_warehouses(
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
        return catalog.find_warehouse(current_db(), code)

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
