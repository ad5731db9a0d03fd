"""Request and response schemas of the sales API.

Requests are strict (unknown fields are a 422). Money and percents are decimal strings both ways: a JSON number
is refused on the way in, and every decimal is a string on the way out.
"""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, fields, validate

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
)
from psi_contracts.events.sales import RETURN_CONDITIONS
from psi_sales.domain.customer import Channel, CustomerStatus
from psi_sales.domain.order import OrderStatus
from psi_sales.domain.pricing import RuleKind, Scope
from psi_sales.domain.quotation import Pricing, QuotationStatus

_CHANNELS = validate.OneOf([c.value for c in Channel])
_STATUSES = validate.OneOf([s.value for s in CustomerStatus])
#: At most this many contacts on one customer (a directory belongs elsewhere).
MAX_CONTACTS = 20


# --- customer classes ---------------------------------------------------------------------------------------


class CustomerClassCreateSchema(StrictSchema):
    code = fields.String(required=True, validate=master_code)
    name = text_field(200, required=True)


class CustomerClassUpdateSchema(AtLeastOne):
    name = text_field(200)


class CustomerClassSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


CustomerClassPage = page_schema(CustomerClassSchema, "CustomerClassPage")


# --- customers ----------------------------------------------------------------------------------------------


class ContactSchema(StrictSchema):
    name = text_field(200, required=True)
    role = text_field(64, allow_none=True, load_default=None, metadata={"description": "e.g. buyer, accounts"})
    email = fields.Email(allow_none=True, load_default=None, validate=validate.Length(max=254))
    phone = text_field(64, allow_none=True, load_default=None)


class AddressSchema(StrictSchema):
    line1 = text_field(200, required=True)
    line2 = text_field(200, allow_none=True, load_default=None)
    city = text_field(100, required=True)
    region = text_field(100, allow_none=True, load_default=None)
    postal_code = text_field(32, allow_none=True, load_default=None)
    country = fields.String(
        required=True, validate=WholeText(r"^[A-Z]{2}$", error="Must be a two-letter country code.")
    )


def _contacts(**kwargs: object) -> fields.List:
    return fields.List(fields.Nested(ContactSchema), validate=validate.Length(max=MAX_CONTACTS), **kwargs)


class CustomerCreateSchema(StrictSchema):
    code = fields.String(required=True, validate=master_code)
    name = text_field(200, required=True)
    class_code = fields.String(allow_none=True, load_default=None, validate=master_code)
    channel = fields.String(required=True, validate=_CHANNELS)
    currency = fields.String(validate=currency_code, metadata={"description": "Default: the base currency"})
    payment_terms_days = strict_int(load_default=30, validate=validate.Range(min=0, max=3650))
    credit_limit = DecimalString(
        sign=NON_NEGATIVE,
        allow_none=True,
        load_default=None,
        metadata={"description": "A sales manager's decision; null: no credit check. Omitted by sales: 0."},
    )
    salesperson = text_field(64, allow_none=True, load_default=None)
    contacts = _contacts(load_default=list)
    billing_address = fields.Nested(AddressSchema, allow_none=True, load_default=None)
    shipping_address = fields.Nested(AddressSchema, allow_none=True, load_default=None)


class CustomerUpdateSchema(AtLeastOne):
    name = text_field(200)
    class_code = fields.String(allow_none=True, validate=master_code)
    channel = fields.String(validate=_CHANNELS)
    currency = fields.String(validate=currency_code)
    payment_terms_days = strict_int(validate=validate.Range(min=0, max=3650))
    credit_limit = DecimalString(sign=NON_NEGATIVE, allow_none=True, metadata={"description": "sales_manager only"})
    salesperson = text_field(64, allow_none=True)
    contacts = _contacts()
    billing_address = fields.Nested(AddressSchema, allow_none=True)
    shipping_address = fields.Nested(AddressSchema, allow_none=True)


class CustomerStatusChangeSchema(StrictSchema):
    status = fields.String(required=True, validate=_STATUSES)
    reason = reason_field()


