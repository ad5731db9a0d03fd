"""Purchase returns: /api/v1/purchasing/purchase-orders/<id>/returns and /api/v1/purchasing/returns."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_purchasing.adapters import queries
from psi_purchasing.api.schemas import ReturnCreateSchema, ReturnPage, ReturnQueryArgs, ReturnSchema
from psi_purchasing.domain.commands import ReturnGoods, ReturnLine
from psi_purchasing.service import reads
from psi_purchasing.service.returns import return_goods

blp = Blueprint("purchase_returns", __name__, url_prefix="/api/v1/purchasing", description="Purchase returns")


@blp.route("/purchase-orders/<int:po_id>/returns")
class ReturnsOfOrder(MethodView):
    @blp.arguments(ReturnCreateSchema)
    @blp.response(201, ReturnSchema)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(409, description="OVER_RETURN (more than accepted − returned), INVALID_STATUS")
    def post(self, body: dict[str, Any], po_id: int) -> tuple[dict[str, Any], dict[str, str]]:
        """Ask for accepted goods to go back to the supplier: recorded as ``requested`` and published as
        purchasing.GoodsReturnRequested.v1. Inventory's answer completes it (purchasing.GoodsReturned.v1) or
        refuses it (its quantities become returnable again)."""
        cmd = ReturnGoods(
            po_id=po_id,
            reason=body["reason"],
            lines=tuple(ReturnLine(**line) for line in body["lines"]),
            requested_at=body.get("requested_at"),
        )
        view = return_goods(current_db(), cmd)
        return view, {"Location": url_for("purchase_returns.ReturnById", return_id=view["id"])}


@blp.route("/returns")
class Returns(MethodView):
    @blp.arguments(ReturnQueryArgs, location="query")
    @blp.response(200, ReturnPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Purchase returns, newest first, with their lines; filtered by status, order and supplier."""
        with current_db().unit_of_work() as session:
            items, total = queries.list_returns(
                session,
                status=args.get("status"),
                po_id=args.get("po_id"),
                supplier_id=args.get("supplier_id"),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(items, args, total)


@blp.route("/returns/<int:return_id>")
class ReturnById(MethodView):
    @blp.response(200, ReturnSchema)
    @blp.alt_response(404, description="RETURN_NOT_FOUND")
    def get(self, return_id: int) -> dict[str, Any]:
        """One purchase return with its status, inventory's answer and its lines."""
        with current_db().unit_of_work() as session:
            return reads.purchase_return(session, return_id)
