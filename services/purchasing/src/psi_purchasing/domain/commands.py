"""What callers ask the purchasing service to do. Plain data; the handlers in ``service/`` carry them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from psi_chassis.actor import Actor as Actor  # the caller, as every service's commands carry it

#: Marks "not given" in an amendment, where ``None`` means "clear the value".
UNSET: object = object()


@dataclass(frozen=True)
class CreateSupplier:
    code: str
    name: str
    currency: str | None = None  # None: the base currency
    payment_terms_days: int = 30
    status: str = "active"
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    lead_time_days: int = 7


@dataclass(frozen=True)
class OrderLine:
    """A requested order line; ``unit_price`` None means "take it from the supplier's price list"."""

    sku: str
    quantity: Decimal
    unit_price: Decimal | None = None
    tax_rate: Decimal = Decimal(0)
    requisition_line_id: int | None = None


@dataclass(frozen=True)
class CreatePurchaseOrder:
    supplier_id: int
    warehouse_code: str
    lines: tuple[OrderLine, ...]
    currency: str | None = None
    exchange_rate: Decimal | None = None  # required unless the order is in the base currency
    expected_date: date | None = None
    department: str | None = None


@dataclass(frozen=True)
class ReceiptLine:
    """One PO line's delivery in a goods receipt: what arrived, and what inspection accepted or rejected."""

    line_no: int
    received_quantity: Decimal
    accepted_quantity: Decimal
    rejected_quantity: Decimal = Decimal(0)
    reject_reason: str | None = None


@dataclass(frozen=True)
class ReceiveGoods:
    po_id: int
    lines: tuple[ReceiptLine, ...]
    received_at: datetime | None = None


@dataclass(frozen=True)
class ReturnLine:
    line_no: int
    quantity: Decimal


@dataclass(frozen=True)
class ReturnGoods:
    po_id: int
    reason: str
    lines: tuple[ReturnLine, ...]
    #: When the goods are to leave the warehouse (the business time of the stock issue); None: now.
    requested_at: datetime | None = None


@dataclass(frozen=True)
class ConvertLine:
    """One requisition line to put on an order, with the supplier the caller chose; ``quantity`` None: all
    that is still open."""

    requisition_line_id: int
    supplier_id: int
    quantity: Decimal | None = None