class CustomerQueryArgs(PageArgs):
    status = fields.String(validate=_STATUSES)
    class_code = fields.String(validate=master_code)
    channel = fields.String(validate=_CHANNELS)
    salesperson = fields.String(validate=validate.Length(min=1, max=64))
    currency = fields.String(validate=currency_code)
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "in the code or name"})


class _ContactOut(Schema):
    name = fields.String(required=True)
    role = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class _AddressOut(Schema):
    line1 = fields.String(required=True)
    line2 = fields.String(allow_none=True)
    city = fields.String(required=True)
    region = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    country = fields.String(required=True)


class CustomerSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    class_code = fields.String(allow_none=True)
    channel = fields.String(required=True)
    currency = fields.String(required=True)
    payment_terms_days = fields.Integer(required=True)
    credit_limit = optional_money()
    salesperson = fields.String(allow_none=True)
    status = fields.String(required=True)
    contacts = fields.List(fields.Nested(_ContactOut), required=True)
    billing_address = fields.Nested(_AddressOut, allow_none=True)
    shipping_address = fields.Nested(_AddressOut, allow_none=True)
    version = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class StatusChangeSchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    reason = fields.String(allow_none=True)
    actor = fields.String(required=True)
    changed_at = fields.AwareDateTime(required=True)


class CustomerDetailSchema(CustomerSchema):
    status_history = fields.List(fields.Nested(StatusChangeSchema), required=True)


CustomerPage = page_schema(CustomerSchema, "CustomerPage")


# --- pricing: price lists, discount rules, quotes -----------------------------------------------------------

_SCOPES = validate.OneOf([s.value for s in Scope])
_KINDS = validate.OneOf([k.value for k in RuleKind])
_SKU = text_field(64)


class PriceListLineCreateSchema(StrictSchema):
    sku = text_field(64, required=True)
    min_quantity = DecimalString(sign=POSITIVE, load_default=Decimal(1), metadata={"description": "a quantity break"})
    unit_price = DecimalString(sign=NON_NEGATIVE, required=True)


class PriceListCreateSchema(StrictSchema):
    name = text_field(200, required=True)
    scope = fields.String(required=True, validate=_SCOPES)
    class_code = fields.String(allow_none=True, load_default=None, validate=master_code)
    customer_id = strict_int(allow_none=True, load_default=None, validate=validate.Range(min=1, max=2**63 - 1))
    currency = fields.String(required=True, validate=currency_code)
    valid_from = fields.Date(allow_none=True, load_default=None)
    valid_to = fields.Date(allow_none=True, load_default=None)
    lines = line_list(PriceListLineCreateSchema)


class PriceListLineSchema(Schema):
    sku = fields.String(required=True)
    min_quantity = money()
    unit_price = money()


class PriceListSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    scope = fields.String(required=True)
    class_code = fields.String(allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    currency = fields.String(required=True)
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class PriceListDetailSchema(PriceListSchema):
    lines = fields.List(fields.Nested(PriceListLineSchema), required=True)


class PriceListQueryArgs(PageArgs):
    scope = fields.String(validate=_SCOPES)
    currency = fields.String(validate=currency_code)
    class_code = fields.String(validate=master_code)
    customer_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))


PriceListPage = page_schema(PriceListSchema, "PriceListPage")


class DiscountRuleCreateSchema(StrictSchema):
    name = text_field(200, required=True)
    kind = fields.String(required=True, validate=_KINDS)
    percent = DecimalString(sign=POSITIVE, required=True, metadata={"description": "more than 0, at most 100"})
    valid_from = fields.Date(allow_none=True, load_default=None)
    valid_to = fields.Date(allow_none=True, load_default=None)
    class_code = fields.String(allow_none=True, load_default=None, validate=master_code)
    sku = text_field(64, allow_none=True, load_default=None)
    category = text_field(200, allow_none=True, load_default=None)
    min_quantity = DecimalString(sign=POSITIVE, allow_none=True, load_default=None)


class DiscountRuleSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    percent = money()
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)
    class_code = fields.String(allow_none=True)
    sku = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    min_quantity = optional_money()
    active = fields.Boolean(required=True)
    created_at = fields.AwareDateTime(required=True)


class DiscountRuleQueryArgs(PageArgs):
    kind = fields.String(validate=_KINDS)
    class_code = fields.String(validate=master_code)
    sku = fields.String(validate=validate.Length(min=1, max=64))
    category = fields.String(validate=validate.Length(min=1, max=200))
    active = fields.Boolean()


DiscountRulePage = page_schema(DiscountRuleSchema, "DiscountRulePage")


class QuoteLineSchema(StrictSchema):
    sku = text_field(64, required=True)
    quantity = DecimalString(sign=POSITIVE, required=True)
    manual_discount_percent = DecimalString(
        sign=NON_NEGATIVE, load_default=Decimal(0), metadata={"description": "0 to 100; above the cap: sales_manager"}
    )


class QuoteRequestSchema(StrictSchema):
    customer_id = strict_int(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    on = fields.Date(load_default=None, metadata={"description": "the pricing date; default today (UTC)"})
    lines = line_list(QuoteLineSchema)


class AppliedDiscountSchema(Schema):
    rule_id = fields.Integer(allow_none=True, metadata={"description": "null for the manual discount"})
    name = fields.String(required=True)
    kind = fields.String(required=True)
    percent = money()


class QuotedLineSchema(Schema):
    sku = fields.String(required=True)
    quantity = money()
    list_price = money()
    price_list_id = fields.Integer(required=True)
    price_list_name = fields.String(required=True)
    discounts = fields.List(fields.Nested(AppliedDiscountSchema), required=True)
    total_discount_percent = money()
    net_unit_price = money()
    explanation = fields.String(required=True)


class QuoteSchema(Schema):
    customer_id = fields.Integer(required=True)
    on = fields.Date(required=True)
    lines = fields.List(fields.Nested(QuotedLineSchema), required=True)


# --- sales orders -------------------------------------------------------------------------------------------


class OrderLineCreateSchema(StrictSchema):
    sku = text_field(64, required=True)
    quantity = DecimalString(sign=POSITIVE, required=True)
    tax_rate = DecimalString(sign=NON_NEGATIVE, load_default=Decimal(0), metadata={"description": "0.13 is 13 %"})
    manual_discount_percent = DecimalString(
        sign=NON_NEGATIVE, load_default=Decimal(0), metadata={"description": "0 to 100; above the cap: sales_manager"}
    )
    requested_date = fields.Date(allow_none=True, load_default=None)


class OrderCreateSchema(StrictSchema):
    customer_id = strict_int(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    warehouse_code = text_field(32, required=True)
    order_date = fields.Date(allow_none=True, load_default=None, metadata={"description": "prices on; default today"})
    salesperson = text_field(64, allow_none=True, load_default=None)
    note = note_field()
    lines = line_list(OrderLineCreateSchema)


class OrderLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()
    list_price = money()
    price_list_id = fields.Integer(required=True)
    discounts = fields.List(fields.Nested(AppliedDiscountSchema), required=True)
    manual_discount_percent = money()
    unit_price = money()
    tax_rate = money()
    requested_date = fields.Date(allow_none=True)
    shipped_quantity = money()
    returned_quantity = money()
    explanation = fields.String(required=True)


class OrderSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    customer_id = fields.Integer(required=True)
    customer_code = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    currency = fields.String(required=True)
    status = fields.String(required=True)
    revision = fields.Integer(required=True)
    order_date = fields.Date(required=True)
    salesperson = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    net_amount = money()
    tax_amount = money()
    total_amount = money()
    created_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    reservation_requested_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "when inventory was last asked to reserve (the saga's clock)"}
    )
    reservation_answered_at = fields.AwareDateTime(allow_none=True)
    short_lines = fields.List(
        fields.Nested(lambda: ShortLineSchema()),
        allow_none=True,
        metadata={"description": "backordered: the lines inventory could not reserve"},
    )
    quotation_id = fields.Integer(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


class ShortLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    requested_quantity = money()
    available_quantity = money()


class CreditDecisionSchema(Schema):
    action = fields.String(required=True, metadata={"description": "passed, held or released"})
    exposure_before = money()
    order_amount = money()
    credit_limit = optional_money()
    reason = fields.String(required=True)
    decided_by = fields.String(required=True)
    decided_at = fields.AwareDateTime(required=True)


class OrderDetailSchema(OrderSchema):
    lines = fields.List(fields.Nested(OrderLineSchema), required=True)
    reservation_overdue = fields.Boolean(
        required=True, metadata={"description": "confirmed, and inventory has not answered within the timeout"}
    )
    credit_decisions = fields.List(fields.Nested(CreditDecisionSchema), required=True)


class OrderAmendSchema(StrictSchema):
    lines = line_list(OrderLineCreateSchema)


class ReleaseSchema(StrictSchema):
    reason = reason_field(required=True)


class OptionalReasonSchema(StrictSchema):
    reason = reason_field()


class ShipLineCreateSchema(StrictSchema):
    line_no = strict_int(required=True, validate=validate.Range(min=1, max=10_000))
    quantity = DecimalString(sign=POSITIVE, required=True)


class ShipmentCreateSchema(StrictSchema):
    lines = line_list(ShipLineCreateSchema)
    carrier = text_field(100, allow_none=True, load_default=None)
    tracking_number = text_field(100, allow_none=True, load_default=None)
    shipped_at = fields.AwareDateTime(allow_none=True, load_default=None, metadata={"description": "default now"})


class ShipmentLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()


class ShipmentSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    order_id = fields.Integer(required=True)
    order_number = fields.String(required=True)
    customer_id = fields.Integer(required=True)
    warehouse_code = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "shipped, or refused by inventory"})
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    shipped_at = fields.AwareDateTime(required=True)
    refusal = fields.Dict(allow_none=True, metadata={"description": "inventory.ShipmentRejected.v1 as received"})


