"""Request and response schemas of the purchasing API.

Requests are strict (unknown fields are a 422). Money and quantities are decimal strings both ways: a JSON
number is refused on the way in, because a float cannot carry ``0.1`` exactly, and every decimal is a string
on the way out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from psi_chassis.api_schemas import (
    NON_NEGATIVE,
    POSITIVE,
    DecimalString,
    PageArgs,
    StrictSchema,
    money,
    page_schema,
)
from psi_purchasing.domain.model import POStatus, SupplierStatus

_NO_SURROUNDING_SPACE = validate.Regexp(
    r"^\S(.*\S)?$", error="Must not be blank or start or end with spaces."
)
_CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="Must be a three-letter upper-case currency code.")


def _strict_int(**kwargs: Any) -> fields.Integer:
    return fields.Integer(strict=True, **kwargs)


# --- suppliers ----------------------------------------------------------------------------------------------


class SupplierCreateSchema(StrictSchema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Z0-9_-]{1,32}$", error="Must be 1-32 characters of A-Z, 0-9, '_' or '-'."
        ),
    )
    name = fields.String(required=True, validate=[validate.Length(min=1, max=200), _NO_SURROUNDING_SPACE])
    currency = fields.String(load_default="CNY", validate=_CURRENCY)
    payment_terms_days = _strict_int(load_default=30, validate=validate.Range(min=0, max=3650))
    status = fields.String(
        load_default=SupplierStatus.ACTIVE.value, validate=validate.OneOf([s.value for s in SupplierStatus])
    )


class SupplierSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    currency = fields.String(required=True)
    payment_terms_days = fields.Integer(required=True)
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class SupplierQueryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in SupplierStatus]))


SupplierPage = page_schema(SupplierSchema, "SupplierPage")


# --- purchase orders ----------------------------------------------------------------------------------------


class OrderLineCreateSchema(StrictSchema):
    sku = fields.String(required=True, validate=[validate.Length(min=1, max=64), _NO_SURROUNDING_SPACE])
    quantity = DecimalString(sign=POSITIVE, required=True)
    unit_price = DecimalString(sign=NON_NEGATIVE, required=True)


class PurchaseOrderCreateSchema(StrictSchema):
    supplier_id = _strict_int(required=True, validate=validate.Range(min=1))
    warehouse_code = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=32), validate.Regexp(r"^\S+$", error="No spaces.")],
    )
    currency = fields.String(validate=_CURRENCY)
    exchange_rate = DecimalString(sign=POSITIVE, load_default=Decimal(1))
    expected_date = fields.Date()
    lines = fields.List(
        fields.Nested(OrderLineCreateSchema),
        required=True,
        validate=validate.Length(min=1, max=500, error="Must have between {min} and {max} lines."),
    )


class OrderLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()
    unit_price = money()
    amount = money()
    received_quantity = money()
    accepted_quantity = money()
    rejected_quantity = money()


class PurchaseOrderSummarySchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    supplier_id = fields.Integer(required=True)
    supplier_code = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    currency = fields.String(required=True)
    exchange_rate = money()
    expected_date = fields.Date(allow_none=True)
    status = fields.String(required=True)
    total_amount = money()
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    approved_at = fields.AwareDateTime(allow_none=True)


class PurchaseOrderSchema(PurchaseOrderSummarySchema):
    lines = fields.List(fields.Nested(OrderLineSchema), required=True)


class PurchaseOrderQueryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in POStatus]))
    supplier_id = fields.Integer(validate=validate.Range(min=1))


PurchaseOrderPage = page_schema(PurchaseOrderSummarySchema, "PurchaseOrderPage")


# --- goods receipts -----------------------------------------------------------------------------------------


class ReceiptLineCreateSchema(StrictSchema):
    line_no = _strict_int(required=True, validate=validate.Range(min=1))
    received_quantity = DecimalString(sign=POSITIVE, required=True)
    accepted_quantity = DecimalString(sign=NON_NEGATIVE, required=True)
    rejected_quantity = DecimalString(sign=NON_NEGATIVE, load_default=Decimal(0))
    reject_reason = fields.String(allow_none=True, validate=validate.Length(max=500))


class ReceiptCreateSchema(StrictSchema):
    received_at = fields.AwareDateTime(format="iso")
    lines = fields.List(
        fields.Nested(ReceiptLineCreateSchema),
        required=True,
        validate=validate.Length(min=1, max=500, error="Must have between {min} and {max} lines."),
    )


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
