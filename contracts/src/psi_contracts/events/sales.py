"""Events published by the sales service (exchange ``psi.sales.events``)."""

from __future__ import annotations

from marshmallow import fields, validate

from psi_contracts.events._common import amount, business_time, line_list, line_number, positive
from psi_contracts.schema import ContractSchema, currency_code, text

__all__ = [
    "ORDER_CONFIRMED_V1",
    "ORDER_SHIPPED_V1",
    "ORDER_CANCELLED_V1",
    "RETURN_RECEIVED_V1",
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


class OrderShippedLineV1(ContractSchema):
    line_no = line_number()
    """The order line this shipment line fulfils."""
    sku = text()
    quantity = positive()


class OrderShippedV1(ContractSchema):
    """A (possibly partial) shipment left the warehouse; inventory issues the stock and computes COGS."""

    shipment_id = text()
    shipment_number = text()
    order_id = text()
    order_number = text()
    warehouse_code = text()
    shipped_at = business_time()
    lines = line_list(OrderShippedLineV1)


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


EVENTS: dict[str, type[ContractSchema]] = {
    ORDER_CONFIRMED_V1: OrderConfirmedV1,
    ORDER_SHIPPED_V1: OrderShippedV1,
    ORDER_CANCELLED_V1: OrderCancelledV1,
    RETURN_RECEIVED_V1: ReturnReceivedV1,
}
