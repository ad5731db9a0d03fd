"""Events the purchasing service publishes, as plain data (schemas live in psi_contracts).

The builders return ``data`` with Python values (ids as strings, Decimals, aware datetimes); the outbox
encodes and validates them against the contract when the event is recorded. The event type names are
psi_contracts' (``psi_contracts.events.purchasing``); handlers import them from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from psi_purchasing.domain.model import PurchaseOrder, ReceivedLine, ReturnedLine, ShortClosedLine
from psi_purchasing.domain.short_close import Release


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


def _return_lines(lines: Sequence[ReturnedLine]) -> list[dict[str, Any]]:
    return [
        {"line_no": ln.line_no, "sku": ln.sku, "quantity": ln.quantity, "unit_cost_base": ln.unit_cost_base}
        for ln in lines
    ]


def goods_return_requested(
    *,
    return_id: int,
    return_number: str,
    po_id: int,
    po_number: str,
    supplier_id: int,
    warehouse_code: str,
    requested_at: datetime,
    reason: str,
    lines: Sequence[ReturnedLine],
) -> dict[str, Any]:
    """``data`` of purchasing.GoodsReturnRequested.v1: the start of the return saga; inventory answers it."""
    return {
        "return_id": str(return_id),
        "return_number": return_number,
        "po_id": str(po_id),
        "po_number": po_number,
        "supplier_id": str(supplier_id),
        "warehouse_code": warehouse_code,
        "requested_at": requested_at,
        "reason": reason,
        "lines": _return_lines(lines),
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
    """``data`` of purchasing.GoodsReturned.v1: published once inventory issued the goods (``returned_at`` is
    inventory's time of the issue); valued at the base cost the goods came in at, which the debit note takes."""
    return {
        "return_id": str(return_id),
        "return_number": return_number,
        "po_id": str(po_id),
        "po_number": po_number,
        "supplier_id": str(supplier_id),
        "warehouse_code": warehouse_code,
        "returned_at": returned_at,
        "reason": reason,
        "lines": _return_lines(lines),
    }


def purchase_order_short_closed(
    *,
    po_id: int,
    po_number: str,
    revision: int,
    supplier_id: int,
    warehouse_code: str,
    currency: str,
    closed_at: datetime,
    reason: str,
    lines: Sequence[ShortClosedLine],
    release: Release,
) -> dict[str, Any]:
    """``data`` of purchasing.PurchaseOrderShortClosed.v1: the order is settled at what was accepted."""
    return {
        "po_id": str(po_id),
        "po_number": po_number,
        "revision": revision,
        "supplier_id": str(supplier_id),
        "warehouse_code": warehouse_code,
        "currency": currency,
        "closed_at": closed_at,
        "reason": reason,
        "lines": [
            {
                "line_no": ln.line_no,
                "sku": ln.sku,
                "ordered_quantity": ln.ordered_quantity,
                "accepted_quantity": ln.accepted_quantity,
                "short_closed_quantity": ln.short_closed_quantity,
            }
            for ln in lines
        ],
        "released_amount": release.released_amount,
        "released_amount_base": release.released_base,
    }
