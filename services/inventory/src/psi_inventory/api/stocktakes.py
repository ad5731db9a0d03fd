"""Stocktakes: /api/v1/inventory/stocktakes."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_inventory.api.schemas import (
    CountsSchema,
    StocktakeCreateSchema,
    StocktakePage,
    StocktakeQueryArgs,
    StocktakeSchema,
    range_of,
)
from psi_inventory.domain.commands import Count, OpenStocktake
from psi_inventory.service.stocktakes import (
    cancel_stocktake,
    get_stocktake,
    list_stocktakes,
    open_stocktake,
    post_stocktake,
    record_counts,
)

blp = Blueprint("stocktakes", __name__, url_prefix="/api/v1/inventory/stocktakes", description="Stocktakes")


@blp.route("")
class Stocktakes(MethodView):
    @blp.arguments(StocktakeQueryArgs, location="query")
    @blp.response(200, StocktakePage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Stocktakes, newest first; filter by warehouse, status, SKU and when they were opened (from, to)."""
        with current_db().unit_of_work() as session:
            found, total = list_stocktakes(
                session,
                warehouse_code=args.get("warehouse_code"),
                status=args.get("status"),
                sku=args.get("sku"),
                **range_of(args),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(found, args, total)

    @blp.arguments(StocktakeCreateSchema)
    @blp.response(201, StocktakeSchema)
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Open a stocktake, freezing the book quantity of each SKU to count.

        422 with field errors for an unknown or inactive warehouse or an unknown SKU; 422 NOTHING_TO_COUNT when
        the warehouse holds nothing to count and no SKUs were named.
        """
        skus = body.get("skus")
        view = open_stocktake(
            current_db(),
            OpenStocktake(
                warehouse_code=body["warehouse_code"],
                skus=tuple(skus) if skus is not None else None,
                note=body.get("note"),
            ),
        )
        return view, {"Location": url_for("stocktakes.StocktakeById", document_id=view["id"])}


@blp.route("/<int:document_id>")
class StocktakeById(MethodView):
    @blp.response(200, StocktakeSchema)
    @blp.alt_response(404, description="STOCKTAKE_NOT_FOUND")
    def get(self, document_id: int) -> dict[str, Any]:
        """One stocktake: book and counted quantity of each line, the difference and, once posted, its value."""
        return get_stocktake(current_db(), document_id)


@blp.route("/<int:document_id>/counts")
class StocktakeCounts(MethodView):
    @blp.arguments(CountsSchema)
    @blp.response(200, StocktakeSchema)
    @blp.alt_response(404, description="STOCKTAKE_NOT_FOUND")
    @blp.alt_response(409, description="INVALID_STATUS: the stocktake is not open")
    def post(self, body: dict[str, Any], document_id: int) -> dict[str, Any]:
        """Enter counts (some or all lines); counting a SKU again overwrites its count. 422 for a SKU not on it.

        Each count is compared with the book at its ``counted_at`` (default now): what was booked in or out
        before the count is in the book, what was booked after is not.
        """
        counts = tuple(Count(c["sku"], c["counted_quantity"], c.get("counted_at")) for c in body["counts"])
        return record_counts(current_db(), document_id, counts)


@blp.route("/<int:document_id>/post")
class PostStocktake(MethodView):
    @blp.response(200, StocktakeSchema)
    @blp.alt_response(404, description="STOCKTAKE_NOT_FOUND")
    @blp.alt_response(
        409,
        description="INVALID_STATUS (not open) or INSUFFICIENT_STOCK (a loss beyond what is"
        " on hand now: the stock left after it was counted)",
    )
    @blp.alt_response(422, description="VALIDATION_FAILED: a gain whose value would not fit the ledger")
    def post(self, document_id: int) -> dict[str, Any]:
        """Post counted − book at the time of counting of every counted line as an adjustment (reason stocktake).

        A loss takes reserved stock too (the shelf is the truth). Publishes one inventory.StockAdjusted.v1 when
        anything differs, and inventory.ReservationShortfall.v1 for each SKU left with less on hand than is
        reserved.
        """
        return post_stocktake(current_db(), document_id)


@blp.route("/<int:document_id>/cancel")
class CancelStocktake(MethodView):
    @blp.response(200, StocktakeSchema)
    @blp.alt_response(404, description="STOCKTAKE_NOT_FOUND")
    @blp.alt_response(409, description="INVALID_STATUS: the stocktake is not open")
    def post(self, document_id: int) -> dict[str, Any]:
        """Cancel an open stocktake; nothing moves."""
        return cancel_stocktake(current_db(), document_id)
