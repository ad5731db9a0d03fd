"""The request and response schemas of inventory's API, and the field helpers they share.

Requests are strict (an unknown field is a 422); a JSON number is refused where a decimal is expected, because
a float cannot carry ``0.1`` exactly, and every decimal is a string on the way out. The class names are the
OpenAPI component names: renaming one changes the published contract. The routes (``api/<resource>.py``) only
parse with these, call a handler, and render with these.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from psi_chassis.api_schemas import (
    NON_NEGATIVE,
    NON_ZERO,
    POSITIVE,
    DecimalString,
    PageArgs,
    StrictSchema,
    WholeText,
    line_list,
    money,
    note_field,
    page_schema,
    trimmed,
)
from psi_chassis.types import utcnow
from psi_contracts.schema import StrictBoolean
from psi_inventory.domain.business_time import business_time_problem
from psi_inventory.domain.catalog import (
    DEFAULT_VALUATION_METHOD,
    SKU_PATTERN,
    SKU_RULE,
    VALUATION_METHODS,
    WAREHOUSE_CODE_PATTERN,
    WAREHOUSE_CODE_RULE,
    barcode_problem,
    is_valid_sku,
    is_valid_warehouse_code,
)
from psi_inventory.domain.documents import (
    ADJUSTMENT_REASONS,
    CANCELLED,
    IN_TRANSIT,
    OPEN,
    POSTED,
    RECEIVED,
    RECORDED_REASONS,
)
from psi_inventory.domain.reservation_book import ACTIVE, CONSUMED, RELEASED
from psi_inventory.domain.source_documents import BOOKED, REJECTED, RETURN_KINDS

# --- adjustments ---------------------------------------------------------------------------------------------------


def _not_in_the_future(value: datetime) -> None:
    """A business time: it has happened (a few minutes of clock skew allowed), and not in another century."""
    problem = business_time_problem(value, utcnow())
    if problem is not None:
        raise ValidationError(problem)


def business_time_field(description: str) -> fields.AwareDateTime:
    """An optional business time of a document (``domain/business_time.py``): ISO 8601 with an offset, not in
    the future, not before 2000; default now."""
    return fields.AwareDateTime(
        format="iso",
        validate=_not_in_the_future,
        metadata={
            "description": f"{description} (ISO 8601 with offset; not in the future, not before 2000); default now."
        },
    )


def _representable(value: datetime) -> None:
    """Within what the database and UTC conversion can hold (year 1 at +01:00 is year 0 in UTC)."""
    try:
        value.astimezone(UTC)
    except OverflowError as exc:
        raise ValidationError("Must be a representable time.") from exc
    if not 1900 <= value.year <= 9999:
        raise ValidationError("Must be between the years 1900 and 9999.")


def query_time(description: str, **kwargs: Any) -> fields.AwareDateTime:
    """A time in a query string: ISO 8601 with an offset, between the years 1900 and 9999."""
    return fields.AwareDateTime(validate=_representable, metadata={"description": description}, **kwargs)


class DateRangeArgs(PageArgs):
    """``from`` and ``to``, both inclusive, as every inventory list filters by time (ISO 8601 with offset)."""

    date_from = query_time("From this business time on (inclusive)", data_key="from")
    date_to = query_time("Up to this business time (inclusive)", data_key="to")

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError("Must not be before 'from'.", "to")


def range_of(args: dict[str, Any]) -> dict[str, Any]:
    return {"date_from": args.get("date_from"), "date_to": args.get("date_to")}


def optional_money() -> fields.Decimal:
    """A decimal string on the way out that may be ``null`` (not counted yet, not posted yet)."""
    return fields.Decimal(
        as_string=True, required=True, allow_none=True, metadata={"type": "string", "format": "decimal"}
    )


def sku_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=64), WholeText(r"^\S+$", error="No spaces.")], **kwargs)


def warehouse_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=32), WholeText(r"^\S+$", error="No spaces.")], **kwargs)


class AdjustmentLineCreateSchema(StrictSchema):
    sku = sku_field(required=True)
    quantity = DecimalString(
        sign=NON_ZERO,
        required=True,
        metadata={"description": "Signed: positive adds stock, negative removes it; not 0."},
    )
    unit_cost = DecimalString(
        sign=NON_NEGATIVE,
        metadata={
            "description": "Cost per unit of a line that adds stock (default: the current cost); not for a removal."
        },
    )


class AdjustmentCreateSchema(StrictSchema):
    warehouse_code = warehouse_field(required=True)
    reason_code = fields.String(required=True, validate=validate.OneOf(ADJUSTMENT_REASONS))
    occurred_at = business_time_field("When it happened")
    note = note_field()
    lines = line_list(AdjustmentLineCreateSchema)


class AdjustmentLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()
    unit_cost = money()
    value = money()
    value_fifo = money()


class AdjustmentSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    reason_code = fields.String(required=True)
    note = fields.String(allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)
    currency = fields.String(required=True)
    lines = fields.List(fields.Nested(AdjustmentLineSchema), required=True)
    total_value = money()
    total_value_fifo = money()
    created_at = fields.AwareDateTime(required=True)


class AdjustmentQueryArgs(DateRangeArgs):
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    reason_code = fields.String(validate=validate.OneOf(RECORDED_REASONS))
    sku = fields.String(validate=validate.Length(min=1, max=64))


AdjustmentPage = page_schema(AdjustmentSchema, "AdjustmentPage")


# --- transfers -----------------------------------------------------------------------------------------------------


class TransferLineCreateSchema(StrictSchema):
    sku = sku_field(required=True)
    quantity = DecimalString(sign=POSITIVE, required=True)


class TransferCreateSchema(StrictSchema):
    from_warehouse_code = warehouse_field(required=True)
    to_warehouse_code = warehouse_field(
        required=True, metadata={"description": "Must differ from from_warehouse_code."}
    )
    shipped_at = business_time_field("When the goods left the source warehouse")
    note = note_field()
    lines = line_list(TransferLineCreateSchema)


class TransferReceiveSchema(StrictSchema):
    received_at = business_time_field("When the goods arrived (not before they were shipped)")


class CarriedLayerSchema(Schema):
    quantity = money()
    unit_cost = money()


class TransferLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    quantity = money()
    value = money()
    value_fifo = money()
    unit_cost = money()
    layers = fields.List(
        fields.Nested(CarriedLayerSchema),
        required=True,
        metadata={"description": "FIFO layers taken at the source, oldest first."},
    )


class TransferSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "in_transit or received"})
    from_warehouse_code = fields.String(required=True)
    to_warehouse_code = fields.String(required=True)
    note = fields.String(allow_none=True)
    currency = fields.String(required=True)
    lines = fields.List(fields.Nested(TransferLineSchema), required=True)
    total_value = money()
    total_value_fifo = money()
    in_transit_value = money()
    in_transit_value_fifo = money()
    shipped_at = fields.AwareDateTime(required=True)
    received_at = fields.AwareDateTime(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class TransferQueryArgs(DateRangeArgs):
    status = fields.String(validate=validate.OneOf([IN_TRANSIT, RECEIVED]))
    sku = fields.String(validate=validate.Length(min=1, max=64))
    warehouse_code = fields.String(
        validate=validate.Length(min=1, max=32), metadata={"description": "Either end of the transfer"}
    )
    from_warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    to_warehouse_code = fields.String(validate=validate.Length(min=1, max=32))


TransferPage = page_schema(TransferSchema, "TransferPage")


# --- stocktakes ----------------------------------------------------------------------------------------------------


class StocktakeCreateSchema(StrictSchema):
    warehouse_code = warehouse_field(required=True)
    skus = fields.List(
        sku_field(),
        validate=validate.Length(min=1, max=5000),
        metadata={"description": "The SKUs to count; default every SKU of the warehouse that is active or in stock."},
    )
    note = note_field()


class CountSchema(StrictSchema):
    sku = sku_field(required=True)
    counted_quantity = DecimalString(sign=NON_NEGATIVE, required=True)
    counted_at = business_time_field("When it was counted; the difference is taken against the book at this time")


class CountsSchema(StrictSchema):
    counts = fields.List(
        fields.Nested(CountSchema),
        required=True,
        validate=validate.Length(min=1, max=5000, error="Enter between {min} and {max} counts."),
    )


class StocktakeLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    book_quantity = money()
    counted_quantity = optional_money()
    counted_at = fields.AwareDateTime(required=True, allow_none=True)
    book_at_count = optional_money()
    difference = optional_money()
    unit_cost = optional_money()
    value = optional_money()
    value_fifo = optional_money()


class StocktakeSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "open, posted or cancelled"})
    warehouse_code = fields.String(required=True)
    note = fields.String(allow_none=True)
    currency = fields.String(required=True)
    lines = fields.List(fields.Nested(StocktakeLineSchema), required=True)
    counted_lines = fields.Integer(required=True)
    total_value = money()
    total_value_fifo = money()
    posted_at = fields.AwareDateTime(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class StocktakeQueryArgs(DateRangeArgs):
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    status = fields.String(validate=validate.OneOf([OPEN, POSTED, CANCELLED]))
    sku = fields.String(validate=validate.Length(min=1, max=64))


StocktakePage = page_schema(StocktakeSchema, "StocktakePage")


# --- reservations --------------------------------------------------------------------------------------------------


class ReservationLineIn(StrictSchema):
    line_no = fields.Integer(validate=validate.Range(min=1, max=10_000))
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = DecimalString(sign=POSITIVE, required=True)


class ReservationIn(StrictSchema):
    reference = fields.String(required=True, validate=WholeText(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"))
    warehouse_code = fields.String(required=True, validate=validate.Length(min=1, max=32))
    lines = line_list(ReservationLineIn)

    @validates_schema
    def _distinct_line_numbers(self, data: dict[str, Any], **_: Any) -> None:
        numbers = [ln.get("line_no") for ln in data.get("lines", []) if ln.get("line_no") is not None]
        if numbers and len(numbers) != len(data.get("lines", [])):
            raise ValidationError("give line_no on every line or on none", field_name="lines")
        if len(numbers) != len(set(numbers)):
            raise ValidationError("line numbers must be distinct", field_name="lines")


RESERVATION_IN = ReservationIn()


class ReservationLineOut(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    quantity = money()
    consumed = money()
    status = fields.String(required=True)


class ReservationOut(Schema):
    reference = fields.String(required=True)
    lines = fields.List(fields.Nested(ReservationLineOut), required=True)


class ReservationListLine(ReservationLineOut):
    reference = fields.String(required=True)
    open = money()
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class ReservationQueryArgs(DateRangeArgs):
    reference = fields.String(validate=validate.Length(min=1, max=64))
    sku = fields.String(validate=validate.Length(min=1, max=64))
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    status = fields.String(validate=validate.OneOf([ACTIVE, RELEASED, CONSUMED]))


ReservationPage = page_schema(ReservationListLine, "ReservationPage")


# --- receipts and returns booked from other services ---------------------------------------------------------------


class BookedLineSchema(Schema):
    line_no = fields.Integer(allow_none=True, metadata={"description": "The purchase order (or return) line"})
    sku = fields.String(required=True)
    quantity = money()
    unit_cost = money()
    value = money()
    value_fifo = money()


class RefusedLineSchema(Schema):
    line_no = fields.Integer(required=True)
    sku = fields.String(required=True)
    requested_quantity = money()
    available_quantity = money()


class SourceDocumentSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "receipt, supplier_return or customer_return"})
    number = fields.String(required=True, metadata={"description": "The GRN or return number"})
    reference = fields.String(allow_none=True, metadata={"description": "The purchase or sales order number"})
    warehouse_code = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "booked or rejected"})
    reason_code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    source_event_id = fields.String(required=True)
    lines = fields.List(fields.Nested(BookedLineSchema), required=True)
    refused_lines = fields.List(fields.Nested(RefusedLineSchema), required=True)
    total_value = money()
    total_value_fifo = money()


class ReceiptQueryArgs(DateRangeArgs):
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))
    sku = fields.String(validate=validate.Length(min=1, max=64))


class ReturnQueryArgs(ReceiptQueryArgs):
    kind = fields.String(validate=validate.OneOf(RETURN_KINDS))
    status = fields.String(validate=validate.OneOf([BOOKED, REJECTED]))


SourceDocumentPage = page_schema(SourceDocumentSchema, "SourceDocumentPage")


# --- stock balances and reports ------------------------------------------------------------------------------------


class BalanceSchema(Schema):
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    on_hand = money()
    reserved = money()
    available = money()
    value = money()
    value_fifo = money()
    updated_at = fields.AwareDateTime(required=True)


class StockQueryArgs(PageArgs):
    sku = fields.String()
    warehouse_code = fields.String()


class SkuStockSchema(Schema):
    sku = fields.String(required=True)
    on_hand = money()
    reserved = money()
    available = money()
    value = money()
    value_fifo = money()
    warehouses = fields.List(fields.Nested(BalanceSchema), required=True)


BalancePage = page_schema(BalanceSchema, "BalancePage")


class AsOfArgs(PageArgs):
    at = query_time("Business time, ISO 8601 with offset", required=True)
    sku = fields.String()
    warehouse_code = fields.String(metadata={"description": "Stock in transit is shown at its destination"})


class AsOfSchema(Schema):
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    on_hand = money()
    value = money()
    value_fifo = money()
    in_transit = money()
    in_transit_value = money()
    in_transit_value_fifo = money()
    as_of = fields.AwareDateTime(required=True)


class AsOfTotalsSchema(Schema):
    value = money()
    value_fifo = money()
    in_transit_value = money()
    in_transit_value_fifo = money()
    total_value = money()
    total_value_fifo = money()


class AsOfPageSchema(page_schema(AsOfSchema, "StockAsOfRows")):  # type: ignore[misc]
    totals = fields.Nested(
        AsOfTotalsSchema,
        required=True,
        metadata={"description": "Over every row the filters match, not only this page"},
    )


class StockCardArgs(DateRangeArgs):
    sku = fields.String(required=True, validate=validate.Length(min=1, max=64))
    warehouse_code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class CardBalanceSchema(Schema):
    quantity = money()
    value = money()
    value_fifo = money()


class StockCardLineSchema(Schema):
    move_id = fields.Integer(required=True)
    occurred_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True)
    document_ref = fields.String(allow_none=True)
    line_no = fields.Integer(allow_none=True)
    reason_code = fields.String(allow_none=True)
    quantity = money()
    unit_cost = money()
    value = money()
    value_fifo = money()
    balance_quantity = money()
    balance_value = money()
    balance_value_fifo = money()


class StockCardSchema(page_schema(StockCardLineSchema, "StockCardRows")):  # type: ignore[misc]
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    date_from = fields.AwareDateTime(allow_none=True, data_key="from", attribute="from")
    date_to = fields.AwareDateTime(allow_none=True, data_key="to", attribute="to")
    opening = fields.Nested(CardBalanceSchema, required=True, metadata={"description": "Balance before 'from'"})
    closing = fields.Nested(CardBalanceSchema, required=True, metadata={"description": "Balance at 'to' (or now)"})


class StockValueArgs(Schema):
    warehouse_code = fields.String(validate=validate.Length(min=1, max=32))


class ValuesSchema(Schema):
    value = money()
    value_fifo = money()
    books_value = money()


class WarehouseValueSchema(ValuesSchema):
    warehouse_code = fields.String(required=True)
    valuation_method = fields.String(required=True)


class StockValueSchema(Schema):
    currency = fields.String(required=True)
    warehouses = fields.List(fields.Nested(WarehouseValueSchema), required=True)
    in_transit = fields.Nested(
        ValuesSchema, required=True, metadata={"description": "Transfers on their way (books: the source's method)"}
    )
    total = fields.Nested(ValuesSchema, required=True)


class LowStockArgs(PageArgs):
    warehouse_code = fields.String()


class LowStockSchema(Schema):
    sku = fields.String(required=True)
    warehouse_code = fields.String(required=True)
    name = fields.String(required=True)
    on_hand = money()
    reserved = money()
    available = money()
    reorder_point = money()
    reorder_quantity = money()
    safety_stock = money()


LowStockPage = page_schema(LowStockSchema, "LowStockPage")


# --- the item master -----------------------------------------------------------------------------------------------


def _sku(value: str) -> None:
    if not is_valid_sku(value):
        raise ValidationError(f"Must be {SKU_RULE}.")


def _gtin(value: str) -> None:
    problem = barcode_problem(value)
    if problem is not None:
        raise ValidationError(problem)


def _item_name() -> fields.String:
    return fields.String(required=True, validate=[validate.Length(min=1, max=200), trimmed])


def _unit(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=16), trimmed], **kwargs)


def _category(**kwargs: Any) -> fields.String:
    return fields.String(allow_none=True, validate=[validate.Length(min=1, max=64), trimmed], **kwargs)


def _barcode(**kwargs: Any) -> fields.String:
    return fields.String(
        allow_none=True,
        validate=_gtin,
        metadata={"description": "A GTIN with a valid check digit: EAN-8, UPC-A (12), EAN-13 or GTIN-14 digits."},
        **kwargs,
    )


_REORDER_POINT_DOC = {"description": "Low-stock threshold on available stock; null: never low. Decimal string >= 0."}

_REORDER_QTY_DOC = {"description": "Suggested order quantity; required when reorder_point is set. Decimal > 0."}


class ItemCreateSchema(StrictSchema):
    sku = fields.String(
        required=True,
        validate=_sku,
        metadata={"pattern": SKU_PATTERN, "description": "Case-sensitive, kept as given. " + SKU_RULE + "."},
    )
    name = _item_name()
    unit_of_measure = _unit(load_default="pcs")
    category = _category(load_default=None)
    barcode = _barcode(load_default=None)
    reorder_point = DecimalString(sign=NON_NEGATIVE, allow_none=True, load_default=None, metadata=_REORDER_POINT_DOC)
    reorder_quantity = DecimalString(sign=POSITIVE, allow_none=True, load_default=None, metadata=_REORDER_QTY_DOC)
    safety_stock = DecimalString(sign=NON_NEGATIVE, load_default=Decimal(0))


class ItemPatchSchema(StrictSchema):
    """Any of the item's master data; ``null`` clears category, barcode, reorder point and reorder quantity."""

    name = fields.String(validate=[validate.Length(min=1, max=200), trimmed])
    unit_of_measure = _unit()
    category = _category()
    barcode = _barcode()
    reorder_point = DecimalString(sign=NON_NEGATIVE, allow_none=True, metadata=_REORDER_POINT_DOC)
    reorder_quantity = DecimalString(sign=POSITIVE, allow_none=True, metadata=_REORDER_QTY_DOC)
    safety_stock = DecimalString(sign=NON_NEGATIVE)
    active = StrictBoolean(required=False)

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("Give at least one field to change.")


