"""Suppliers: /api/v1/purchasing/suppliers."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_purchasing.adapters import queries
from psi_purchasing.api.schemas import (
    SupplierCreateSchema,
    SupplierPage,
    SupplierPriceCreateSchema,
    SupplierPricePage,
    SupplierPriceQueryArgs,
    SupplierPriceSchema,
    SupplierQueryArgs,
    SupplierSchema,
    SupplierUpdateSchema,
)
from psi_purchasing.domain.commands import CreateSupplier
from psi_purchasing.service import reads
from psi_purchasing.service.suppliers import add_price, create_supplier, update_supplier

blp = Blueprint("suppliers", __name__, url_prefix="/api/v1/purchasing/suppliers", description="Suppliers")


@blp.route("")
class Suppliers(MethodView):
    @blp.arguments(SupplierQueryArgs, location="query")
    @blp.response(200, SupplierPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Suppliers, optionally filtered by status, in the order they were created."""
        with current_db().unit_of_work() as session:
            items, total = queries.list_suppliers(
                session, status=args.get("status"), page=args["page"], page_size=args["page_size"]
            )
        return page_of(items, args, total)

    @blp.arguments(SupplierCreateSchema)
    @blp.response(201, SupplierSchema)
    @blp.alt_response(409, description="SUPPLIER_CODE_TAKEN: the code belongs to another supplier")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Register a supplier. The code is unique."""
        supplier = create_supplier(current_db(), CreateSupplier(**body))
        return supplier, {"Location": url_for("suppliers.SupplierById", supplier_id=supplier["id"])}


@blp.route("/<int:supplier_id>")
class SupplierById(MethodView):
    @blp.response(200, SupplierSchema)
    @blp.alt_response(404, description="SUPPLIER_NOT_FOUND")
    def get(self, supplier_id: int) -> dict[str, Any]:
        """One supplier."""
        with current_db().unit_of_work() as session:
            return reads.supplier(session, supplier_id)

    @blp.arguments(SupplierUpdateSchema)
    @blp.response(200, SupplierSchema)
    @blp.alt_response(404, description="SUPPLIER_NOT_FOUND")
    def patch(self, body: dict[str, Any], supplier_id: int) -> dict[str, Any]:
        """Change a supplier's name, contact, currency, terms, lead time or status (a blocked supplier gets no
        new orders: creating or submitting one is 409 SUPPLIER_BLOCKED)."""
        return update_supplier(current_db(), supplier_id, body)


@blp.route("/<int:supplier_id>/prices")
class SupplierPrices(MethodView):
    @blp.arguments(SupplierPriceQueryArgs, location="query")
    @blp.response(200, SupplierPricePage)
    @blp.alt_response(404, description="SUPPLIER_NOT_FOUND")
    def get(self, args: dict[str, Any], supplier_id: int) -> dict[str, Any]:
        """A supplier's price list, by SKU and minimum quantity."""
        with current_db().unit_of_work() as session:
            items, total = reads.prices_of_supplier(
                session, supplier_id, sku=args.get("sku"), page=args["page"], page_size=args["page_size"]
            )
        return page_of(items, args, total)

    @blp.arguments(SupplierPriceCreateSchema)
    @blp.response(201, SupplierPriceSchema)
    @blp.alt_response(404, description="SUPPLIER_NOT_FOUND")
    def post(self, body: dict[str, Any], supplier_id: int) -> dict[str, Any]:
        """Add a price: per SKU, currency (default the supplier's), minimum quantity and validity.

        An order line without a price takes the entry valid on the order date with the highest minimum
        quantity it reaches."""
        return add_price(current_db(), supplier_id, **body)
