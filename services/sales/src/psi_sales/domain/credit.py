"""Credit control at confirmation (信用控制): may this order go ahead, or does it wait for a sales manager?

Exposure is what the customer owes or will owe: open receivables (finance's figure, kept locally from
``finance.CustomerBalanceChanged.v1``; zero until finance publishes it) plus the part of every open order that is
not invoiced yet (an order is invoiced as it ships), plus the order being confirmed. All in the customer's
currency, which is the currency of their orders and of their credit limit.

* A customer ``on_hold`` or ``blocked`` cannot confirm any order (the refusal is not a hold: nothing waits).
* No credit limit set (``None``): no credit check. A limit of ``0`` means cash only: every order is held.
* Exposure above the limit: the order is held (``credit_hold``) until a ``sales_manager`` releases it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from psi_chassis.decimals import ZERO, plain
from psi_sales.domain.customer import CustomerStatus as CustomerStatus  # the customer's rule, used here
from psi_sales.domain.customer import may_set_credit_terms
from psi_sales.domain.errors import CreditTermsForbidden


class CustomerNotAllowed(Exception):
    """The customer is on hold or blocked: no order of theirs may be confirmed."""


@dataclass(frozen=True)
class CreditDecision:
    exposure_before: Decimal
    order_amount: Decimal
    credit_limit: Decimal | None
    held: bool

    @property
    def exposure_after(self) -> Decimal:
        return self.exposure_before + self.order_amount

    def reason(self) -> str:
        if not self.held:
            return "within the credit limit" if self.credit_limit is not None else "no credit limit"
        assert self.credit_limit is not None
        return (
            f"exposure {plain(self.exposure_before)} + this order {plain(self.order_amount)} = "
            f"{plain(self.exposure_after)} is over the credit limit {plain(self.credit_limit)}"
        )


def open_order_exposure(open_orders: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The not-yet-invoiced part of open orders, from (order total, total already shipped and invoiced) pairs."""
    return sum((max(total - invoiced, ZERO) for total, invoiced in open_orders), ZERO)


def check_credit(
    status: CustomerStatus,
    credit_limit: Decimal | None,
    open_receivables: Decimal,
    open_orders: Decimal,
    order_amount: Decimal,
) -> CreditDecision:
    """Decide one confirmation; raises :class:`CustomerNotAllowed` for a customer on hold or blocked."""
    if status is not CustomerStatus.ACTIVE:
        raise CustomerNotAllowed(f"the customer is {status.value.replace('_', ' ')}: no order may be confirmed")
    exposure = open_receivables + open_orders
    held = credit_limit is not None and exposure + order_amount > credit_limit
    return CreditDecision(exposure, order_amount, credit_limit, held)


def ensure_may_release(roles: Iterable[str]) -> None:
    """Only a credit controller (``sales_manager`` or ``admin``) releases an order from a credit hold."""
    if not may_set_credit_terms(roles):
        raise CreditTermsForbidden(
            "only a sales manager may release an order from a credit hold",
            errors={"roles": ["needs the sales_manager role"]},
        )
