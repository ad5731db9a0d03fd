"""The quotation (报价): prices offered to a customer until a date, then turned into an order or cancelled.

::

    open --convert (prices kept, or priced again)--> converted   (keeps the order's id)
      \\--cancel--> cancelled
    "expired" is what an open quotation is shown as once today is after its valid-until date (computed on read,
    never stored): it may still be converted with its lines priced again, or cancelled, but its prices are no
    longer offered.

* The quote date is the pricing date of its lines (domain/pricing.py, exactly as an order's lines); the quotation
  is valid from it to ``valid_until`` inclusive, by default :data:`DEFAULT_VALIDITY_DAYS` days later.
* Converting with the prices **kept** gives the order the quotation's lines, list prices, discounts and net prices
  unchanged, so the quotation must still be valid today, the order must be dated within its validity, and the
  customer must still trade in the quotation's currency. Converting **repriced** prices the lines again on the
  order date, with the quotation's manual discounts (and the manual-discount cap of the one who converts).
* Only an open quotation may be converted or cancelled; a converted one names its order, so it is converted once.

Every method checks everything before it changes anything, so a refused command leaves the quotation as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from psi_chassis.decimals import ZERO, NetAndTax
from psi_chassis.errors import Conflict, NotFound, RuleViolation
from psi_sales.domain.commands import DraftLine
from psi_sales.domain.pricing import AppliedDiscount, LinePrice

#: How long a quotation is valid when the request does not say: its quote date plus this many days.
DEFAULT_VALIDITY_DAYS = 30


def quotation_number(quotation_id: int) -> str:
    """``QT-000001``: the quotation's id, at least six digits."""
    return f"QT-{quotation_id:06d}"


class QuotationStatus(StrEnum):
    """What is stored. ``EXPIRED`` is never stored: it is how an open quotation past its date is shown."""

    OPEN = "open"
    CONVERTED = "converted"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


#: The statuses a quotation may be stored in.
STORED = frozenset({QuotationStatus.OPEN, QuotationStatus.CONVERTED, QuotationStatus.CANCELLED})


class Pricing(StrEnum):
    """How a quotation's lines are priced on the order it becomes."""

    KEEP = "keep"
    REPRICE = "reprice"


class QuotationNotFound(NotFound):
    default_code = "QUOTATION_NOT_FOUND"


class QuotationNotOpen(Conflict):
    """Converted or cancelled already: a quotation becomes one order at most."""

    default_code = "QUOTATION_NOT_OPEN"


class QuotationExpired(Conflict):
    """Its prices are no longer offered (today, or the order date, is after valid-until): convert it repriced."""

    default_code = "QUOTATION_EXPIRED"


class QuotationCurrencyChanged(Conflict):
    """The customer trades in another currency now: the quotation's prices cannot be kept."""

    default_code = "QUOTATION_CURRENCY_CHANGED"


class QuotationRuleViolation(RuleViolation):
    default_code = "QUOTATION_RULE_VIOLATION"


@dataclass(frozen=True)
class NewQuotation:
    """What a caller asks for: a quotation for a customer from a warehouse, its lines priced on the quote date."""

    customer_id: int
    warehouse_code: str
    lines: list[DraftLine]
    quote_date: date | None = None
    valid_until: date | None = None
    salesperson: str | None = None
    note: str | None = None


def validity(quote_date: date, valid_until: date | None) -> date:
    """The last day the quotation is valid: ``valid_until`` (not before the quote date) or the default."""
    if valid_until is None:
        if quote_date > date.max - timedelta(days=DEFAULT_VALIDITY_DAYS):
            message = f"a quotation dated {quote_date.isoformat()} needs its valid-until date given"
            raise QuotationRuleViolation(message, errors={"valid_until": [message]})
        return quote_date + timedelta(days=DEFAULT_VALIDITY_DAYS)
    if valid_until < quote_date:
        message = f"valid until {valid_until.isoformat()} is before the quote date {quote_date.isoformat()}"
        raise QuotationRuleViolation(message, errors={"valid_until": [message]})
    return valid_until


