"""The payloads of the events sales publishes about an order, built from the order as the domain holds it.

One builder per event so every path that confirms (a confirmation, a release, a retry, a resend) announces the
same facts in the same shape; ids travel as strings, figures as Decimals (the outbox writes them as strings).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import HUNDRED, ONE, ZERO, q6
from psi_sales.domain.order import OrderLine, ReturnLine, SalesOrder


@dataclass(frozen=True)
class OrderFacts:
    """Who and where: the order header fields every event names."""

    order_id: int
    order_number: str
    customer_id: int
    customer_code: str
    warehouse_code: str


def _common(facts: OrderFacts) -> dict[str, Any]:
    return {"order_id": str(facts.order_id), "order_number": facts.order_number, "warehouse_code": facts.warehouse_code}


def order_confirmed(facts: OrderFacts, order: SalesOrder, confirmed_at: datetime) -> dict[str, Any]:
    """``sales.OrderConfirmed.v1``: inventory reserves every line of this revision, or none."""
    return {
        **_common(facts),
        "customer_id": str(facts.customer_id),
        "confirmed_at": confirmed_at,
        "currency": order.currency,
        "revision": order.revision,
        "lines": [
            {"line_no": ln.line_no, "sku": ln.sku, "quantity": ln.quantity, "unit_price": ln.unit_price}
            for ln in order.lines
        ],
    }


def order_cancelled(facts: OrderFacts, cancelled_at: datetime, reason: str | None) -> dict[str, Any]:
    """``sales.OrderCancelled.v1``: inventory releases what it still holds for the order."""
    return {**_common(facts), "cancelled_at": cancelled_at, "reason": reason}


def discount_percent(line: OrderLine) -> Decimal:
    """The line's whole discount from its list price, in percent."""
    if line.list_price == ZERO:
        return ZERO
    return q6((ONE - line.unit_price / line.list_price) * HUNDRED)


@dataclass(frozen=True)
class ShipmentFacts:
    shipment_id: int
    shipment_number: str
    shipped_at: datetime
    carrier: str | None
    tracking_number: str | None


def order_shipped(
    facts: OrderFacts,
    order: SalesOrder,
    shipment: ShipmentFacts,
    shipped: Sequence[tuple[OrderLine, Decimal]],
    payment_terms_days: int,
) -> dict[str, Any]:
    """``sales.OrderShipped.v1`` with what finance invoices: customer, currency, terms, and each line's prices."""
    return {
        **_common(facts),
        "shipment_id": str(shipment.shipment_id),
        "shipment_number": shipment.shipment_number,
        "shipped_at": shipment.shipped_at,
        "customer_id": str(facts.customer_id),
        "customer_code": facts.customer_code,
        "currency": order.currency,
        "payment_terms_days": payment_terms_days,
        "carrier": shipment.carrier,
        "tracking_number": shipment.tracking_number,
        "lines": [
            {
                "line_no": ln.line_no,
                "sku": ln.sku,
                "quantity": quantity,
                "unit_price": ln.unit_price,
                "list_price": ln.list_price,
                "discount_percent": discount_percent(ln),
                "tax_rate": ln.tax_rate,
            }
            for ln, quantity in shipped
        ],
    }


@dataclass(frozen=True)
class ReturnFacts:
    return_id: int
    return_number: str
    warehouse_code: str
    received_at: datetime
    reason: str


def return_received(
    facts: OrderFacts, order: SalesOrder, ret: ReturnFacts, lines: Sequence[tuple[OrderLine, ReturnLine]]
) -> dict[str, Any]:
    """``sales.ReturnReceived.v1``: inventory restocks at the cost that left, finance credits at the sold price."""
    return {
        "return_id": str(ret.return_id),
        "return_number": ret.return_number,
        "order_id": str(facts.order_id),
        "order_number": facts.order_number,
        "warehouse_code": ret.warehouse_code,
        "received_at": ret.received_at,
        "customer_id": str(facts.customer_id),
        "currency": order.currency,
        "reason": ret.reason,
        "lines": [
            {
                "line_no": i,
                "sku": ln.sku,
                "quantity": rl.quantity,
                "order_line_no": ln.line_no,
                "condition": rl.condition,
                "unit_price": ln.unit_price,
                "tax_rate": ln.tax_rate,
            }
            for i, (ln, rl) in enumerate(lines, start=1)
        ],
    }
