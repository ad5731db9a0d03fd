"""Quotations: /api/v1/sales/quotations."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import filters_of, page_of
from psi_chassis.app import current_db
from psi_chassis.web import current_actor
from psi_sales import config
from psi_sales.api.schemas import (
    OrderDetailSchema,
    QuotationCancelSchema,
    QuotationConvertSchema,
    QuotationCreateSchema,
    QuotationDetailSchema,
    QuotationPage,
    QuotationQueryArgs,
)
from psi_sales.domain.commands import DraftLine
from psi_sales.domain.quotation import NewQuotation, Pricing
from psi_sales.service import quotations as service

_CREATE_422 = "UNKNOWN_CUSTOMER, UNKNOWN_SKU, INACTIVE_SKU, UNKNOWN_WAREHOUSE, NO_PRICE, QUOTATION_RULE_VIOLATION"

blp = Blueprint("sales_quotations", __name__, url_prefix="/api/v1/sales/quotations", description="Quotations (报价)")


@blp.route("")
class Quotations(MethodView):
    @blp.arguments(QuotationQueryArgs, location="query")
    @blp.response(200, QuotationPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Quotations, newest first; by status (expired: open past its date), customer, salesperson, quote date."""
        items, total = service.list_quotations(current_db(), filters_of(args), args["page"], args["page_size"])
        return page_of(items, args, total)

    @blp.arguments(QuotationCreateSchema)
    @blp.response(201, QuotationDetailSchema)
    @blp.alt_response(403, description="DISCOUNT_NEEDS_MANAGER: a manual discount above the cap")
    @blp.alt_response(409, description="CUSTOMER_BLOCKED")
    @blp.alt_response(422, description=_CREATE_422)
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """A quotation, every line priced on the quote date as an order's line, valid until a date."""
        cmd = NewQuotation(**{**body, "lines": [DraftLine(**line) for line in body["lines"]]})
        found = service.create_quotation(current_db(), cmd, current_actor(), config.rules().manual_discount_cap)
        return found, {"Location": url_for("sales_quotations.QuotationById", quotation_id=found["id"])}


@blp.route("/<int:quotation_id>")
class QuotationById(MethodView):
    @blp.response(200, QuotationDetailSchema)
    @blp.alt_response(404, description="QUOTATION_NOT_FOUND")
    def get(self, quotation_id: int) -> dict[str, Any]:
        """One quotation with its lines and the record of each line's price."""
        return service.get_quotation(current_db(), quotation_id)


@blp.route("/<int:quotation_id>/convert")
class ConvertQuotation(MethodView):
    @blp.arguments(QuotationConvertSchema)
    @blp.response(201, OrderDetailSchema)
    @blp.alt_response(403, description="DISCOUNT_NEEDS_MANAGER: repriced, a manual discount above the cap")
    @blp.alt_response(404, description="QUOTATION_NOT_FOUND")
    @blp.alt_response(
        409, description="QUOTATION_NOT_OPEN, QUOTATION_EXPIRED, QUOTATION_CURRENCY_CHANGED (kept), CUSTOMER_BLOCKED"
    )
    @blp.alt_response(422, description="UNKNOWN_SKU, INACTIVE_SKU, UNKNOWN_WAREHOUSE, NO_PRICE (repriced)")
    def post(self, body: dict[str, Any], quotation_id: int) -> tuple[dict[str, Any], dict[str, str]]:
        """A draft order from an open quotation: its prices kept, or its lines priced again on the order date."""
        order = service.convert_quotation(
            current_db(),
            quotation_id,
            Pricing(body["pricing"]),
            body["order_date"],
            current_actor(),
            config.rules().manual_discount_cap,
        )
        return order, {"Location": url_for("sales_orders.OrderById", order_id=order["id"])}


@blp.route("/<int:quotation_id>/cancel")
class CancelQuotation(MethodView):
    @blp.arguments(QuotationCancelSchema, required=False)
    @blp.response(200, QuotationDetailSchema)
    @blp.alt_response(404, description="QUOTATION_NOT_FOUND")
    @blp.alt_response(409, description="QUOTATION_NOT_OPEN: converted or cancelled already")
    def post(self, body: dict[str, Any] | None, quotation_id: int) -> dict[str, Any]:
        """Cancel an open quotation (an expired one too), with an optional reason."""
        return service.cancel_quotation(current_db(), quotation_id, (body or {}).get("reason"), current_actor())
