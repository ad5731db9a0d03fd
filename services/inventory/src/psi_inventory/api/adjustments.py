"""Manual stock adjustments: /api/v1/inventory/adjustments.

Also home of the request pieces the three document APIs (adjustments, transfers, stocktakes) share: decimal
strings in, field rules for SKUs and warehouse codes, and decimals as strings out. Requests are strict (an
unknown field is a 422); a JSON number is refused where a decimal is expected, because a float cannot carry
``0.1`` exactly.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_inventory.api.schemas import (
    AdjustmentCreateSchema,
    AdjustmentPage,
    AdjustmentQueryArgs,
    AdjustmentSchema,
    range_of,
)
from psi_inventory.domain.commands import AdjustmentLine, PostAdjustment
from psi_inventory.service.adjustments import get_adjustment, list_adjustments, post_adjustment

blp = Blueprint(
    "adjustments", __name__, url_prefix="/api/v1/inventory/adjustments", description="Manual stock adjustments"
)


@blp.route("")
class Adjustments(MethodView):
    @blp.arguments(AdjustmentQueryArgs, location="query")
    @blp.response(200, AdjustmentPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Adjustments, newest first; filter by warehouse, reason, SKU and business time (from, to)."""
        with current_db().unit_of_work() as session:
            found, total = list_adjustments(
                session,
                warehouse_code=args.get("warehouse_code"),
                reason_code=args.get("reason_code"),
                sku=args.get("sku"),
                **range_of(args),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(found, args, total)

    @blp.arguments(AdjustmentCreateSchema)
    @blp.response(201, AdjustmentSchema)
    @blp.alt_response(409, description="INSUFFICIENT_STOCK: a removal would take reserved or missing stock")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Post a manual adjustment at once; publishes inventory.StockAdjusted.v1 through the outbox.

        422 with field errors for an unknown SKU, an unknown or inactive warehouse, a repeated SKU, or a unit
        cost on a removal. Nothing is written when anything is refused.
        """
        lines = tuple(AdjustmentLine(ln["sku"], ln["quantity"], ln.get("unit_cost")) for ln in body["lines"])
        view = post_adjustment(
            current_db(),
            PostAdjustment(
                warehouse_code=body["warehouse_code"],
                reason_code=body["reason_code"],
                lines=lines,
                occurred_at=body.get("occurred_at"),
                note=body.get("note"),
            ),
        )
        return view, {"Location": url_for("adjustments.AdjustmentById", document_id=view["id"])}


@blp.route("/<int:document_id>")
class AdjustmentById(MethodView):
    @blp.response(200, AdjustmentSchema)
    @blp.alt_response(404, description="ADJUSTMENT_NOT_FOUND")
    def get(self, document_id: int) -> dict[str, Any]:
        """One adjustment with its lines as booked (signed quantities and values, cost per unit)."""
        return get_adjustment(current_db(), document_id)
