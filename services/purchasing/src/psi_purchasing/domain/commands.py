"""What callers ask the purchasing service to do. Plain data; the handlers in ``service/`` carry them out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class CreateSupplier:
    code: str
    name: str
    currency: str = "CNY"
    payment_terms_days: int = 30
    status: str = "active"


@dataclass(frozen=True)
class OrderLine:
    sku: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class CreatePurchaseOrder:
    supplier_id: int
    warehouse_code: str
    lines: tuple[OrderLine, ...]
    currency: str | None = None
    exchange_rate: Decimal = Decimal(1)
    expected_date: date | None = None


@dataclass(frozen=True)
class ApprovePurchaseOrder:
    po_id: int


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
