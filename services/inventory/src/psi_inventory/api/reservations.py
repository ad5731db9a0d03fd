"""Reservations for callers that sell directly (a shop, a POS): /api/v1/inventory/reservations.

Sales orders reserve through their events (and get StockReserved or ReservationRejected back); this API runs
the very same reservation code and answers synchronously instead, so it publishes nothing.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_inventory.adapters.queries import list_reservations
from psi_inventory.api.schemas import (
    RESERVATION_IN,
    ReservationOut,
    ReservationPage,
    ReservationQueryArgs,
    range_of,
)
from psi_inventory.domain.commands import ReservationLine, ReserveStock
from psi_inventory.service.reservations import get_reservation, place_reservation, release_reservation

blp = Blueprint("reservations", __name__, url_prefix="/api/v1/inventory/reservations", description="Reservations")


@blp.route("")
class ReservationCollection(MethodView):
    @blp.arguments(ReservationQueryArgs, location="query")
    @blp.response(200, ReservationPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Reservation lines, newest first, with what each still holds (``open``); filter by reference, SKU,
        warehouse, status and when they were made (from, to)."""
        with current_db().unit_of_work() as session:
            found, total = list_reservations(
                session,
                reference=args.get("reference"),
                sku=args.get("sku"),
                warehouse_code=args.get("warehouse_code"),
                status=args.get("status"),
                **range_of(args),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(found, args, total)

    @blp.arguments(RESERVATION_IN)  # one instance: webargs builds a new one per request from a class
    @blp.response(201, ReservationOut)
    @blp.alt_response(409, description="INSUFFICIENT_STOCK (errors.short_lines) or RESERVATION_EXISTS")
    @blp.alt_response(422, description="UNKNOWN_WAREHOUSE, INACTIVE_WAREHOUSE or UNKNOWN_SKU, naming it in errors")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Reserve every line or none (409 INSUFFICIENT_STOCK lists the short lines).

        The warehouse must be listed and active and every SKU in the item master (422 naming what is not).
        """
        lines = tuple(
            ReservationLine(ln.get("line_no", i), ln["sku"], ln["quantity"])
            for i, ln in enumerate(body["lines"], start=1)
        )
        written = place_reservation(current_db(), ReserveStock(body["reference"], body["warehouse_code"], lines))
        return {"reference": body["reference"], "lines": written}, {
            "Location": f"/api/v1/inventory/reservations/{body['reference']}"
        }


@blp.route("/<string:reference>")
class ReservationItem(MethodView):
    @blp.response(200, ReservationOut)
    def get(self, reference: str) -> dict[str, Any]:
        return {"reference": reference, "lines": get_reservation(current_db(), reference)}


@blp.route("/<string:reference>/release")
class ReservationRelease(MethodView):
    @blp.response(200, ReservationOut)
    def post(self, reference: str) -> dict[str, Any]:
        """Give back whatever the reference still holds (releasing twice is harmless)."""
        return {"reference": reference, "lines": release_reservation(current_db(), reference)}