class ItemSchema(Schema):
    sku = fields.String(required=True)
    name = fields.String(required=True)
    unit_of_measure = fields.String(required=True)
    category = fields.String(required=True, allow_none=True)
    barcode = fields.String(required=True, allow_none=True)
    reorder_point = optional_money()
    reorder_quantity = optional_money()
    safety_stock = money()
    active = fields.Boolean(required=True)
    version = fields.Integer(required=True, metadata={"description": "1 on creation, +1 with every change"})
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class ItemQueryArgs(PageArgs):
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Case-insensitive substring of the SKU, the name or the barcode"},
    )
    category = fields.String(validate=validate.Length(max=64))
    active = fields.Boolean()


ItemPage = page_schema(ItemSchema, "ItemPage")


# --- warehouses ----------------------------------------------------------------------------------------------------


_METHOD_DOC = {"description": "Which valuation the books use: moving_average or fifo. Both values are always kept."}


def _code(value: str) -> None:
    if not is_valid_warehouse_code(value):
        raise ValidationError(f"Must be {WAREHOUSE_CODE_RULE}.")


def _warehouse_name(**kwargs: Any) -> fields.String:
    return fields.String(validate=[validate.Length(min=1, max=200), trimmed], **kwargs)


def _method(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.OneOf(VALUATION_METHODS), metadata=_METHOD_DOC, **kwargs)


class WarehouseCreateSchema(StrictSchema):
    code = fields.String(
        required=True,
        validate=_code,
        metadata={"pattern": WAREHOUSE_CODE_PATTERN, "description": WAREHOUSE_CODE_RULE + "."},
    )
    name = _warehouse_name(required=True)
    valuation_method = _method(load_default=DEFAULT_VALUATION_METHOD)


class WarehousePatchSchema(StrictSchema):
    name = _warehouse_name()
    active = StrictBoolean(required=False)
    valuation_method = _method()

    @validates_schema
    def _not_empty(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("Give at least one field to change.")


class WarehouseSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    active = fields.Boolean(required=True)
    valuation_method = fields.String(required=True, metadata=_METHOD_DOC)
    version = fields.Integer(required=True, metadata={"description": "1 on creation, one higher per change"})
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class WarehouseQueryArgs(PageArgs):
    active = fields.Boolean()


WarehousePage = page_schema(WarehouseSchema, "WarehousePage")
