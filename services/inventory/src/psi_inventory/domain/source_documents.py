"""The documents of other services that inventory books or refuses: goods receipts, supplier returns, customer
returns and shipments. One per event applied; a refused one keeps why, so a clerk can look it up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

RECEIPT = "receipt"
SUPPLIER_RETURN = "supplier_return"
CUSTOMER_RETURN = "customer_return"
SHIPMENT = "shipment"
RETURN_KINDS = (SUPPLIER_RETURN, CUSTOMER_RETURN)

BOOKED = "booked"
REJECTED = "rejected"

DAMAGED = "damaged"
"""The condition of a customer return line (``sales.ReturnReceived.v1``) whose goods are received and then written
off, never put back on the shelf; any other (``resaleable``, the default) is restocked."""


def is_damaged(line: Mapping[str, Any]) -> bool:
    """A customer return line whose goods are written off once received."""
    return line.get("condition") == DAMAGED


@dataclass(frozen=True)
class SourceDocument:
    """The header of a document an event carried: its kind and number, the order it belongs to, where and when."""

    kind: str
    number: str
    reference: str | None
    warehouse_code: str
    occurred_at: datetime
    event_id: str
