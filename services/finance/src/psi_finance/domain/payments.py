"""Customer payments (收款) and their allocation to invoices (核销): the rules, and the entry a payment posts.

* A payment is received in one currency; it settles invoices **in that currency** only (an invoice in another
  currency is refused: the rate between two foreign currencies is nobody's figure to guess).
* Each allocation takes at most what the invoice still has open, and all of them together at most the payment:
  more is refused (``OVER_ALLOCATION``), nothing written. What is not allocated stays an **advance** from the
  customer (预收), allocatable later.
* In the base currency: the bank gets the payment at the payment's rate; each invoice is cleared at the rate it was
  posted at; the difference is the **realised FX** gain or loss, posted with the allocation.
* The customer's balance goes down by the whole payment (allocated or not): an advance is money the customer has
  paid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from psi_chassis.decimals import ZERO, q6
from psi_chassis.errors import RuleViolation
from psi_finance.domain.chart import Role
from psi_finance.domain.journal import JournalLine, Source, without_zero_lines


class PaymentRuleViolation(RuleViolation):
    default_code = "PAYMENT_RULE_VIOLATION"


class OverAllocation(RuleViolation):
    default_code = "OVER_ALLOCATION"


@dataclass(frozen=True)
class OpenInvoice:
    receivable_id: int
    number: str
    customer_id: str
    currency: str
    rate: Decimal
    open_amount: Decimal


@dataclass(frozen=True)
class Allocation:
    invoice: OpenInvoice
    amount: Decimal

    def fx_difference(self, payment_rate: Decimal) -> Decimal:
        """Base currency gained (positive) or lost by clearing at the invoice's rate what came in at the payment's."""
        return q6(self.amount * payment_rate) - q6(self.amount * self.invoice.rate)


def check_allocations(customer_id: str, currency: str, available: Decimal, allocations: Sequence[Allocation]) -> None:
    """Refuse allocations to another customer's or another currency's invoice, or beyond what is open or paid."""
    errors: dict[str, list[str]] = {}
    for i, a in enumerate(allocations):
        if a.invoice.customer_id != customer_id:
            errors[f"allocations.{i}.invoice_number"] = [f"{a.invoice.number} is not this customer's"]
        elif a.invoice.currency != currency:
            errors[f"allocations.{i}.invoice_number"] = [f"{a.invoice.number} is in {a.invoice.currency}"]
    if errors:
        raise PaymentRuleViolation("an allocation names an invoice this payment cannot settle", errors=errors)
    taken: dict[int, Decimal] = {}
    for i, a in enumerate(allocations):
        taken[a.invoice.receivable_id] = taken.get(a.invoice.receivable_id, ZERO) + a.amount
        if taken[a.invoice.receivable_id] > a.invoice.open_amount:
            errors[f"allocations.{i}.amount"] = [f"{a.invoice.number} has {a.invoice.open_amount:f} open"]
    total = sum((a.amount for a in allocations), ZERO)
    if total > available:
        errors["allocations"] = [f"{total:f} allocated is more than the {available:f} available"]
    if errors:
        raise OverAllocation("the allocations take more than is open or paid", errors=errors)


def settlement_lines(
    allocations: Sequence[Allocation], payment_rate: Decimal, accounts: Mapping[Role, str], party: str, memo: str
) -> list[JournalLine]:
    """Cr Receivables at each invoice's rate, and the realised FX difference (gain: credit; loss: debit)."""
    lines = [
        JournalLine(
            accounts[Role.RECEIVABLES],
            credit=q6(a.amount * a.invoice.rate),
            party=party,
            memo=f"{memo} {a.invoice.number}",
        )
        for a in allocations
    ]
    fx = sum((a.fx_difference(payment_rate) for a in allocations), ZERO)
    fx_account = accounts[Role.FX_GAINS_LOSSES]
    lines.append(JournalLine(fx_account, credit=max(fx, ZERO), debit=max(-fx, ZERO), memo=f"{memo} realised FX"))
    return lines


@dataclass(frozen=True)
class Payment:
    customer_id: str
    currency: str
    amount: Decimal
    rate: Decimal
    received_on: date
    reference: str | None = None


def payment_entry_lines(
    payment: Payment, allocations: Sequence[Allocation], accounts: Mapping[Role, str], memo: str
) -> tuple[JournalLine, ...]:
    """Dr Bank (at the payment's rate) / Cr Receivables per invoice, Cr Customer advances for the rest, ± FX."""
    party = f"customer:{payment.customer_id}"
    bank = q6(payment.amount * payment.rate)
    # the advance is what the bank got less what the allocations took at the payment's rate: exact, whatever
    # the rounding of each part
    advance = bank - sum((q6(a.amount * payment.rate) for a in allocations), ZERO)
    lines = [JournalLine(accounts[Role.BANK], debit=bank, memo=memo)]
    lines += settlement_lines(allocations, payment.rate, accounts, party, memo)
    lines.append(JournalLine(accounts[Role.CUSTOMER_ADVANCES], credit=advance, party=party, memo=memo))
    return without_zero_lines(lines)


def payment_source(payment_id: int, number: str) -> Source:
    return Source("customer_payment", str(payment_id), number)
