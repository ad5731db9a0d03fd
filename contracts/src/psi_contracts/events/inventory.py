"""Events published by the inventory service (exchange ``psi.inventory.events``)."""

from __future__ import annotations

from psi_contracts.events._common import amount, business_time, line_list, line_number, positive, signed
from psi_contracts.schema import ContractSchema, currency_code, text

__all__ = [
    "STOCK_RECEIVED_V1",
    "STOCK_RESERVED_V1",
    "RESERVATION_REJECTED_V1",
    "STOCK_ISSUED_V1",
    "StockReceivedLineV1",
    "StockReceivedV1",
    "StockReservedLineV1",
    "StockReservedV1",
    "ShortLineV1",
    "ReservationRejectedV1",
    "StockIssuedLineV1",
    "StockIssuedV1",
    "EVENTS",
]

STOCK_RECEIVED_V1 = "inventory.StockReceived.v1"
STOCK_RESERVED_V1 = "inventory.StockReserved.v1"
RESERVATION_REJECTED_V1 = "inventory.ReservationRejected.v1"
STOCK_ISSUED_V1 = "inventory.StockIssued.v1"


class StockReceivedLineV1(ContractSchema):
    """Stock booked in for one SKU, valued in the base currency."""

    sku = text()
    quantity = positive()
    unit_cost = amount()
    value = amount()
    """``quantity * unit_cost`` as booked (rounded by inventory); finance posts this figure as is."""


class StockReceivedV1(ContractSchema):
    """Stock entered the books at cost; finance posts Dr Inventory / Cr GRNI from it.

    Published by inventory rather than purchasing because inventory decides the booked value, and the
    reconciliation compares the GL against exactly these values.
    """

    source_event_id = text()
    """The id of the event that caused this receipt (e.g. the ``purchasing.GoodsReceived.v1`` event)."""
    document_ref = text()
    """Human reference of the source document, e.g. the GRN number."""
    warehouse_code = text()
    occurred_at = business_time()
    currency = currency_code()
    """The base currency the values are in."""
    lines = line_list(StockReceivedLineV1)
    total_value = amount()


class StockReservedLineV1(ContractSchema):
    line_no = line_number()
    sku = text()
    quantity = positive()


class StockReservedV1(ContractSchema):
    """Every line of a confirmed order is reserved (all or nothing) in one warehouse."""

    order_id = text()
    order_number = text()
    warehouse_code = text()
    lines = line_list(StockReservedLineV1)


class ShortLineV1(ContractSchema):
    """An order line that could not be reserved."""

    line_no = line_number()
    sku = text()
    requested_quantity = positive()
    available_quantity = signed()
    """Available at the time of the attempt. Not range-checked: a stocktake may leave on-hand below reserved,
    and the event must still be publishable to tell sales why."""


class ReservationRejectedV1(ContractSchema):
    """A confirmed order could not be reserved; nothing was reserved for any of its lines."""

    order_id = text()
    order_number = text()
    warehouse_code = text()
    short_lines = line_list(ShortLineV1)


class StockIssuedLineV1(ContractSchema):
    """Stock issued for one shipment line, costed by both methods from the same moves."""

    line_no = line_number()
    sku = text()
    quantity = positive()
    cost_moving_average = amount()
    """Value of the issue (not per unit) under moving-average costing."""
    cost_fifo = amount()
    """Value of the issue (not per unit) under FIFO costing."""
    unit_cost = amount()
    """Per-unit cost used for the books (the configured valuation method)."""


class StockIssuedV1(ContractSchema):
    """Stock left for a shipment; finance posts COGS (Dr COGS / Cr Inventory) for ``total_cost``."""

    shipment_id = text()
    order_id = text()
    order_number = text()
    warehouse_code = text()
    occurred_at = business_time()
    currency = currency_code()
    lines = line_list(StockIssuedLineV1)
    total_cost = amount()


EVENTS: dict[str, type[ContractSchema]] = {
    STOCK_RECEIVED_V1: StockReceivedV1,
    STOCK_RESERVED_V1: StockReservedV1,
    RESERVATION_REJECTED_V1: ReservationRejectedV1,
    STOCK_ISSUED_V1: StockIssuedV1,
}
