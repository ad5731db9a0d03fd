"""Purchase returns: /api/v1/purchasing/purchase-orders/<id>/returns and /api/v1/purchasing/returns/<id>."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.app import current_db
from psi_purchasing.api.schemas import ReturnCreateSchema, ReturnSchema
from psi_purchasing.domain.commands import ReturnGoods, ReturnLine
from psi_purchasing.domain.errors import ReturnNotFound
from psi_purchasing.service import queries
from psi_purchasing.service.returns import return_goods

blp = Blueprint("purchase_returns", __name__, url_prefix="/api/v1/purchasing", description="Purchase returns")


@blp.route("/purchase-orders/<int:po_id>/returns")
class ReturnsOfOrder(MethodView):
    @blp.arguments(ReturnCreateSchema)
    @blp.response(201, ReturnSchema)
    @blp.alt_response(404, description="PURCHASE_ORDER_NOT_FOUND")
    @blp.alt_response(409, description="OVER_RETURN (more than accepted − returned), INVALID_STATUS")
    def post(self, body: dict[str, Any], po_id: int) -> tuple[dict[str, Any], dict[str, str]]:
        """Return accepted goods to the supplier; publishes purchasing.GoodsReturned.v1 through the outbox."""
        cmd = ReturnGoods(
            po_id=po_id,
            reason=body["reason"],
            lines=tuple(ReturnLine(**line) for line in body["lines"]),
            returned_at=body.get("returned_at"),
        )
        view = return_goods(current_db(), cmd)
        return view, {"Location": url_for("purchase_returns.ReturnById", return_id=view["id"])}


@blp.route("/returns/<int:return_id>")
class ReturnById(MethodView):
    @blp.response(200, ReturnSchema)
    @blp.alt_response(404, description="RETURN_NOT_FOUND")
    def get(self, return_id: int) -> dict[str, Any]:
        """One purchase return with its lines."""
        with current_db().unit_of_work() as session:
            view = queries.purchase_return(session, return_id)
        if view is None:
            raise ReturnNotFound(f"return {return_id} does not exist")
        return view
