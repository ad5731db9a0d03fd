"""Events published by the sales service (exchange ``psi.sales.events``)."""

from __future__ import annotations

from marshmallow import fields, validate

from psi_contracts.events._common import (
    amount,
    business_time,
    line_list,
    line_number,
    optional_amount,
    optional_text,
    positive,
    revision_number,
)
from psi_contracts.schema import ContractSchema, StrictInteger, currency_code, text

__all__ = [
    "ORDER_CONFIRMED_V1",
    "ORDER_SHIPPED_V1",
    "ORDER_CANCELLED_V1",
    "RETURN_RECEIVED_V1",
    "RETURN_CONDITIONS",
    "OrderConfirmedLineV1",
    "OrderConfirmedV1",
    "OrderShippedLineV1",
    "OrderShippedV1",
    "OrderCancelledV1",
    "ReturnReceivedLineV1",
    "ReturnReceivedV1",
    "EVENTS",
]

ORDER_CONFIRMED_V1 = "sales.OrderConfirmed.v1"
ORDER_SHIPPED_V1 = "sales.OrderShipped.v1"
ORDER_CANCELLED_V1 = "sales.OrderCancelled.v1"
RETURN_RECEIVED_V1 = "sales.ReturnReceived.v1"

RETURN_CONDITIONS = ("resaleable", "damaged")
"""The state returned goods arrive in: resaleable goods go back on the shelf, damaged ones are received and then
written off by inventory (an adjustment with reason ``return_damaged``), never silently dropped."""


class OrderConfirmedLineV1(ContractSchema):
    line_no = line_number()
    sku = text()
    quantity = positive()
    unit_price = amount()
    """Net unit price after discounts, in the order currency."""


class OrderConfirmedV1(ContractSchema):
    """An order passed its credit check and was confirmed; inventory reserves it (or rejects it)."""

    order_id = text()
    order_number = text()
    customer_id = text()
    warehouse_code = text()
    confirmed_at = business_time()
    currency = currency_code()
    lines = line_list(OrderConfirmedLineV1)
    revision = revision_number()
    """The order's revision: 1 when first confirmed, one higher after every amendment. Inventory replaces the
    reservation of an older revision with this one, answers a repeat of the revision it holds again, and echoes
    it in its answer so sales can tell a stale answer from the current one. Absent: 1."""


class OrderShippedLineV1(ContractSchema):
    line_no = line_number()
    """The order line this shipment line fulfils."""
    sku = text()
    quantity = positive()
    unit_price = optional_amount()
    """Net unit price after every discount, in the order currency (what finance invoices per unit)."""
    list_price = optional_amount()
    """The price list's unit price before discounts."""
    discount_percent = optional_amount()
    """The line's whole discount from the list price, in percent (``12.5`` is 12.5 %)."""
    tax_rate = optional_amount()
    """A fraction: ``0.13`` is 13 %."""


class OrderShippedV1(ContractSchema):
    """A (possibly partial) shipment left the warehouse; inventory issues the stock and computes COGS."""

    shipment_id = text()
    shipment_number = text()
    order_id = text()
    order_number = text()
    warehouse_code = text()
    shipped_at = business_time()
    lines = line_list(OrderShippedLineV1)
    customer_id = optional_text()
    """Who is invoiced (sales always fills it and the fields below, so finance need not ask sales)."""
    customer_code = optional_text()
    currency = currency_code(required=False, allow_none=True, load_default=None)
    """The order's currency, which the line prices are in; finance converts to the base currency."""
    payment_terms_days = StrictInteger(required=False, allow_none=True, load_default=None)
    """Days from the invoice to the due date."""
    carrier = optional_text()
    tracking_number = optional_text()


class OrderCancelledV1(ContractSchema):
    """An order was cancelled; inventory releases whatever is still reserved for it."""

    order_id = text()
    order_number = text()
    warehouse_code = text()
    cancelled_at = business_time()
    reason = fields.String(required=False, allow_none=True, load_default=None, validate=validate.Length(min=1))
    """Optional free text; consumers get ``None`` when it is absent."""


class ReturnReceivedLineV1(ContractSchema):
    line_no = line_number()
    """The line of the return document."""
    sku = text()
    quantity = positive()
    order_line_no = StrictInteger(required=False, allow_none=True, load_default=None)
    """The order line the goods were shipped on."""
    condition = fields.String(required=False, load_default="resaleable", validate=validate.OneOf(RETURN_CONDITIONS))
    """``resaleable`` (absent: the same) or ``damaged``: received, then written off by inventory."""
    unit_price = optional_amount()
    """The net unit price it was sold at, in the order currency (for finance's credit note)."""
    tax_rate = optional_amount()


class ReturnReceivedV1(ContractSchema):
    """Goods a customer sent back arrived at the warehouse; inventory books them back into stock."""

    return_id = text()
    return_number = text()
    order_id = text()
    order_number = text()
    """The order the goods were shipped for."""
    warehouse_code = text()
    """Where the goods were received (not necessarily the warehouse they were shipped from)."""
    received_at = business_time()
    lines = line_list(ReturnReceivedLineV1)
    customer_id = optional_text()
    """Who is credited (sales always fills it and ``currency``)."""
    currency = currency_code(required=False, allow_none=True, load_default=None)
    reason = optional_text()


EVENTS: dict[str, type[ContractSchema]] = {
    ORDER_CONFIRMED_V1: OrderConfirmedV1,
    ORDER_SHIPPED_V1: OrderShippedV1,
    ORDER_CANCELLED_V1: OrderCancelledV1,
    RETURN_RECEIVED_V1: ReturnReceivedV1,
}
