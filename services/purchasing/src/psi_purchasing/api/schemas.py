"""Request and response schemas of the purchasing API.

Requests are strict (unknown fields are a 422). Money and quantities are decimal strings both ways: a JSON
number is refused on the way in, because a float cannot carry ``0.1`` exactly, and every decimal is a string
on the way out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from psi_chassis.api_schemas import (
    NON_NEGATIVE,
    POSITIVE,
    AtLeastOne,
    DecimalString,
    PageArgs,
    StrictSchema,
    WholeText,
    currency_code,
    line_list,
    master_code,
    money,
    note_field,
    optional_money,
    page_schema,
    reason_field,
    strict_int,
    text_field,
    trimmed,
)
from psi_chassis.web import current_actor as current_actor  # the routes import it from here
from psi_contracts.permissions import ROLES
from psi_purchasing.domain.approval import DocumentType
from psi_purchasing.domain.model import POStatus, SupplierStatus
from psi_purchasing.domain.purchase_return import ReturnStatus
from psi_purchasing.domain.requisition import RequisitionSource, RequisitionStatus

_DEPARTMENT = [validate.Length(min=1, max=64), trimmed]
_PERIOD = WholeText(r"^[0-9]{4}-(0[1-9]|1[0-2])$", error="Must be a month as YYYY-MM.")
_STATUSES = validate.OneOf([s.value for s in SupplierStatus])


# --- suppliers ----------------------------------------------------------------------------------------------


class SupplierCreateSchema(StrictSchema):
    code = fields.String(
        required=True,
        validate=master_code,
    )
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), trimmed])
    currency = fields.String(validate=currency_code, metadata={"description": "Default: the base currency"})
    payment_terms_days = strict_int(load_default=30, validate=validate.Range(min=0, max=3650))
    status = fields.String(load_default=SupplierStatus.ACTIVE.value, validate=_STATUSES)
    contact_name = text_field(200, allow_none=True)
    contact_email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    contact_phone = text_field(64, allow_none=True)
    lead_time_days = strict_int(load_default=7, validate=validate.Range(min=0, max=3650))


class SupplierUpdateSchema(AtLeastOne):
    name = text_field(200)
    contact_name = text_field(200, allow_none=True)
    contact_email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    contact_phone = text_field(64, allow_none=True)
    currency = fields.String(validate=currency_code)
    payment_terms_days = strict_int(validate=validate.Range(min=0, max=3650))
    lead_time_days = strict_int(validate=validate.Range(min=0, max=3650))
    status = fields.String(validate=_STATUSES)


class SupplierPriceCreateSchema(StrictSchema):
    sku = text_field(64, required=True)
    currency = fields.String(validate=currency_code)
    unit_price = DecimalString(sign=NON_NEGATIVE, required=True)
    min_quantity = DecimalString(sign=NON_NEGATIVE, load_default=Decimal(0))
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True, load_default=None)
    preferred = fields.Boolean(load_default=False, truthy={True}, falsy={False})


class SupplierPriceSchema(Schema):
    id = fields.Integer(required=True)
    supplier_id = fields.Integer(required=True)
    sku = fields.String(required=True)
    currency = fields.String(required=True)
    unit_price = money()
    min_quantity = money()
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True)
    preferred = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)


class SupplierPriceQueryArgs(PageArgs):
    sku = fields.String(validate=validate.Length(min=1, max=64))


SupplierPricePage = page_schema(SupplierPriceSchema, "SupplierPricePage")


class SupplierSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    currency = fields.String(required=True)
    payment_terms_days = fields.Integer(required=True)
    status = fields.String(required=True)
    contact_name = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    lead_time_days = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class SupplierQueryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in SupplierStatus]))


SupplierPage = page_schema(SupplierSchema, "SupplierPage")


# --- purchase orders ----------------------------------------------------------------------------------------


class OrderLineCreateSchema(StrictSchema):
    sku = text_field(64, required=True)
    quantity = DecimalString(sign=POSITIVE, required=True)
    unit_price = DecimalString(
        sign=NON_NEGATIVE,
        metadata={"description": "Default: the supplier's price list (422 NO_PRICE if none)."},
    )
    tax_rate = DecimalString(
        sign=NON_NEGATIVE,
        load_default=Decimal(0),
        metadata={"description": "A fraction between 0 and 1: 0.13 is 13 %."},
    )


class PurchaseOrderCreateSchema(StrictSchema):
    supplier_id = strict_int(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    warehouse_code = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=32), WholeText(r"^\S+$", error="No spaces.")],
    )
    currency = fields.String(validate=currency_code)
    exchange_rate = DecimalString(
        sign=POSITIVE,
        metadata={
            "description": "Base-currency units per unit of the order currency. 1 in the base currency (and only 1). "
            "Default in a foreign currency: finance's rate for the order date; required when finance has none"
        },
    )
    expected_date = fields.Date()
    department = fields.String(validate=_DEPARTMENT, allow_none=True)
    lines = line_list(OrderLineCreateSchema)


class PurchaseOrderUpdateSchema(AtLeastOne):
    expected_date = fields.Date(allow_none=True)
    department = fields.String(validate=_DEPARTMENT, allow_none=True)
    lines = line_list(OrderLineCreateSchema, required=False)


class ReasonSchema(StrictSchema):
    reason = reason_field()


class RequiredReasonSchema(StrictSchema):
    reason = reason_field(required=True)


class ApprovalRecordSchema(Schema):
    id = fields.Integer(required=True)
    document_type = fields.String(required=True)
    document_id = fields.Integer(required=True)
    revision = fields.Integer(required=True)
    decision = fields.String(required=True)
    actor_id = fields.String(required=True)
    actor_name = fields.String(required=True)
    actor_roles = fields.String(required=True)
    reason = fields.String(allow_none=True)
    amount_base = optional_money()
    decided_at = fields.AwareDateTime(required=True)


ApprovalPage = page_schema(ApprovalRecordSchema, "ApprovalPage")


class OrderLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()
    unit_price = money()
    amount = money()
    tax_rate = money()
    received_quantity = money()
    accepted_quantity = money()
    rejected_quantity = money()
    returned_quantity = money()
    max_receivable = optional_money()
    short_closed_quantity = money()
    owed_quantity = fields.Decimal(
        as_string=True,
        required=True,
        metadata={
            "type": "string",
            "format": "decimal",
            "description": "Still to be delivered: ordered − accepted − short-closed, at least 0",
        },
    )
    requisition_line_id = fields.Integer(allow_none=True)


class PurchaseOrderSummarySchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    supplier_id = fields.Integer(required=True)
    supplier_code = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    currency = fields.String(required=True)
    exchange_rate = money()
    table_exchange_rate = fields.Decimal(
        as_string=True,
        required=True,
        allow_none=True,
        metadata={
            "type": "string",
            "format": "decimal",
            "description": "Finance's rate for the order date when the order was created (null: none then)",
        },
    )
    expected_date = fields.Date(allow_none=True)
    status = fields.String(required=True)
    total_amount = money()
    total_amount_base = money()
    revision = fields.Integer(required=True)
    department = fields.String(allow_none=True)
    budget_period = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    short_closed_at = fields.AwareDateTime(allow_none=True)
    short_close_reason = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True, metadata={"description": "The user id of its creator"})


class PurchaseOrderSchema(PurchaseOrderSummarySchema):
    lines = fields.List(fields.Nested(OrderLineSchema), required=True)


class PurchaseOrderQueryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in POStatus]))
    supplier_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))


PurchaseOrderPage = page_schema(PurchaseOrderSummarySchema, "PurchaseOrderPage")


# --- goods receipts -----------------------------------------------------------------------------------------


class ReceiptLineCreateSchema(StrictSchema):
    line_no = strict_int(required=True, validate=validate.Range(min=1))
    received_quantity = DecimalString(sign=POSITIVE, required=True)
    accepted_quantity = DecimalString(sign=NON_NEGATIVE, required=True)
    rejected_quantity = DecimalString(sign=NON_NEGATIVE, load_default=Decimal(0))
    reject_reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class ReceiptCreateSchema(StrictSchema):
    received_at = fields.AwareDateTime(format="iso")
    lines = line_list(ReceiptLineCreateSchema)


class ReceiptLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    received_quantity = money()
    accepted_quantity = money()
    rejected_quantity = money()
    reject_reason = fields.String(allow_none=True)
    unit_cost = money()
    unit_cost_base = money()


class ReceiptSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    po_id = fields.Integer(required=True)
    po_number = fields.String(required=True)
    supplier_id = fields.Integer(required=True)
    warehouse_code = fields.String(required=True)
    currency = fields.String(required=True)
    exchange_rate = money()
    received_at = fields.AwareDateTime(required=True)
    created_at = fields.AwareDateTime(required=True)
    event_id = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(ReceiptLineSchema), required=True)


ReceiptPage = page_schema(ReceiptSchema, "ReceiptPage")


# --- purchase returns ---------------------------------------------------------------------------------------


class ReturnLineCreateSchema(StrictSchema):
    line_no = strict_int(required=True, validate=validate.Range(min=1))
    quantity = DecimalString(sign=POSITIVE, required=True)


class ReturnCreateSchema(StrictSchema):
    reason = reason_field(required=True)
    requested_at = fields.AwareDateTime(
        format="iso",
        metadata={
            "description": "When the goods leave (the business time of the stock issue); not in the "
            "future; default now."
        },
    )
    lines = line_list(ReturnLineCreateSchema)


class ReturnLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()
    unit_cost_base = money()
    issued_unit_cost = optional_money()
    issued_value = optional_money()
    issued_value_fifo = optional_money()


class ReturnSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    po_id = fields.Integer(required=True)
    po_number = fields.String(required=True)
    supplier_id = fields.Integer(required=True)
    warehouse_code = fields.String(required=True)
    reason = fields.String(required=True)
    status = fields.String(
        required=True,
        metadata={"description": "requested (waiting for inventory), completed (the goods left), refused"},
    )
    requested_at = fields.AwareDateTime(required=True)
    returned_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "When inventory issued the goods (completed returns)"}
    )
    answered_at = fields.AwareDateTime(allow_none=True)
    refusal_code = fields.String(allow_none=True, metadata={"description": "Inventory's reason code"})
    refusal_reason = fields.String(allow_none=True)
    issued_currency = fields.String(allow_none=True)
    issued_total_value = optional_money()
    created_at = fields.AwareDateTime(required=True)
    event_id = fields.String(allow_none=True, metadata={"description": "The GoodsReturnRequested event"})
    returned_event_id = fields.String(allow_none=True, metadata={"description": "The GoodsReturned event"})
    lines = fields.List(fields.Nested(ReturnLineSchema), required=True)


class ReturnQueryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in ReturnStatus]))
    po_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    supplier_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))


ReturnPage = page_schema(ReturnSchema, "ReturnPage")


# --- approval policy ----------------------------------------------------------------------------------------


class TierSchema(StrictSchema):
    up_to_amount = DecimalString(sign=POSITIVE, allow_none=True, required=True)
    approver_role = fields.String(allow_none=True, required=True, validate=validate.OneOf(ROLES))


class TiersPutSchema(StrictSchema):
    document_type = fields.String(required=True, validate=validate.OneOf([d.value for d in DocumentType]))
    tiers = fields.List(
        fields.Nested(TierSchema),
        required=True,
        validate=validate.Length(min=1, max=20, error="Must have between {min} and {max} tiers."),
    )


class TierOutSchema(Schema):
    up_to_amount = optional_money()
    approver_role = fields.String(allow_none=True)


class TiersSchema(Schema):
    document_type = fields.String(required=True)
    configured = fields.Boolean(required=True)
    tiers = fields.List(fields.Nested(TierOutSchema), required=True)


class TiersListSchema(Schema):
    items = fields.List(fields.Nested(TiersSchema), required=True)


class BudgetPutSchema(StrictSchema):
    department = fields.String(required=True, validate=_DEPARTMENT)
    period = fields.String(required=True, validate=_PERIOD)
    amount = DecimalString(sign=NON_NEGATIVE, required=True)


class BudgetSchema(Schema):
    department = fields.String(required=True)
    period = fields.String(required=True)
    amount = money()
    committed = money()
    available = money()


class BudgetQueryArgs(PageArgs):
    department = fields.String(validate=_DEPARTMENT)
    period = fields.String(validate=_PERIOD)


BudgetPage = page_schema(BudgetSchema, "BudgetPage")


# --- conversion of requisitions -----------------------------------------------------------------------------


class ConvertLineSchema(StrictSchema):
    requisition_line_id = strict_int(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    supplier_id = strict_int(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    quantity = DecimalString(sign=POSITIVE)


class ConvertSchema(StrictSchema):
    warehouse_code = fields.String(validate=[validate.Length(min=1, max=32), WholeText(r"^\S+$", error="No spaces.")])
    exchange_rates = fields.Dict(keys=fields.String(validate=currency_code), values=DecimalString(sign=POSITIVE))
    lines = line_list(ConvertLineSchema)


class PurchaseOrderListSchema(Schema):
    items = fields.List(fields.Nested(PurchaseOrderSchema), required=True)


# --- requisitions ------------------------------------------------------------------------------------------

_REQUISITION_DEPARTMENT = text_field(64, required=True)


class RequisitionLineCreateSchema(StrictSchema):
    sku = text_field(64, required=True)
    warehouse_code = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=32), WholeText(r"^\S+$", error="No spaces.")],
    )
    quantity = DecimalString(sign=POSITIVE, required=True)
    needed_by = fields.Date(allow_none=True)
    note = note_field()
    preferred_supplier_id = strict_int(allow_none=True, validate=validate.Range(min=1, max=2**63 - 1))


class RequisitionCreateSchema(StrictSchema):
    department = _REQUISITION_DEPARTMENT
    note = note_field()
    lines = line_list(RequisitionLineCreateSchema)


class RequisitionPatchSchema(StrictSchema):
    department = text_field(64)
    note = note_field(patch=True)
    lines = line_list(RequisitionLineCreateSchema, required=False)


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


# --- supplier scorecards -----------------------------------------------------------------------------------

#: The longest scorecard period, in days (ten years).
MAX_DAYS = 3660


class PeriodArgs(Schema):
    date_from = fields.Date(required=True, data_key="from", metadata={"description": "First receipt date"})
    date_to = fields.Date(required=True, data_key="to", metadata={"description": "Last receipt date (inclusive)"})

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if "date_from" in data and "date_to" in data:
            if data["date_to"] < data["date_from"]:
                raise ValidationError("Must not be before 'from'.", "to")
            if (data["date_to"] - data["date_from"]).days > MAX_DAYS:
                raise ValidationError(f"The period must not be longer than {MAX_DAYS} days.", "to")


class ScorecardPageArgs(PeriodArgs, PageArgs):
    pass


def _rate(description: str) -> fields.Decimal:
    return fields.Decimal(
        as_string=True,
        allow_none=True,
        metadata={"type": "string", "format": "decimal", "description": description},
    )


class ScorecardSchema(Schema):
    supplier_id = fields.Integer(required=True)
    supplier_code = fields.String(allow_none=True)
    supplier_name = fields.String(allow_none=True)
    date_from = fields.Date(required=True, data_key="from", attribute="from")
    date_to = fields.Date(required=True, data_key="to", attribute="to")
    receipts = fields.Integer(required=True)
    on_time_rate = _rate("On-time receipts / receipts whose order has an expected date; null if none has")
    on_time_receipts = fields.Integer(required=True)
    receipts_with_expected_date = fields.Integer(required=True)
    acceptance_rate = _rate("Accepted / received quantity; null if nothing was received")
    accepted_quantity = money()
    rejected_quantity = money()
    received_quantity = money()
    price_variance = _rate("(paid − list) / list over lines with a list price, e.g. 0.05 = 5% above list")
    priced_lines = fields.Integer(required=True)
    unpriced_lines = fields.Integer(required=True)
    paid_amount = money()
    list_amount = money()


ScorecardPage = page_schema(ScorecardSchema, "ScorecardPage")