class ShipmentDetailSchema(ShipmentSchema):
    lines = fields.List(fields.Nested(ShipmentLineSchema), required=True)


class DatedQueryArgs(PageArgs):
    order_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    customer_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    date_from = fields.Date(metadata={"description": "from, inclusive (UTC)"})
    date_to = fields.Date(metadata={"description": "to, inclusive (UTC)"})


class ShipmentQueryArgs(DatedQueryArgs):
    status = fields.String(validate=validate.OneOf(["shipped", "refused"]))


ShipmentPage = page_schema(ShipmentSchema, "ShipmentPage")


class ReturnLineCreateSchema(StrictSchema):
    order_line_no = strict_int(required=True, validate=validate.Range(min=1, max=10_000))
    quantity = DecimalString(sign=POSITIVE, required=True)
    condition = fields.String(load_default="resaleable", validate=validate.OneOf(RETURN_CONDITIONS))


class ReturnCreateSchema(StrictSchema):
    lines = line_list(ReturnLineCreateSchema)
    reason = reason_field(required=True)
    warehouse_code = text_field(32, allow_none=True, load_default=None, metadata={"description": "default the order's"})
    received_at = fields.AwareDateTime(allow_none=True, load_default=None, metadata={"description": "default now"})


class ReturnLineSchema(Schema):
    line_no = fields.Integer(required=True)
    order_line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()
    condition = fields.String(required=True)
    unit_price = money()
    tax_rate = money()


class ReturnSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    order_id = fields.Integer(required=True)
    order_number = fields.String(required=True)
    customer_id = fields.Integer(required=True)
    warehouse_code = fields.String(required=True)
    reason = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)
    net_amount = money()
    tax_amount = money()


