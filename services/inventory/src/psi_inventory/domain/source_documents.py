"""The documents of other services that inventory books or refuses: goods receipts, supplier returns, customer
returns and shipments. One per event applied; a refused one keeps why, so a clerk can look it up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

RECEIPT = "receipt"
SUPPLIER_RETURN = "supplier_return"
CUSTOMER_RETURN = "customer_return"
SHIPMENT = "shipment"
RETURN_KINDS = (SUPPLIER_RETURN, CUSTOMER_RETURN)

BOOKED = "booked"
REJECTED = "rejected"


@dataclass(frozen=True)
class SourceDocument:
    """The header of a document an event carried: its kind and number, the order it belongs to, where and when."""

    kind: str
    number: str
    reference: str | None
    warehouse_code: str
    occurred_at: datetime
    event_id: str
