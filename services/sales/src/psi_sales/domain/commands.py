"""What callers ask sales for, as plain data (the API builds these from validated requests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from psi_chassis.actor import Actor as Actor  # the caller, as every service's commands carry it


@dataclass(frozen=True)
class CreateCustomer:
    code: str
    name: str
    channel: str
    currency: str | None = None
    class_code: str | None = None
    payment_terms_days: int = 30
    credit_limit: Decimal | None = None
    salesperson: str | None = None
    contacts: list[dict[str, Any]] = field(default_factory=list)
    billing_address: dict[str, Any] | None = None
    shipping_address: dict[str, Any] | None = None


@dataclass(frozen=True)
class ChangeCustomerStatus:
    customer_id: int
    status: str
    reason: str | None


@dataclass(frozen=True)
class CreateCustomerClass:
    code: str
    name: str


@dataclass(frozen=True)
class DraftLine:
    sku: str
    quantity: Decimal
    tax_rate: Decimal = Decimal(0)
    manual_discount_percent: Decimal = Decimal(0)
    requested_date: date | None = None


@dataclass(frozen=True)
class DraftOrder:
    customer_id: int
    warehouse_code: str
    lines: list[DraftLine]
    order_date: date | None = None
    salesperson: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ShipOrder:
    order_id: int
    lines: list[Any]
    """``psi_sales.domain.order.ShipLine`` items: order line and quantity."""
    carrier: str | None = None
    tracking_number: str | None = None
    shipped_at: datetime | None = None


@dataclass(frozen=True)
class ReceiveReturn:
    order_id: int
    lines: list[Any]
    """``psi_sales.domain.order.ReturnLine`` items: order line, quantity, condition."""
    reason: str
    warehouse_code: str | None = None
    """Where the goods arrive; the order's warehouse when not given."""
    received_at: datetime | None = None