def stored_filter(shown: str) -> tuple[QuotationStatus, bool | None]:
    """A list's ``status`` filter, which speaks of the shown status, as (stored status, expired?).

    ``open`` lists the open quotations still valid (expired False), ``expired`` the open ones past their date
    (expired True); ``converted`` and ``cancelled`` do not depend on the date (None).
    """
    status = QuotationStatus(shown)
    if status is QuotationStatus.EXPIRED:
        return QuotationStatus.OPEN, True
    if status is QuotationStatus.OPEN:
        return QuotationStatus.OPEN, False
    return status, None


def totals(lines: Sequence[NetAndTax]) -> tuple[Decimal, Decimal, Decimal]:
    """(net, tax, total) as an order adds up: each line's net and tax rounded to six places, then summed."""
    net = sum((ln.amount for ln in lines), ZERO)
    tax = sum((ln.tax_amount for ln in lines), ZERO)
    return net, tax, net + tax


@dataclass
class Quotation:
    status: QuotationStatus
    currency: str
    quote_date: date
    valid_until: date

    def is_expired(self, today: date) -> bool:
        return self.status is QuotationStatus.OPEN and today > self.valid_until

    def shown_status(self, today: date) -> QuotationStatus:
        return QuotationStatus.EXPIRED if self.is_expired(today) else self.status

    def require_open(self) -> None:
        if self.status is not QuotationStatus.OPEN:
            raise QuotationNotOpen(f"a quotation that is {self.status.value} cannot be converted or cancelled")

    def convert(self, pricing: Pricing, today: date, order_date: date, customer_currency: str) -> None:
        """Become an order dated ``order_date``; with the prices kept, only while they are still offered."""
        self.require_open()
        if pricing is Pricing.KEEP:
            self._check_prices_still_offered(today, order_date, customer_currency)
        self.status = QuotationStatus.CONVERTED

    def _check_prices_still_offered(self, today: date, order_date: date, customer_currency: str) -> None:
        until = self.valid_until.isoformat()
        if self.is_expired(today):
            raise QuotationExpired(f"the quotation expired after {until}: convert it with its lines priced again")
        if order_date > self.valid_until:
            raise QuotationExpired(
                f"an order dated {order_date.isoformat()} is after the quotation's validity ({until})",
                errors={"order_date": [f"after valid until {until}"]},
            )
        if order_date < self.quote_date:
            message = f"an order dated before the quote date {self.quote_date.isoformat()} cannot keep its prices"
            raise QuotationRuleViolation(message, errors={"order_date": [message]})
        if customer_currency != self.currency:
            raise QuotationCurrencyChanged(
                f"the customer trades in {customer_currency} now, the quotation is in {self.currency}:"
                " convert it with its lines priced again"
            )

    def cancel(self) -> None:
        self.require_open()
        self.status = QuotationStatus.CANCELLED


@dataclass(frozen=True)
class QuotedLine:
    """A quotation line as stored: the line and the record of its price (as an order line keeps it)."""

    line_no: int
    sku: str
    quantity: Decimal
    list_price: Decimal
    price_list_id: int
    price_list_name: str
    discounts: Sequence[Mapping[str, Any]]
    """As stored (JSON): ``{rule_id, name, kind, percent}`` with the percent a decimal string."""
    manual_discount_percent: Decimal
    unit_price: Decimal
    tax_rate: Decimal
    requested_date: date | None = None
    explanation: str = field(default="", compare=False)


def kept_price(line: QuotedLine) -> LinePrice:
    """The quotation line's price record as :class:`LinePrice`, unchanged: what an order keeping it is priced at.

    ``needs_manager`` is False: a manual discount above the cap was a sales manager's when the quotation was made.
    """
    discounts = tuple(
        AppliedDiscount(d["rule_id"], d["name"], d["kind"], Decimal(str(d["percent"]))) for d in line.discounts
    )
    return LinePrice(
        list_price=line.list_price,
        price_list_id=line.price_list_id,
        price_list_name=line.price_list_name,
        discounts=discounts,
        net_unit_price=line.unit_price,
        needs_manager=False,
    )


def as_draft_line(line: QuotedLine) -> DraftLine:
    """The line to price again (its quantity, tax, manual discount and requested date; the prices forgotten)."""
    return DraftLine(line.sku, line.quantity, line.tax_rate, line.manual_discount_percent, line.requested_date)
