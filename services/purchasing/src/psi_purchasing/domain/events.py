"""Events the purchasing service publishes, as plain data (schemas live in psi_contracts).

The builders return ``data`` with Python values (ids as strings, Decimals, aware datetimes); the outbox
encodes and validates them against the contract when the event is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from psi_purchasing.domain.model import ReceivedLine

GOODS_RECEIVED = "purchasing.GoodsReceived.v1"


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
