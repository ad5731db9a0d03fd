"""Approved requisitions into purchase orders: POST /api/v1/purchasing/requisitions/convert."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.app import current_db, runtime
from psi_purchasing.api.schemas import ConvertSchema, PurchaseOrderListSchema, current_actor
from psi_purchasing.domain.commands import ConvertLine
from psi_purchasing.service.conversion import convert_requisitions

blp = Blueprint(
    "requisition_conversion",
    __name__,
    url_prefix="/api/v1/purchasing/requisitions",
    description="Conversion of approved requisitions into purchase orders",
)


@blp.route("/convert")
class ConvertRequisitions(MethodView):
    @blp.arguments(ConvertSchema)
    @blp.response(201, PurchaseOrderListSchema)
    @blp.alt_response(409, description="REQUISITION_NOT_APPROVED, OVER_ORDERED, SUPPLIER_BLOCKED")
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Turn approved requisition lines into draft orders, one per (supplier, warehouse, currency).

        ``quantity`` defaults to what is still open on the line; ``warehouse_code`` overrides the lines' own;
        an order in a foreign currency takes its rate from ``exchange_rates``, else finance's rate for the day
        (required in ``exchange_rates`` when finance has none). Prices come from the price list.
        """
        lines = [ConvertLine(**line) for line in body["lines"]]
        return convert_requisitions(
            current_db(),
            lines,
            actor=current_actor(),
            base_currency=runtime().settings.base_currency,
            warehouse_code=body.get("warehouse_code"),
            exchange_rates=body.get("exchange_rates"),
        )
