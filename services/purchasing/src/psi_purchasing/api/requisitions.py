"""Requisitions (采购申请): /api/v1/purchasing/requisitions.

Converting approved requisitions into purchase orders (``POST /requisitions/convert``) lives with the order
routes, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_load, validate

from psi_chassis.api_schemas import (
    POSITIVE,
    DecimalString,
    PageArgs,
    StrictSchema,
    WholeText,
    line_list,
    money,
    note_field,
    page_of,
    page_schema,
    reason_field,
    trimmed,
)
from psi_chassis.app import current_db, runtime
from psi_purchasing.api.schemas import current_actor
from psi_purchasing.service import requisitions as service
from psi_purchasing.service.requisitions import (
    RequisitionNotFound,
    RequisitionSource,
    RequisitionStatus,
)

blp = Blueprint(
    "requisitions",
    __name__,
    url_prefix="/api/v1/purchasing/requisitions",
    description="Requisitions (采购申请): department needs, their approval by amount tier",
)

_DEPARTMENT = fields.String(required=True, validate=[validate.Length(min=1, max=64), trimmed])


# --- schemas ------------------------------------------------------------------------------------------------


class RequisitionLineCreateSchema(StrictSchema):
    sku = fields.String(required=True, validate=[validate.Length(min=1, max=64), trimmed])
    warehouse_code = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=32), WholeText(r"^\S+$", error="No spaces.")],
    )
    quantity = DecimalString(sign=POSITIVE, required=True)
    needed_by = fields.Date(allow_none=True)
    note = note_field()
    preferred_supplier_id = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=2**63 - 1))


class RequisitionCreateSchema(StrictSchema):
    department = _DEPARTMENT
    note = note_field()
    lines = line_list(RequisitionLineCreateSchema)


class RequisitionPatchSchema(StrictSchema):
    department = fields.String(validate=[validate.Length(min=1, max=64), trimmed])
    note = note_field()
    lines = line_list(RequisitionLineCreateSchema, required=False)

    @post_load(pass_original=True)
    def _only_fields_sent(self, data: dict[str, Any], original: Mapping[str, Any], **_: Any) -> dict[str, Any]:
        """A PATCH changes only what it names: ``note_field``'s default (null) must not clear an unnamed note."""
        return {name: value for name, value in data.items() if name in original}


class DecisionSchema(StrictSchema):
    reason = reason_field()


class RejectSchema(StrictSchema):
    reason = reason_field(required=True)


class RequisitionLineSchema(Schema):
    id = fields.Integer(required=True, metadata={"description": "Names the line when converting it"})
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    quantity = money()
    needed_by = fields.Date(allow_none=True)
    note = fields.String(allow_none=True)
    preferred_supplier_id = fields.Integer(allow_none=True)
    ordered_quantity = money()


class ApprovalSchema(Schema):
    decision = fields.String(required=True)
    actor_id = fields.String(required=True)
    actor_name = fields.String(required=True)
    actor_roles = fields.List(fields.String(), required=True)
    reason = fields.String(allow_none=True)
    amount_base = fields.Decimal(as_string=True, allow_none=True)
    decided_at = fields.AwareDateTime(required=True)


class RequisitionSummarySchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    department = fields.String(required=True)
    requester = fields.String(required=True)
    status = fields.String(required=True)
    source = fields.String(required=True)
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class RequisitionListItemSchema(RequisitionSummarySchema):
    line_count = fields.Integer(required=True)


class RequisitionSchema(RequisitionSummarySchema):
    lines = fields.List(fields.Nested(RequisitionLineSchema), required=True)
    approvals = fields.List(fields.Nested(ApprovalSchema), required=True)
    amount_base = fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={"description": "Estimated amount in the base currency at submission"},
    )
    approver_role = fields.String(
        allow_none=True, metadata={"description": "The role that must approve (submitted ones only)"}
    )


class RequisitionQueryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in RequisitionStatus]))
    department = fields.String(validate=validate.Length(min=1, max=64))
    source = fields.String(validate=validate.OneOf([s.value for s in RequisitionSource]))


RequisitionPage = page_schema(RequisitionListItemSchema, "RequisitionPage")


# --- routes -------------------------------------------------------------------------------------------------


@blp.route("")
class Requisitions(MethodView):
    @blp.arguments(RequisitionQueryArgs, location="query")
    @blp.response(200, RequisitionPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Requisition headers, newest first, filtered by status, department and source."""
        with current_db().unit_of_work() as session:
            items, total = service.list_requisitions(
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
            view = service.requisition(session, requisition_id)
        if view is None:
            raise RequisitionNotFound(f"requisition {requisition_id} does not exist")
        return view

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
