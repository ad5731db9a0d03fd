"""Purchasing's rule violations, each with a stable problem code.

They subclass the chassis problem errors (plain exceptions, no web framework), so a handler can let them
travel to the API unchanged and the app factory renders them as application/problem+json.
"""

from __future__ import annotations

from psi_chassis.errors import Conflict, Forbidden, NotFound
from psi_chassis.errors import InvalidStatus as InvalidStatus  # shared by every service, re-exported here
from psi_chassis.errors import RuleViolation as RuleViolation


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


class OverReceipt(Conflict):
    """Receiving would take a line's cumulative received quantity beyond the ordered quantity."""

    default_code = "OVER_RECEIPT"


class AlreadyReceived(Conflict):
    """Goods were received against the order: it can no longer be un-approved, amended or cancelled."""

    default_code = "ALREADY_RECEIVED"


class ApproverRoleRequired(Forbidden):
    """The order's amount tier needs a role the caller does not hold."""

    default_code = "APPROVER_ROLE_REQUIRED"


class BudgetExceeded(Conflict):
    default_code = "BUDGET_EXCEEDED"


class NoBudget(Conflict):
    default_code = "NO_BUDGET"


class BudgetBelowCommitted(Conflict):
    default_code = "BUDGET_BELOW_COMMITTED"


class BudgetMismatch(Conflict):
    """A release would take a budget's commitment below zero: the order and its budget disagree (a defect)."""

    default_code = "BUDGET_MISMATCH"


class OverReturn(Conflict):
    """A return would send back more than was accepted and not yet returned."""

    default_code = "OVER_RETURN"


class ReturnNotFound(NotFound):
    default_code = "RETURN_NOT_FOUND"


class RequisitionNotApproved(Conflict):
    default_code = "REQUISITION_NOT_APPROVED"


class OverOrdered(Conflict):
    """Converting would order more of a requisition line than it asked for."""

    default_code = "OVER_ORDERED"


class SelfApproval(Forbidden):
    """Four-eyes: the maker of a document (who created, submitted or revised it) may not approve it."""

    default_code = "SELF_APPROVAL_FORBIDDEN"


class NotRequisitionOwner(Forbidden):
    """A requester may change, submit or cancel only their own requisitions."""

    default_code = "NOT_REQUISITION_OWNER"


class RequisitionNotFound(NotFound):
    default_code = "REQUISITION_NOT_FOUND"
