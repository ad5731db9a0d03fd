"""Events the purchasing service publishes, as plain data (schemas live in psi_contracts).

The builders return ``data`` with Python values (ids as strings, Decimals, aware datetimes); the outbox
encodes and validates them against the contract when the event is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from psi_purchasing.domain.model import PurchaseOrder, ReceivedLine, ReturnedLine

GOODS_RECEIVED = "purchasing.GoodsReceived.v1"
GOODS_RETURNED = "purchasing.GoodsReturned.v1"
PURCHASE_ORDER_APPROVED = "purchasing.PurchaseOrderApproved.v1"
PURCHASE_ORDER_CANCELLED = "purchasing.PurchaseOrderCancelled.v1"


def goods_received(
    *,
    receipt_id: int,
    receipt_number: str,
    po_id: int,
    po_number: str,
    supplier_id: int,
    supplier_code: str,
    warehouse_code: str,
    received_at: datetime,
    currency: str,
    exchange_rate: Decimal,
    lines: Sequence[ReceivedLine],
) -> dict[str, Any]:
    """``data`` of purchasing.GoodsReceived.v1: what arrived, what inspection accepted, and at what cost.

    Reject reasons stay in purchasing (the contract has no field for them); consumers need the quantities.
    """
    return {
        "receipt_id": str(receipt_id),
        "receipt_number": receipt_number,
        "po_id": str(po_id),
        "po_number": po_number,
        "supplier_id": str(supplier_id),
        "supplier_code": supplier_code,
        "warehouse_code": warehouse_code,
        "received_at": received_at,
        "currency": currency,
        "exchange_rate": exchange_rate,
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "received_quantity": line.received_quantity,
                "accepted_quantity": line.accepted_quantity,
                "rejected_quantity": line.rejected_quantity,
                "unit_cost": line.unit_cost,
                "unit_cost_base": line.unit_cost_base,
            }
            for line in lines
        ],
    }


def purchase_order_approved(
    *,
    po_id: int,
    po_number: str,
    supplier_id: int,
    supplier_code: str,
    warehouse_code: str,
    currency: str,
    approved_at: datetime,
    po: PurchaseOrder,
) -> dict[str, Any]:
    """``data`` of purchasing.PurchaseOrderApproved.v1: the approved revision with its prices."""
    return {
        "po_id": str(po_id),
        "po_number": po_number,
        "revision": po.revision,
        "supplier_id": str(supplier_id),
        "supplier_code": supplier_code,
        "warehouse_code": warehouse_code,
        "currency": currency,
        "exchange_rate": po.exchange_rate,
        "approved_at": approved_at,
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "tax_rate": line.tax_rate,
            }
            for line in po.lines
        ],
        "total_amount": po.total_amount,
        "total_amount_base": po.total_amount_base,
    }


def purchase_order_cancelled(
    *, po_id: int, po_number: str, revision: int, cancelled_at: datetime, reason: str
) -> dict[str, Any]:
    """``data`` of purchasing.PurchaseOrderCancelled.v1."""
    return {
        "po_id": str(po_id),
        "po_number": po_number,
        "revision": revision,
        "cancelled_at": cancelled_at,
        "reason": reason,
    }


def goods_returned(
    *,
    return_id: int,
    return_number: str,
    po_id: int,
    po_number: str,
    supplier_id: int,
    warehouse_code: str,
    returned_at: datetime,
    reason: str,
    lines: Sequence[ReturnedLine],
) -> dict[str, Any]:
    """``data`` of purchasing.GoodsReturned.v1: accepted goods sent back, at the base cost they came in at."""
    return {
        "return_id": str(return_id),
        "return_number": return_number,
        "po_id": str(po_id),
        "po_number": po_number,
        "supplier_id": str(supplier_id),
        "warehouse_code": warehouse_code,
        "returned_at": returned_at,
        "reason": reason,
        "lines": [
            {
                "line_no": ln.line_no,
                "sku": ln.sku,
                "quantity": ln.quantity,
                "unit_cost_base": ln.unit_cost_base,
            }
            for ln in lines
        ],
    }
