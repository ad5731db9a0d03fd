"""Purchasing's rule violations, each with a stable problem code.

They subclass the chassis problem errors (plain exceptions, no web framework), so a handler can let them
travel to the API unchanged and the app factory renders them as application/problem+json.
"""

from __future__ import annotations

from psi_chassis.errors import Conflict, InvalidRequest, NotFound


class SupplierNotFound(NotFound):
    default_code = "SUPPLIER_NOT_FOUND"


class SupplierCodeTaken(Conflict):
    default_code = "SUPPLIER_CODE_TAKEN"


class SupplierBlocked(Conflict):
    default_code = "SUPPLIER_BLOCKED"


class PurchaseOrderNotFound(NotFound):
    default_code = "PURCHASE_ORDER_NOT_FOUND"


class ReceiptNotFound(NotFound):
    default_code = "RECEIPT_NOT_FOUND"


class InvalidStatus(Conflict):
    """The document is not in a status that allows the action."""

    default_code = "INVALID_STATUS"


class OverReceipt(Conflict):
    """Receiving would take a line's cumulative received quantity beyond the ordered quantity."""

    default_code = "OVER_RECEIPT"


class RuleViolation(InvalidRequest):
    """A request that is well-formed but breaks a document rule; ``errors`` says which fields."""
