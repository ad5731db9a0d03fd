"""The payables subledger's rules (应付): a supplier bill's figures, what it clears from GRNI, its journal entry,
its number and its due date. Pure.

* **Figures.** Per line, net = quantity × unit price and tax = net × tax rate, each rounded once to six places
  (psi_chassis.decimals, as every document rounds), in the bill's currency; in the base currency each line's net
  and tax are converted at the order's exchange rate and rounded to six places. The bill's amounts are the sums,
  so the base gross (what Payables is credited) equals base net plus base tax to the last decimal.
* **GRNI (暂估应付) cleared.** What the receipts credited for the billed goods: per order line the pool of
  received and not yet invoiced goods (accepted less returned less cleared by earlier bills, at the receipts'
  base unit costs). A bill clears ``min(billed, pool quantity)`` of it at the pool's cost; the bill that takes
  the whole pool takes its whole value, so a fully billed line leaves GRNI at exactly zero. With one receipt cost
  per line (the usual case) this is ``quantity × the receipt's unit_cost_base``.
* **Purchase price variance (采购价差)**: the billed net in the base currency less the GRNI cleared: a debit when
  the bill costs more than the receipts booked, a credit when less. A line billed beyond its receipts (accepted
  from the exception queue) clears only what was received; the rest is variance.
* **The entry**: Dr GRNI + Dr (or Cr) Purchase price variance + Dr VAT input / Cr Payables (gross, party
  ``supplier:<id>``, with the bill's currency and gross when it is not the base currency).
* **Due date**: the bill's ``due_date``, or ``bill_date`` + ``terms_days``, or 30 days after ``bill_date``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from psi_chassis.decimals import ZERO, line_amount, q6, tax_amount
from psi_chassis.errors import Conflict, InvalidStatus, NotFound, RuleViolation, add_error
from psi_finance.domain.chart import Role
from psi_finance.domain.journal import MAX_LINE_AMOUNT, JournalEntry, JournalLine, Source, without_zero_lines
from psi_finance.domain.three_way_match import BilledLine

DEFAULT_PAYMENT_TERMS_DAYS = 30
#: The journal source kind of a posted supplier bill (its reference: the bill's id).
BILL_SOURCE = "supplier_bill"


class OrderStatus(StrEnum):
    """An order as finance's match sees it (purchasing's approvals, cancellation and short-close)."""

    OPEN = "open"
    CANCELLED = "cancelled"
    SHORT_CLOSED = "short_closed"


class BillStatus(StrEnum):
    POSTED = "posted"
    EXCEPTION = "exception"
    """Waiting in the exception queue: nothing posted."""
    REJECTED = "rejected"
    """Closed without posting; its bill number may be entered again."""


class InvalidBill(RuleViolation):
    default_code = "INVALID_BILL"


class UnknownPurchaseOrder(RuleViolation):
    """The bill names an order finance has not seen approved (purchasing.PurchaseOrderApproved.v1)."""

    default_code = "UNKNOWN_PURCHASE_ORDER"


class DuplicateBillNumber(Conflict):
    """A supplier's invoice number is entered once (a rejected bill's may be entered again)."""

    default_code = "DUPLICATE_BILL_NUMBER"


class BillNotFound(NotFound):
    default_code = "SUPPLIER_BILL_NOT_FOUND"


class BillNotInException(InvalidStatus):
    """Only a bill waiting in the exception queue is accepted or rejected."""

    default_code = "BILL_NOT_IN_EXCEPTION"


@dataclass(frozen=True)
class EnterSupplierBill:
    """An accountant enters a supplier's invoice (供应商发票) against a purchase order (by its id or number)."""

    supplier_id: str
    po_id: str | None
    po_number: str | None
    bill_number: str
    """The supplier's own invoice number: once per supplier."""
    bill_date: date
    due_date: date | None
    terms_days: int | None
    currency: str
    lines: tuple[BilledLine, ...]
    note: str | None = None


@dataclass(frozen=True)
class ResolveBill:
    """Accept a bill from the exception queue (it posts, with its variance) or reject it (nothing posts)."""

    bill_id: int
    note: str


def check_bill(cmd: EnterSupplierBill, supplier_id: str, currency: str) -> None:
    """The bill is the order's supplier's, in the order's currency (its rate is the order's), and names each
    order line once; every problem at once (422 ``INVALID_BILL``)."""
    errors: dict[str, Any] = {}
    if cmd.supplier_id != supplier_id:
        errors["supplier_id"] = [f"the order is supplier {supplier_id}'s"]
    if cmd.currency != currency:
        errors["currency"] = [f"the order is in {currency}; a bill is in its order's currency"]
    seen: set[int] = set()
    for i, line in enumerate(cmd.lines):
        if line.po_line_no in seen:
            add_error(errors, "lines", "each order line once per bill", i, "po_line_no")
        seen.add(line.po_line_no)
    if errors:
        raise InvalidBill("the bill does not fit its purchase order; see errors", errors=errors)


def payable_number(payable_id: int) -> str:
    """``AP-000001``: the payable's id, at least six digits."""
    return f"AP-{payable_id:06d}"


