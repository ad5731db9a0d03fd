"""Price lists, discount rules and price quotes: /api/v1/sales/price-lists, /discount-rules, /price-quotes."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import filters_of, page_of
from psi_chassis.app import current_db
from psi_chassis.types import utcnow
from psi_chassis.web import current_actor
from psi_sales import config
from psi_sales.adapters import pricing as store
from psi_sales.api.schemas import (
    DiscountRuleCreateSchema,
    DiscountRulePage,
    DiscountRuleQueryArgs,
    DiscountRuleSchema,
    PriceListCreateSchema,
    PriceListDetailSchema,
    PriceListPage,
    PriceListQueryArgs,
    QuoteRequestSchema,
    QuoteSchema,
)
from psi_sales.domain.discount_rules import NewDiscountRule
from psi_sales.domain.errors import PriceListNotFound
from psi_sales.domain.pricing import LineToPrice, RuleKind
from psi_sales.service import pricing as service

blp = Blueprint(
    "pricing", __name__, url_prefix="/api/v1/sales", description="Price lists, discount rules and quotes (销售折扣规则)"
)


@blp.route("/price-lists")
class PriceLists(MethodView):
    @blp.arguments(PriceListQueryArgs, location="query")
    @blp.response(200, PriceListPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Price lists, oldest first; filter by scope, currency, class or customer."""
        filters = filters_of(args)
        with current_db().unit_of_work() as session:
            items, total = store.list_price_lists(session, filters, args["page"], args["page_size"])
        return page_of(items, args, total)

    @blp.arguments(PriceListCreateSchema)
    @blp.response(201, PriceListDetailSchema)
    @blp.alt_response(422, description="PRICING_RULE_VIOLATION, UNKNOWN_CUSTOMER_CLASS")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """A price list (general, for a class or for one customer) with its lines and quantity breaks."""
        found = service.create_price_list(current_db(), body)
        return found, {"Location": url_for("pricing.PriceListById", price_list_id=found["id"])}


@blp.route("/price-lists/<int:price_list_id>")
class PriceListById(MethodView):
    @blp.response(200, PriceListDetailSchema)
    @blp.alt_response(404, description="PRICE_LIST_NOT_FOUND")
    def get(self, price_list_id: int) -> dict[str, Any]:
        """One price list with its lines."""
        with current_db().unit_of_work() as session:
            found = store.price_list(session, price_list_id)
        if found is None:
            raise PriceListNotFound(f"price list {price_list_id} does not exist")
        return found


@blp.route("/discount-rules")
class DiscountRules(MethodView):
    @blp.arguments(DiscountRuleQueryArgs, location="query")
    @blp.response(200, DiscountRulePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Discount rules, oldest first; filter by kind, class, SKU, category, active."""
        filters = filters_of(args)
        with current_db().unit_of_work() as session:
            items, total = store.list_rules(session, filters, args["page"], args["page_size"])
        return page_of(items, args, total)

    @blp.arguments(DiscountRuleCreateSchema)
    @blp.response(201, DiscountRuleSchema)
    @blp.alt_response(422, description="PRICING_RULE_VIOLATION, UNKNOWN_CUSTOMER_CLASS")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """A class discount, a quantity break or a dated promotion."""
        return service.create_discount_rule(current_db(), NewDiscountRule(**{**body, "kind": RuleKind(body["kind"])}))


@blp.route("/discount-rules/<int:rule_id>/deactivate")
class DiscountRuleDeactivation(MethodView):
    @blp.response(200, DiscountRuleSchema)
    @blp.alt_response(404, description="DISCOUNT_RULE_NOT_FOUND")
    def post(self, rule_id: int) -> dict[str, Any]:
        """Stop a rule from pricing anything from now on (it is kept: lines priced by it name it)."""
        return service.deactivate_discount_rule(current_db(), rule_id)


@blp.route("/price-quotes")
class PriceQuotes(MethodView):
    @blp.arguments(QuoteRequestSchema)
    @blp.response(200, QuoteSchema)
    @blp.alt_response(403, description="DISCOUNT_NEEDS_MANAGER: a manual discount above the cap")
    @blp.alt_response(422, description="UNKNOWN_SKU, INACTIVE_SKU, NO_PRICE")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """What lines would cost a customer on a date, and why (list price, each discount, net); writes nothing."""
        lines = [LineToPrice(ln["sku"], None, ln["quantity"], ln["manual_discount_percent"]) for ln in body["lines"]]
        on = body["on"] or utcnow().date()
        return service.quote(
            current_db(), body["customer_id"], lines, on, current_actor(), config.rules().manual_discount_cap
        )