class ReturnDetailSchema(ReturnSchema):
    lines = fields.List(fields.Nested(ReturnLineSchema), required=True)


ReturnPage = page_schema(ReturnSchema, "SalesReturnPage")


class BackorderQueryArgs(PageArgs):
    customer_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))


class OrderQueryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in OrderStatus]))
    customer_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    salesperson = fields.String(validate=validate.Length(min=1, max=64))
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    date_from = fields.Date(metadata={"description": "order date from, inclusive"})
    date_to = fields.Date(metadata={"description": "order date to, inclusive"})


OrderPage = page_schema(OrderSchema, "SalesOrderPage")


# -- quotations ----------------------------------------------------------------------------------------------


class QuotationCreateSchema(StrictSchema):
    customer_id = strict_int(required=True, validate=validate.Range(min=1, max=2**63 - 1))
    warehouse_code = text_field(32, required=True)
    quote_date = fields.Date(allow_none=True, load_default=None, metadata={"description": "prices on; default today"})
    valid_until = fields.Date(
        allow_none=True, load_default=None, metadata={"description": "not before the quote date; default +30 days"}
    )
    salesperson = text_field(64, allow_none=True, load_default=None)
    note = note_field()
    lines = line_list(OrderLineCreateSchema)


class QuotationLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()
    list_price = money()
    price_list_id = fields.Integer(required=True)
    price_list_name = fields.String(required=True)
    discounts = fields.List(fields.Nested(AppliedDiscountSchema), required=True)
    manual_discount_percent = money()
    unit_price = money()
    tax_rate = money()
    requested_date = fields.Date(allow_none=True)
    explanation = fields.String(required=True)


class QuotationSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    customer_id = fields.Integer(required=True)
    customer_code = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    currency = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"description": "open, converted, cancelled; expired: open and past valid_until"}
    )
    quote_date = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    salesperson = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    net_amount = money()
    tax_amount = money()
    total_amount = money()
    order_id = fields.Integer(allow_none=True, metadata={"description": "the order it was converted into"})
    order_number = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    closed_by = fields.String(allow_none=True, metadata={"description": "who converted or cancelled it"})
    closed_at = fields.AwareDateTime(allow_none=True)
    created_by = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class QuotationDetailSchema(QuotationSchema):
    lines = fields.List(fields.Nested(QuotationLineSchema), required=True)


class QuotationQueryArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in QuotationStatus]))
    # a query string's integer is text: not strict_int, which refuses "7"
    customer_id = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))
    salesperson = fields.String(validate=validate.Length(min=1, max=64))
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    date_from = fields.Date(metadata={"description": "quote date from, inclusive"})
    date_to = fields.Date(metadata={"description": "quote date to, inclusive"})


QuotationPage = page_schema(QuotationSchema, "QuotationPage")


class QuotationConvertSchema(StrictSchema):
    pricing = fields.String(
        required=True,
        validate=validate.OneOf([p.value for p in Pricing]),
        metadata={"description": "keep: the quotation's prices; reprice: priced again on the order date"},
    )
    order_date = fields.Date(allow_none=True, load_default=None, metadata={"description": "default today"})


class QuotationCancelSchema(StrictSchema):
    reason = reason_field()


# --- exchange rates (finance's, as sales keeps them) --------------------------------------------------------


class ExchangeRateQueryArgs(Schema):
    currency = fields.String(required=True, validate=currency_code)
    on = fields.Date(metadata={"description": "the date the rate is wanted for; default today (UTC)"})


class ExchangeRateSchema(Schema):
    currency = fields.String(required=True)
    base_currency = fields.String(required=True)
    on = fields.Date(required=True)
    rate = money()
    valid_from = fields.Date(
        allow_none=True, metadata={"description": "from when the rate holds (null for the base currency: 1, always)"}
    )
    version = fields.Integer(allow_none=True, metadata={"description": "finance's version of that rate"})
    set_at = fields.AwareDateTime(allow_none=True, metadata={"description": "when finance set it"})
