"""Events published by the inventory service (exchange ``psi.inventory.events``)."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from psi_contracts.events._common import (
    amount,
    business_time,
    line_list,
    line_number,
    nonzero,
    optional_text,
    positive,
    revision_number,
    signed,
)
from psi_contracts.schema import (
    ContractSchema,
    DecimalString,
    StrictBoolean,
    StrictInteger,
    currency_code,
    text,
)

__all__ = [
    "STOCK_RECEIVED_V1",
    "STOCK_RESERVED_V1",
    "RESERVATION_REJECTED_V1",
    "STOCK_ISSUED_V1",
    "ITEM_CREATED_V1",
    "ITEM_UPDATED_V1",
    "STOCK_ADJUSTED_V1",
    "STOCK_BELOW_REORDER_POINT_V1",
    "STOCK_TRANSFERRED_V1",
    "SUPPLIER_RETURN_ISSUED_V1",
    "SUPPLIER_RETURN_REJECTED_V1",
    "SHIPMENT_REJECTED_V1",
    "WAREHOUSE_CREATED_V1",
    "WAREHOUSE_UPDATED_V1",
    "RESERVATION_SHORTFALL_V1",
    "RETURN_RESTOCKED_V1",
    "ReturnRestockedLineV1",
    "ReturnRestockedV1",
    "TRANSFER_STATUSES",
    "VALUATION_METHODS",
    "StockReceivedLineV1",
    "StockReceivedV1",
    "StockReservedLineV1",
    "StockReservedV1",
    "ShortLineV1",
    "ReservationRejectedV1",
    "StockIssuedLineV1",
    "StockIssuedV1",
    "ItemSnapshotV1",
    "ItemCreatedV1",
    "ItemUpdatedV1",
    "StockAdjustedLineV1",
    "StockAdjustedV1",
    "StockBelowReorderPointV1",
    "StockTransferredLineV1",
    "StockTransferredV1",
    "SupplierReturnIssuedLineV1",
    "SupplierReturnIssuedV1",
    "RefusedLineV1",
    "SupplierReturnRejectedV1",
    "ShipmentRejectedLineV1",
    "ShipmentRejectedV1",
    "WarehouseSnapshotV1",
    "WarehouseCreatedV1",
    "WarehouseUpdatedV1",
    "ShortReservationV1",
    "ReservationShortfallV1",
    "EVENTS",
]

STOCK_RECEIVED_V1 = "inventory.StockReceived.v1"
STOCK_RESERVED_V1 = "inventory.StockReserved.v1"
RESERVATION_REJECTED_V1 = "inventory.ReservationRejected.v1"
STOCK_ISSUED_V1 = "inventory.StockIssued.v1"
ITEM_CREATED_V1 = "inventory.ItemCreated.v1"
ITEM_UPDATED_V1 = "inventory.ItemUpdated.v1"
STOCK_ADJUSTED_V1 = "inventory.StockAdjusted.v1"
STOCK_BELOW_REORDER_POINT_V1 = "inventory.StockBelowReorderPoint.v1"
STOCK_TRANSFERRED_V1 = "inventory.StockTransferred.v1"
SUPPLIER_RETURN_ISSUED_V1 = "inventory.SupplierReturnIssued.v1"
SUPPLIER_RETURN_REJECTED_V1 = "inventory.SupplierReturnRejected.v1"
SHIPMENT_REJECTED_V1 = "inventory.ShipmentRejected.v1"
WAREHOUSE_CREATED_V1 = "inventory.WarehouseCreated.v1"
WAREHOUSE_UPDATED_V1 = "inventory.WarehouseUpdated.v1"
RESERVATION_SHORTFALL_V1 = "inventory.ReservationShortfall.v1"
RETURN_RESTOCKED_V1 = "inventory.ReturnRestocked.v1"

VALUATION_METHODS = ("moving_average", "fifo")
"""How a warehouse values its stock in the books."""

#: The ``reason_code`` of a refusal (``SupplierReturnRejected``, ``ShipmentRejected``): named once, here, for the
#: producer that writes it and the consumers that act on it. An open list: a consumer shows a code it does not know.
INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
NOT_RESERVED = "NOT_RESERVED"
UNKNOWN_WAREHOUSE = "UNKNOWN_WAREHOUSE"
UNKNOWN_SKU = "UNKNOWN_SKU"

TRANSFER_STATUSES = ("shipped", "received")
"""The two moments of a transfer that are published: stock left the source, stock arrived at the target."""


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
    revision = revision_number(load_default=None)
    """The revision of the ``sales.OrderConfirmed.v1`` this answers (absent from an older producer: ``None``)."""


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
    revision = revision_number(load_default=None)
    """The revision of the ``sales.OrderConfirmed.v1`` this answers (absent from an older producer: ``None``)."""


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


def _optional_amount() -> DecimalString:
    """A decimal string >= 0 that is always present but may be ``null`` ("not set")."""
    return amount(allow_none=True)


class ItemSnapshotV1(ContractSchema):
    """The whole item master record as it is after a change, so consumers can keep a replica by upserting it.

    Every event carries the full record, never a diff: a consumer that missed an event is repaired by the
    next one. Replicas keep the highest ``version`` they have seen and drop any event whose ``version`` is not
    higher (events may be redelivered, and arrive out of order after a retry).
    """

    sku = text()
    name = text()
    unit_of_measure = text()
    """e.g. ``"pcs"``, ``"kg"``; the unit every quantity of this SKU is in."""
    category = optional_text()
    barcode = optional_text()
    reorder_point = _optional_amount()
    """Low-stock threshold on *available* stock; ``null`` when the item has none (then it is never below)."""
    reorder_quantity = _optional_amount()
    """Suggested quantity to order when below the reorder point; ``null`` when not set."""
    safety_stock = amount()
    active = StrictBoolean()
    """``false`` once the item is deactivated; it is never deleted, so replicas keep it too."""
    version = StrictInteger(validate=validate.Range(min=1))
    """1 on creation, one higher with every change."""
    changed_at = business_time()
    """When the item master was changed (the creation time for ``ItemCreated``)."""


class ItemCreatedV1(ItemSnapshotV1):
    """A new item (SKU) was added to the item master; ``version`` is normally 1."""


class ItemUpdatedV1(ItemSnapshotV1):
    """An item's master data changed (including deactivation); the full record after the change."""


