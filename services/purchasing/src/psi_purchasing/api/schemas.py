"""Request and response schemas of the purchasing API.

Requests are strict (unknown fields are a 422). Money and quantities are decimal strings both ways: a JSON
number is refused on the way in, because a float cannot carry ``0.1`` exactly, and every decimal is a string
on the way out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import Schema, fields, validate

from psi_chassis.api_schemas import PageArgs, StrictSchema, money, page_schema
from psi_purchasing.domain.model import MAX_AMOUNT, POStatus, SupplierStatus, has_at_most_6_places

_PLAIN_DECIMAL = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_NO_SURROUNDING_SPACE = validate.Regexp(
    r"^\S(.*\S)?$", error="Must not be blank or start or end with spaces."
)
_CURRENCY = validate.Regexp(r"^[A-Z]{3}$", error="Must be a three-letter upper-case currency code.")


class DecimalString(fields.Decimal):
    """A request decimal: a JSON string in plain notation, at most six decimal places, below MAX_AMOUNT.

    ``positive`` asks for > 0, otherwise >= 0. The bound is checked here rather than by ``validate.Range`` so
    the OpenAPI description says ``type: string`` without a numeric ``minimum`` beside it.
    """

    default_error_messages = {
        "not_string": 'Must be a decimal string such as "12.5"; money and quantities are never JSON numbers.',
        "format": 'Must be a plain decimal string such as "12.5", got {input!r}.',
        "places": "Must have at most 6 decimal places.",
        "too_large": f"Must be less than {MAX_AMOUNT}.",
        "not_positive": "Must be greater than 0.",
        "negative": "Must be greater than or equal to 0.",
    }

    def __init__(self, *, positive: bool, **kwargs: Any) -> None:
        self.positive = positive
        bound = "> 0" if positive else ">= 0"
        kwargs["metadata"] = {
            "type": "string",
            "format": "decimal",
            "pattern": _PLAIN_DECIMAL.pattern,
            "description": f"Decimal string {bound}, at most 6 decimal places.",
            **kwargs.get("metadata", {}),
        }
        super().__init__(as_string=True, **kwargs)

    def _deserialize(
        self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any
    ) -> Decimal:
        if not isinstance(value, str):
            raise self.make_error("not_string")
        if not _PLAIN_DECIMAL.match(value):
            raise self.make_error("format", input=value)
        number = super()._deserialize(value, attr, data, **kwargs)
        if abs(number) >= MAX_AMOUNT:
            raise self.make_error("too_large")
        if not has_at_most_6_places(number):
            raise self.make_error("places")
        if self.positive and number <= 0:
            raise self.make_error("not_positive")
        if number < 0:
            raise self.make_error("negative")
        return number


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
    quantity = DecimalString(positive=True, required=True)
    unit_price = DecimalString(positive=False, required=True)


class PurchaseOrderCreateSchema(StrictSchema):
    supplier_id = _strict_int(required=True, validate=validate.Range(min=1))
    warehouse_code = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=32), validate.Regexp(r"^\S+$", error="No spaces.")],
    )
    currency = fields.String(validate=_CURRENCY)
    exchange_rate = DecimalString(positive=True, load_default=Decimal(1))
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
    received_quantity = DecimalString(positive=True, required=True)
    accepted_quantity = DecimalString(positive=False, required=True)
    rejected_quantity = DecimalString(positive=False, load_default=Decimal(0))
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
