"""Events published by the purchasing service (exchange ``psi.purchasing.events``)."""

from __future__ import annotations

from marshmallow import validate

from psi_contracts.events._common import amount, business_time, line_list, line_number, positive
from psi_contracts.schema import ContractSchema, StrictInteger, currency_code, text

__all__ = [
    "GOODS_RECEIVED_V1",
    "GOODS_RETURNED_V1",
    "GOODS_RETURN_REQUESTED_V1",
    "GoodsReturnRequestedLineV1",
    "GoodsReturnRequestedV1",
    "GoodsReceivedLineV1",
    "GoodsReceivedV1",
    "GoodsReturnedLineV1",
    "GoodsReturnedV1",
    "PURCHASE_ORDER_APPROVED_V1",
    "PURCHASE_ORDER_CANCELLED_V1",
    "PURCHASE_ORDER_SHORT_CLOSED_V1",
    "PurchaseOrderApprovedLineV1",
    "PurchaseOrderApprovedV1",
    "PurchaseOrderCancelledV1",
    "PurchaseOrderShortClosedLineV1",
    "PurchaseOrderShortClosedV1",
    "EVENTS",
]

GOODS_RECEIVED_V1 = "purchasing.GoodsReceived.v1"
GOODS_RETURNED_V1 = "purchasing.GoodsReturned.v1"
GOODS_RETURN_REQUESTED_V1 = "purchasing.GoodsReturnRequested.v1"
PURCHASE_ORDER_APPROVED_V1 = "purchasing.PurchaseOrderApproved.v1"
PURCHASE_ORDER_CANCELLED_V1 = "purchasing.PurchaseOrderCancelled.v1"
PURCHASE_ORDER_SHORT_CLOSED_V1 = "purchasing.PurchaseOrderShortClosed.v1"


class GoodsReceivedLineV1(ContractSchema):
    """One inspected receipt line: ``accepted_quantity`` enters stock, rejected goods stay out of it."""

    line_no = line_number()
    sku = text()
    received_quantity = positive()
    accepted_quantity = amount()
    rejected_quantity = amount()
    unit_cost = amount()
    """Per unit, in the purchase order's currency."""
    unit_cost_base = amount()
    """Per unit, in the base currency (``unit_cost * exchange_rate``); what inventory books stock at."""


class GoodsReceivedV1(ContractSchema):
    """A goods receipt (GRN) was posted after quality inspection.

    Carries costs in both the PO currency and the base currency so inventory can value stock without knowing
    exchange rates, and finance can post GRNI in either.
    """

    receipt_id = text()
    receipt_number = text()
    po_id = text()
    po_number = text()
    supplier_id = text()
    supplier_code = text()
    warehouse_code = text()
    received_at = business_time()
    currency = currency_code()
    exchange_rate = positive()
    """Units of base currency per 1 unit of ``currency`` (``"1"`` when the PO is in the base currency)."""
    lines = line_list(GoodsReceivedLineV1)


class GoodsReturnedLineV1(ContractSchema):
    """One returned line, valued at the base-currency cost it was received at."""

    line_no = line_number()
    sku = text()
    quantity = positive()
    unit_cost_base = amount()


class GoodsReturnedV1(ContractSchema):
    """Goods were sent back to the supplier: inventory has issued them (``inventory.SupplierReturnIssued.v1``)
    and purchasing completed the return. Finance raises the debit note against the supplier from it.

    The last step of the return saga: purchasing publishes it only after inventory confirmed the issue, so a
    return that inventory refused never reaches the books.
    """

    return_id = text()
    return_number = text()
    po_id = text()
    po_number = text()
    supplier_id = text()
    warehouse_code = text()
    returned_at = business_time()
    reason = text()
    lines = line_list(GoodsReturnedLineV1)


class GoodsReturnRequestedLineV1(ContractSchema):
    """One line to send back: a purchase order line, at the base-currency cost it was received at."""

    line_no = line_number()
    """The purchase order line the goods were received on."""
    sku = text()
    quantity = positive()
    unit_cost_base = amount()
    """Per unit in the base currency, as received on that order line; inventory takes the goods out at it."""