def due_date(bill_date: date, due_on: date | None, terms_days: int | None) -> date:
    """The day the bill falls due; a due date and terms together, or a due date before the bill date, is 422."""
    if due_on is not None and terms_days is not None:
        raise InvalidBill("give a due_date or terms_days, not both", errors={"due_date": ["or terms_days"]})
    if due_on is not None:
        if due_on < bill_date:
            raise InvalidBill("a bill falls due on or after its date", errors={"due_date": ["before bill_date"]})
        return due_on
    days = DEFAULT_PAYMENT_TERMS_DAYS if terms_days is None else terms_days
    return bill_date + timedelta(days=days)


@dataclass(frozen=True)
class GrniPool:
    """An order line's goods received and not invoiced yet, in the base currency."""

    quantity: Decimal
    value: Decimal


def grni_cleared(pool: GrniPool, billed_quantity: Decimal) -> tuple[Decimal, Decimal]:
    """The quantity and base value a bill of ``billed_quantity`` clears from ``pool``: the whole pool's value when
    it takes the whole pool, else its share rounded once to six places (half to even)."""
    if pool.quantity <= ZERO or pool.value <= ZERO:
        return ZERO, ZERO
    take = min(billed_quantity, pool.quantity)
    if take == pool.quantity:
        return take, pool.value
    return take, q6(pool.value * take / pool.quantity)


@dataclass(frozen=True)
class BillLineFigures:
    po_line_no: int
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    base_net: Decimal
    base_tax: Decimal
    grni_quantity: Decimal
    grni: Decimal

    @property
    def variance(self) -> Decimal:
        """Base net less GRNI cleared: positive when the bill costs more than the receipts booked."""
        return self.base_net - self.grni


def bill_line(billed: BilledLine, pool: GrniPool, rate: Decimal) -> BillLineFigures:
    net = line_amount(billed.quantity, billed.unit_price)
    tax = tax_amount(net, billed.tax_rate)
    grni_quantity, grni = grni_cleared(pool, billed.quantity)
    return BillLineFigures(
        billed.po_line_no,
        billed.quantity,
        billed.unit_price,
        billed.tax_rate,
        net,
        tax,
        q6(net * rate),
        q6(tax * rate),
        grni_quantity,
        grni,
    )


@dataclass(frozen=True)
class BillFigures:
    lines: tuple[BillLineFigures, ...]

    def _sum(self, name: str) -> Decimal:
        return sum((getattr(ln, name) for ln in self.lines), ZERO)

    @property
    def net(self) -> Decimal:
        return self._sum("net")

    @property
    def tax(self) -> Decimal:
        return self._sum("tax")

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    @property
    def base_net(self) -> Decimal:
        return self._sum("base_net")

    @property
    def base_tax(self) -> Decimal:
        return self._sum("base_tax")

    @property
    def base_gross(self) -> Decimal:
        return self.base_net + self.base_tax

    @property
    def grni(self) -> Decimal:
        return self._sum("grni")

    @property
    def variance(self) -> Decimal:
        return self.base_net - self.grni


def bill_figures(lines: Sequence[BilledLine], pools: Mapping[int, GrniPool], rate: Decimal) -> BillFigures:
    """The bill's figures at ``rate``, each line clearing GRNI from its order line's pool (none: nothing)."""
    empty = GrniPool(ZERO, ZERO)
    return BillFigures(tuple(bill_line(ln, pools.get(ln.po_line_no, empty), rate) for ln in lines))


def check_figures(figures: BillFigures) -> None:
    """A bill's amounts fit the ledger (each below the journal's line limit, in its currency and the base): a
    typing error of a few zeros is refused (422 ``INVALID_BILL``) rather than stored."""
    largest = max(figures.gross, figures.base_gross)
    if largest >= MAX_LINE_AMOUNT:
        raise InvalidBill(
            f"the bill's total must be below {MAX_LINE_AMOUNT:f}", errors={"lines": ["amounts too large"]}
        )


@dataclass(frozen=True)
class BillHeader:
    bill_id: int
    bill_number: str
    supplier_id: str
    po_number: str
    bill_date: date
    currency: str


def bill_entry(
    header: BillHeader, figures: BillFigures, accounts: Mapping[Role, str], base_currency: str
) -> JournalEntry:
    """Dr GRNI, Dr/Cr Purchase price variance, Dr VAT input / Cr Payables; lines of zero are left out."""
    memo = f"bill {header.bill_number} of supplier {header.supplier_id} on {header.po_number}"
    variance = figures.variance
    foreign = header.currency != base_currency
    lines = (
        JournalLine(accounts[Role.GRNI], debit=figures.grni, memo=memo),
        JournalLine(
            accounts[Role.PURCHASE_PRICE_VARIANCE], debit=max(variance, ZERO), credit=max(-variance, ZERO), memo=memo
        ),
        JournalLine(accounts[Role.VAT_INPUT], debit=figures.base_tax, memo=memo),
        JournalLine(
            accounts[Role.PAYABLES],
            credit=figures.base_gross,
            memo=memo,
            party=f"supplier:{header.supplier_id}",
            currency=header.currency if foreign else None,
            amount_currency=figures.gross if foreign else None,
        ),
    )
    source = Source(BILL_SOURCE, str(header.bill_id), header.bill_number)
    return JournalEntry(header.bill_date, f"supplier {memo}", source, without_zero_lines(lines))