class StockAdjustedLineV1(ContractSchema):
    """One SKU's correction, signed: positive adds stock, negative removes it."""

    sku = text()
    quantity = nonzero()
    unit_cost = amount()
    """Per-unit cost of the move: the current cost for a removal, the cost booked in for an addition."""
    value = signed()
    """Signed value of the move under moving-average costing (negative for a removal)."""
    value_fifo = signed()
    """Signed value of the move under FIFO costing (a removal consumes the oldest layers)."""


class StockAdjustedV1(ContractSchema):
    """Stock was corrected outside a document flow: a stocktake difference, damage, a write-off, goods found.

    Finance posts ``total_value`` against the adjustment account for ``reason_code`` (Dr/Cr Inventory).
    """

    adjustment_id = text()
    document_ref = text()
    """Human reference of the source document: ``"ADJ-000001"`` for an adjustment, ``"STK-000003"`` for a
    stocktake that found differences."""
    warehouse_code = text()
    occurred_at = business_time()
    reason_code = text()
    """Why: ``"stocktake"``, ``"damage"``, ``"found"``, ``"write_off"``, ``"correction"``. An open list:
    consumers must handle a code they do not know (e.g. post it to a default account)."""
    currency = currency_code()
    """The base currency the values are in."""
    lines = line_list(StockAdjustedLineV1)
    total_value = signed()
    """The books' valuation of the whole adjustment: the sum of the lines' ``value`` (moving average) or
    ``value_fifo`` (FIFO), whichever the warehouse books; negative when stock was lost."""


class StockBelowReorderPointV1(ContractSchema):
    """Available stock of one SKU in one warehouse fell below its reorder point.

    Published once per crossing: not again while it stays below, again only after it has recovered.
    """

    sku = text()
    warehouse_code = text()
    available = signed()
    """On hand minus reserved at the moment of the crossing. Not range-checked (see ``available_quantity``
    in :class:`ShortLineV1`)."""
    reorder_point = amount()
    reorder_quantity = amount()
    """Suggested quantity to order; ``"0"`` when the item has none set."""
    safety_stock = amount()
    occurred_at = business_time()