class GoodsReturnRequestedV1(ContractSchema):
    """A purchase return was recorded and waits for inventory to issue the goods (the return saga's start).

    Inventory answers with ``inventory.SupplierReturnIssued.v1`` (purchasing then completes the return and
    publishes ``purchasing.GoodsReturned.v1``) or ``inventory.SupplierReturnRejected.v1`` (purchasing marks the
    return refused and gives the quantities back to the order line). Nothing is dead-lettered for a business
    reason: the two services always end up agreeing about the return.
    """

    return_id = text()
    return_number = text()
    po_id = text()
    po_number = text()
    supplier_id = text()
    warehouse_code = text()
    requested_at = business_time()
    """When the return was recorded; also the business time of the stock issue."""
    reason = text()
    lines = line_list(GoodsReturnRequestedLineV1)


class PurchaseOrderApprovedLineV1(ContractSchema):
    """One ordered line at the price agreed with the supplier (the PO side of finance's three-way match)."""

    line_no = line_number()
    sku = text()
    quantity = positive()
    unit_price = amount()
    """Per unit, in the order's currency, net of tax."""
    tax_rate = amount()
    """A fraction: ``"0.13"`` is 13 %."""


class PurchaseOrderApprovedV1(ContractSchema):
    """A purchase order (revision) was approved: goods may now be received against it.

    An amended order is approved again under a higher ``revision``; the newest revision replaces the earlier
    ones. ``total_amount`` includes tax, in the order currency; ``total_amount_base`` is it times the exchange
    rate.
    """

    po_id = text()
    po_number = text()
    revision = StrictInteger(validate=validate.Range(min=1))
    supplier_id = text()
    supplier_code = text()
    warehouse_code = text()
    currency = currency_code()
    exchange_rate = positive()
    approved_at = business_time()
    lines = line_list(PurchaseOrderApprovedLineV1)
    total_amount = amount()
    total_amount_base = amount()


class PurchaseOrderCancelledV1(ContractSchema):
    """A purchase order that had been approved was cancelled before anything was received against it."""

    po_id = text()
    po_number = text()
    revision = StrictInteger(validate=validate.Range(min=1))
    cancelled_at = business_time()
    reason = text()


class PurchaseOrderShortClosedLineV1(ContractSchema):
    """One line of a short-closed order: what was ordered, what it is settled at, and what will never arrive."""

    line_no = line_number()
    sku = text()
    ordered_quantity = positive()
    accepted_quantity = amount()
    """What inspection accepted on the line in all: the quantity it is settled at (returns do not change it)."""
    short_closed_quantity = amount()
    """``max(ordered − accepted, 0)``: released, no longer owed by the supplier."""


class PurchaseOrderShortClosedV1(ContractSchema):
    """A partly received purchase order was short-closed (结案): no more goods are expected on any line.

    Each line is settled at what was accepted; the rest of the order's budget commitment is given back.
    Finance closes the order for matching at the accepted quantities (bills for more are exceptions); whoever
    tracks quantities on order drops ``short_closed_quantity``. Not published for a cancellation (nothing
    received: ``PurchaseOrderCancelled``) nor when an order closes because everything arrived.
    """

    po_id = text()
    po_number = text()
    revision = StrictInteger(validate=validate.Range(min=1))
    supplier_id = text()
    warehouse_code = text()
    currency = currency_code()
    closed_at = business_time()
    reason = text()
    lines = line_list(PurchaseOrderShortClosedLineV1)
    released_amount = amount()
    """The value of the short-closed quantities including tax, in ``currency``."""
    released_amount_base = amount()
    """What was given back to the budget, in the base currency."""


EVENTS: dict[str, type[ContractSchema]] = {
    GOODS_RECEIVED_V1: GoodsReceivedV1,
    GOODS_RETURNED_V1: GoodsReturnedV1,
    GOODS_RETURN_REQUESTED_V1: GoodsReturnRequestedV1,
    PURCHASE_ORDER_APPROVED_V1: PurchaseOrderApprovedV1,
    PURCHASE_ORDER_CANCELLED_V1: PurchaseOrderCancelledV1,
    PURCHASE_ORDER_SHORT_CLOSED_V1: PurchaseOrderShortClosedV1,
}
