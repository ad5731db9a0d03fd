"""Requisitions (采购申请): /api/v1/purchasing/requisitions.

Converting approved requisitions into purchase orders (``POST /requisitions/convert``) is api/conversion.py.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db, runtime
from psi_purchasing.adapters import requisitions as queries
from psi_purchasing.api.schemas import (
    DecisionSchema,
    RejectSchema,
    RequisitionCreateSchema,
    RequisitionPage,
    RequisitionPatchSchema,
    RequisitionQueryArgs,
    RequisitionSchema,
    current_actor,
)
from psi_purchasing.service import reads
from psi_purchasing.service import requisitions as service

blp = Blueprint(
    "requisitions",
    __name__,
    url_prefix="/api/v1/purchasing/requisitions",
    description="Requisitions (采购申请): department needs, their approval by amount tier",
)

# --- routes -------------------------------------------------------------------------------------------------


@blp.route("")
class Requisitions(MethodView):
    @blp.arguments(RequisitionQueryArgs, location="query")
    @blp.response(200, RequisitionPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Requisition headers, newest first, filtered by status, department and source."""
        with current_db().unit_of_work() as session:
            items, total = queries.list_requisitions(
                session,
                status=args.get("status"),
                department=args.get("department"),
                source=args.get("source"),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(items, args, total)

    @blp.arguments(RequisitionCreateSchema)
    @blp.response(201, RequisitionSchema)
    @blp.alt_response(422, description="UNKNOWN_SKU, INACTIVE_SKU, SUPPLIER_NOT_FOUND")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Create a draft requisition; the caller is its requester."""
        view = service.create_requisition(current_db(), current_actor(), body)
        return view, {"Location": url_for("requisitions.RequisitionById", requisition_id=view["id"])}


@blp.route("/<int:requisition_id>")
class RequisitionById(MethodView):
    @blp.response(200, RequisitionSchema)
    @blp.alt_response(404, description="REQUISITION_NOT_FOUND")
    def get(self, requisition_id: int) -> dict[str, Any]:
        """One requisition with its lines, what was ordered of each, and its approvals log."""
        with current_db().unit_of_work() as session:
            return reads.requisition(session, requisition_id)

    @blp.arguments(RequisitionPatchSchema)
    @blp.response(200, RequisitionSchema)
    @blp.alt_response(409, description="INVALID_STATUS: only a draft can be changed")
    def patch(self, body: dict[str, Any], requisition_id: int) -> dict[str, Any]:
        """Change a draft: its note, department, or all its lines (the lines given replace the old ones)."""
        return service.update_requisition(current_db(), requisition_id, current_actor(), body)


@blp.route("/<int:requisition_id>/submit")
class SubmitRequisition(MethodView):
    @blp.response(200, RequisitionSchema)
    @blp.alt_response(409, description="INVALID_STATUS: only a draft can be submitted")
    def post(self, requisition_id: int) -> dict[str, Any]:
        """Submit a draft: priced in the base currency; within the automatic tier it is approved at once."""
        return service.submit_requisition(
            current_db(), requisition_id, current_actor(), runtime().settings.base_currency
        )


@blp.route("/<int:requisition_id>/approve")
class ApproveRequisition(MethodView):
    @blp.arguments(DecisionSchema, required=False)
    @blp.response(200, RequisitionSchema)
    @blp.alt_response(403, description="APPROVER_ROLE_REQUIRED: the amount's tier needs another role")
    @blp.alt_response(409, description="INVALID_STATUS: only a submitted requisition can be approved")
    def post(self, body: dict[str, Any] | None, requisition_id: int) -> dict[str, Any]:
        """Approve a submitted requisition (the caller must hold the tier's role; admin always may)."""
        return service.approve_requisition(current_db(), requisition_id, current_actor(), (body or {}).get("reason"))


@blp.route("/<int:requisition_id>/reject")
class RejectRequisition(MethodView):
    @blp.arguments(RejectSchema)
    @blp.response(200, RequisitionSchema)
    @blp.alt_response(403, description="APPROVER_ROLE_REQUIRED: the amount's tier needs another role")
    @blp.alt_response(409, description="INVALID_STATUS: only a submitted requisition can be rejected")
    def post(self, body: dict[str, Any], requisition_id: int) -> dict[str, Any]:
        """Reject a submitted requisition, saying why."""
        return service.reject_requisition(current_db(), requisition_id, current_actor(), body["reason"])


@blp.route("/<int:requisition_id>/cancel")
class CancelRequisition(MethodView):
    @blp.arguments(DecisionSchema, required=False)
    @blp.response(200, RequisitionSchema)
    @blp.alt_response(409, description="INVALID_STATUS: only a draft or submitted requisition can be cancelled")
    def post(self, body: dict[str, Any] | None, requisition_id: int) -> dict[str, Any]:
        """Cancel a draft or submitted requisition."""
        return service.cancel_requisition(current_db(), requisition_id, current_actor(), (body or {}).get("reason"))