class StockTransferredLineV1(ContractSchema):
    line_no = line_number()
    sku = text()
    quantity = positive()
    value = amount()
    """Value carried from the source warehouse under moving-average costing."""
    value_fifo = amount()
    """Value carried under FIFO costing (the layers consumed at the source)."""


class StockTransferredV1(ContractSchema):
    """Stock moved between two warehouses, published twice per transfer: when it is ``shipped`` (it left
    ``from_warehouse``) and when it is ``received`` (it arrived at ``to_warehouse``).

    The company's stock value does not change; a consumer tracking stock in transit uses the pair.
    """

    transfer_id = text()
    transfer_number = text()
    from_warehouse = text()
    to_warehouse = text()
    status = fields.String(required=True, validate=validate.OneOf(TRANSFER_STATUSES))
    occurred_at = business_time()
    """When the stock was shipped or received, per ``status``."""
    currency = currency_code()
    """The base currency the values are in."""
    lines = line_list(StockTransferredLineV1)

    @validates_schema
    def _between_two_warehouses(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("from_warehouse") is not None and data.get("from_warehouse") == data.get("to_warehouse"):
            raise ValidationError("Must differ from from_warehouse.", field_name="to_warehouse")


class SupplierReturnIssuedLineV1(ContractSchema):
    """One returned line taken out of stock, valued both ways (the values are positive amounts that left)."""

    line_no = line_number()
    """The purchase order line of the return request."""
    sku = text()
    quantity = positive()
    unit_cost = amount()
    """Per unit, under the warehouse's method for the books."""
    value = amount()
    """What left the books under moving-average costing."""
    value_fifo = amount()
    """What left the books under FIFO costing."""


class SupplierReturnIssuedV1(ContractSchema):
    """Inventory issued the goods of a ``purchasing.GoodsReturnRequested.v1`` back to the supplier.

    Purchasing completes the return from it; finance credits Inventory with ``total_value``.
    """

    source_event_id = text()
    """The id of the ``purchasing.GoodsReturnRequested.v1`` event answered."""
    return_id = text()
    return_number = text()
    po_number = text()
    warehouse_code = text()
    occurred_at = business_time()
    currency = currency_code()
    """The base currency the values are in."""
    lines = line_list(SupplierReturnIssuedLineV1)
    total_value = amount()
    """What left the books in all, under the warehouse's method (the sum of ``value`` or ``value_fifo``)."""


class ReturnRestockedLineV1(ContractSchema):
    """One line of a customer return booked back into stock, valued both ways at the cost that left."""

    line_no = line_number()
    """The line of the return document."""
    sku = text()
    quantity = positive()
    unit_cost = amount()
    """Per unit, under the warehouse's method for the books."""
    value = amount()
    """What came back into the books under moving-average costing."""
    value_fifo = amount()
    """What came back under FIFO costing."""


class ReturnRestockedV1(ContractSchema):
    """Goods of a ``sales.ReturnReceived.v1`` were booked back into stock at what they cost when they left;
    finance posts Dr Inventory / Cr Cost of goods sold for ``total_value``. Damaged lines are in it too (they
    came back at cost) and are then written off by a ``StockAdjusted`` with reason ``return_damaged``."""

    source_event_id = text()
    """The id of the ``sales.ReturnReceived.v1`` event booked."""
    return_id = text()
    return_number = text()
    order_id = text()
    order_number = text()
    warehouse_code = text()
    occurred_at = business_time()
    currency = currency_code()
    """The base currency the values are in."""
    lines = line_list(ReturnRestockedLineV1)
    total_value = amount()
    """What came back into the books in all, under the warehouse's method (the sum of ``value`` or
    ``value_fifo``)."""


class RefusedLineV1(ContractSchema):
    """A line inventory could not carry out, and what it had instead."""

    line_no = line_number()
    sku = text()
    requested_quantity = positive()
    available_quantity = signed()
    """Unreserved stock at the time (not range-checked: a stocktake may leave it negative)."""


class SupplierReturnRejectedV1(ContractSchema):
    """Inventory refused a return request; nothing left stock. Purchasing marks the return refused."""

    source_event_id = text()
    return_id = text()
    return_number = text()
    warehouse_code = text()
    occurred_at = business_time()
    """When inventory refused it."""
    reason_code = text()
    """``"INSUFFICIENT_STOCK"`` (the goods are reserved or gone), ``"UNKNOWN_WAREHOUSE"``, ``"UNKNOWN_SKU"``. An
    open list: a consumer shows a code it does not know as it is."""
    reason = text()
    """The refusal in words, for the clerk."""
    lines = fields.List(fields.Nested(RefusedLineV1), required=True)
    """The lines that could not be issued (empty when the refusal is about the whole document)."""


class ShipmentRejectedLineV1(ContractSchema):
    line_no = line_number()
    sku = text()
    requested_quantity = positive()
    reserved_quantity = amount()
    """What the order still had reserved for this SKU in the warehouse."""
    available_quantity = signed()


class ShipmentRejectedV1(ContractSchema):
    """Inventory refused a ``sales.OrderShipped.v1``: no stock moved for any of its lines.

    A shipment must be covered by the order's reservation; sales acts on this (re-reserves, or corrects the
    shipment) so the two services never disagree about what left the warehouse.
    """

    source_event_id = text()
    shipment_id = text()
    shipment_number = text()
    order_id = text()
    order_number = text()
    warehouse_code = text()
    occurred_at = business_time()
    reason_code = text()
    """``"NOT_RESERVED"`` (the shipment exceeds the order's reservation), ``"INSUFFICIENT_STOCK"``,
    ``"UNKNOWN_WAREHOUSE"``. An open list."""
    reason = text()
    lines = fields.List(fields.Nested(ShipmentRejectedLineV1), required=True)


class WarehouseSnapshotV1(ContractSchema):
    """The whole warehouse record after a change, for replicas (the same rules as :class:`ItemSnapshotV1`)."""

    code = text()
    name = text()
    active = StrictBoolean()
    """``false`` once deactivated: no new documents may name it."""
    valuation_method = fields.String(required=True, validate=validate.OneOf(VALUATION_METHODS))
    version = StrictInteger(validate=validate.Range(min=1))
    changed_at = business_time()


class WarehouseCreatedV1(WarehouseSnapshotV1):
    """A new warehouse; ``version`` is normally 1."""


class WarehouseUpdatedV1(WarehouseSnapshotV1):
    """A warehouse changed (deactivation included); the full record after the change."""


class ShortReservationV1(ContractSchema):
    """A reservation of one reference (a sales order) that the stock on hand no longer covers in full."""

    reference = text()
    """The order id the reservation was made for (``order_id`` of ``sales.OrderConfirmed.v1``)."""
    reserved_quantity = positive()
    """What the reference still holds (reserved minus consumed)."""


class ReservationShortfallV1(ContractSchema):
    """On hand fell below what is reserved (a stocktake counted less than the books): some reservations can no
    longer be shipped in full. Sales re-plans the orders named."""

    sku = text()
    warehouse_code = text()
    on_hand = signed()
    reserved = positive()
    shortfall = positive()
    """``reserved - on_hand``."""
    document_ref = text()
    """What caused it, e.g. ``"STK-000003"``."""
    occurred_at = business_time()
    reservations = line_list(ShortReservationV1)


EVENTS: dict[str, type[ContractSchema]] = {
    STOCK_RECEIVED_V1: StockReceivedV1,
    STOCK_RESERVED_V1: StockReservedV1,
    RESERVATION_REJECTED_V1: ReservationRejectedV1,
    STOCK_ISSUED_V1: StockIssuedV1,
    ITEM_CREATED_V1: ItemCreatedV1,
    ITEM_UPDATED_V1: ItemUpdatedV1,
    STOCK_ADJUSTED_V1: StockAdjustedV1,
    STOCK_BELOW_REORDER_POINT_V1: StockBelowReorderPointV1,
    STOCK_TRANSFERRED_V1: StockTransferredV1,
    SUPPLIER_RETURN_ISSUED_V1: SupplierReturnIssuedV1,
    SUPPLIER_RETURN_REJECTED_V1: SupplierReturnRejectedV1,
    SHIPMENT_REJECTED_V1: ShipmentRejectedV1,
    WAREHOUSE_CREATED_V1: WarehouseCreatedV1,
    WAREHOUSE_UPDATED_V1: WarehouseUpdatedV1,
    RESERVATION_SHORTFALL_V1: ReservationShortfallV1,
    RETURN_RESTOCKED_V1: ReturnRestockedV1,
}
