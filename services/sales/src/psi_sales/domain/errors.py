"""Sales' rule violations, each with a stable problem code (rendered as application/problem+json)."""

from __future__ import annotations

from psi_chassis.errors import Conflict, Forbidden, NotFound, RuleViolation


class CustomerNotFound(NotFound):
    default_code = "CUSTOMER_NOT_FOUND"


class CustomerCodeTaken(Conflict):
    default_code = "CUSTOMER_CODE_TAKEN"


class CustomerClassNotFound(NotFound):
    default_code = "CUSTOMER_CLASS_NOT_FOUND"


class CustomerClassTaken(Conflict):
    default_code = "CUSTOMER_CLASS_TAKEN"


class UnknownCustomerClass(RuleViolation):
    """A customer names a class that does not exist."""

    default_code = "UNKNOWN_CUSTOMER_CLASS"


class CustomerRuleViolation(RuleViolation):
    default_code = "CUSTOMER_RULE_VIOLATION"


class CreditTermsForbidden(Forbidden):
    """The caller may not set a credit limit or a customer status: that is a sales manager's decision."""

    default_code = "SALES_MANAGER_REQUIRED"


class PricingRuleViolation(RuleViolation):
    default_code = "PRICING_RULE_VIOLATION"


class PriceListNotFound(NotFound):
    default_code = "PRICE_LIST_NOT_FOUND"


class DiscountRuleNotFound(NotFound):
    default_code = "DISCOUNT_RULE_NOT_FOUND"


class NoPriceForLine(RuleViolation):
    """No price list gives the SKU a price for this customer, currency, date and quantity."""

    default_code = "NO_PRICE"


class DiscountNeedsManager(Forbidden):
    """A manual discount above what the ``sales`` role may give: a sales manager must give it."""

    default_code = "DISCOUNT_NEEDS_MANAGER"


class UnknownCustomer(RuleViolation):
    """A document names a customer that does not exist."""

    default_code = "UNKNOWN_CUSTOMER"


class CustomerBlocked(Conflict):
    """A blocked customer gets no new documents (on hold: drafts yes, confirmation no)."""

    default_code = "CUSTOMER_BLOCKED"


class SalesOrderNotFound(NotFound):
    default_code = "SALES_ORDER_NOT_FOUND"


class OverShipment(Conflict):
    """A shipment takes more of a line than the order holds reserved and not yet shipped."""

    default_code = "OVER_SHIPMENT"


class OverReturn(Conflict):
    """A return sends back more of a line than was shipped and not yet returned."""

    default_code = "OVER_RETURN"


class CustomerNotAllowedToConfirm(Conflict):
    """The customer is on hold or blocked: no order of theirs may be confirmed (nothing waits, unlike a hold)."""

    default_code = "CUSTOMER_ON_HOLD"


class ShipmentNotFound(NotFound):
    default_code = "SHIPMENT_NOT_FOUND"


class SalesReturnNotFound(NotFound):
    default_code = "SALES_RETURN_NOT_FOUND"
