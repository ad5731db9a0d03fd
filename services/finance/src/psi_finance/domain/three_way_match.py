"""The three-way match (三单匹配) of a supplier bill: each billed line against the approved order line (price) and
what was received on it and not billed yet (quantity). Pure: the service loads the order's lines, asks here, and
posts the bill or puts it in the exception queue.

Per billed line (the figures in the bill's currency, which is the order's):

* ``NO_ORDER``: the order line does not exist on the order's newest approved revision, or the order is cancelled.
* ``NO_RECEIPT``: nothing was received on the line (accepted less returned is zero).
* ``QUANTITY``: more is billed than was received and not yet billed, beyond the quantity tolerance
  (``quantity <= open × (1 + percent / 100)``). Billing less is a partial bill, never an exception.
* ``PRICE``: the billed unit price differs from the order's, either way, by more than the price tolerance: the
  line's difference ``|billed price − order price| × billed quantity`` is at most the smaller of ``percent`` % of
  the line at the order's price and ``amount`` (so the percent holds on small lines and the amount caps large
  ones; a limit set very high leaves the other one deciding).

A line without a reason is matched; a bill posts at once when every line is matched, else it waits.

Over-billing that no receipt can explain is refused outright (``OVER_BILLED``, nothing stored): more than the order
line can still be billed for, i.e. the larger of its ordered and received quantities less what bills posted or
waiting already claim. Within that, a quantity beyond the receipts is an exception (the goods may be on their way,
or the supplier billed short-delivered goods): an accountant decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from psi_chassis.decimals import HUNDRED, ZERO, line_amount, plain
from psi_chassis.errors import RuleViolation, add_error


class MatchReason(StrEnum):
    PRICE = "PRICE"
    QUANTITY = "QUANTITY"
    NO_RECEIPT = "NO_RECEIPT"
    NO_ORDER = "NO_ORDER"


class OverBilled(RuleViolation):
    """A bill claims more of an order line than was ordered or received and is not claimed by other bills."""

    default_code = "OVER_BILLED"


@dataclass(frozen=True)
class Tolerances:
    """How far a bill may differ from the order and the receipts and still post by itself (config.py)."""

    price_percent: Decimal = Decimal(2)
    """Of the line at the order's price: 2 is 2 %."""
    price_amount: Decimal = Decimal("1.00")
    """Per line, in the bill's currency."""
    quantity_percent: Decimal = ZERO
    """Over what was received and not billed yet: 0 is none."""


@dataclass(frozen=True)
class OrderLine:
    """What finance knows of one purchase order line: the newest approved revision's terms (``None`` when the line
    is not on it) and the quantities received, billed and waiting in the exception queue."""

    line_no: int
    ordered_quantity: Decimal | None
    unit_price: Decimal | None
    received_quantity: Decimal = ZERO
    """Accepted on receipts, less what was returned to the supplier."""
    billed_quantity: Decimal = ZERO
    """On posted bills."""
    pending_quantity: Decimal = ZERO
    """On bills waiting in the exception queue."""

    @property
    def on_order(self) -> bool:
        return self.ordered_quantity is not None and self.unit_price is not None

    @property
    def open_quantity(self) -> Decimal:
        """Received and not billed yet (never below zero)."""
        return max(self.received_quantity - self.billed_quantity, ZERO)

    @property
    def billable_quantity(self) -> Decimal:
        """What a new bill may still claim at most: the larger of ordered and received (purchasing lets a line be
        over-received within its tolerance), less what posted and waiting bills claim."""
        ordered = self.ordered_quantity or ZERO
        return max(max(ordered, self.received_quantity) - self.billed_quantity - self.pending_quantity, ZERO)


@dataclass(frozen=True)
class BilledLine:
    po_line_no: int
    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal


@dataclass(frozen=True)
class LineMatch:
    """The outcome for one billed line: why it does not match (empty: it does), in words too."""

    po_line_no: int
    reasons: tuple[MatchReason, ...]
    detail: str
    order_unit_price: Decimal | None
    open_quantity: Decimal

    @property
    def matched(self) -> bool:
        return not self.reasons


def price_within(billed: BilledLine, order_price: Decimal, tolerances: Tolerances) -> bool:
    """The line's price difference is at most the smaller of ``price_percent`` % of the line at the order's
    price and ``price_amount``."""
    difference = abs(line_amount(billed.quantity, billed.unit_price) - line_amount(billed.quantity, order_price))
    allowed = min(
        line_amount(billed.quantity, order_price) * tolerances.price_percent / HUNDRED, tolerances.price_amount
    )
    return difference <= allowed


def quantity_within(billed: BilledLine, open_quantity: Decimal, tolerances: Tolerances) -> bool:
    return billed.quantity <= open_quantity + open_quantity * tolerances.quantity_percent / HUNDRED


def match_line(billed: BilledLine, line: OrderLine | None, order_open: bool, tolerances: Tolerances) -> LineMatch:
    """Match one billed line against its order line (``None``: the order never had it); ``order_open`` is False
    for a cancelled order."""
    if line is None or not line.on_order or not order_open:
        why = "the order is cancelled" if not order_open else f"line {billed.po_line_no} is not on the order"
        open_quantity = line.open_quantity if line is not None else ZERO
        return LineMatch(billed.po_line_no, (MatchReason.NO_ORDER,), why, None, open_quantity)
    assert line.unit_price is not None
    reasons: list[MatchReason] = []
    words: list[str] = []
    if line.received_quantity <= ZERO:
        reasons.append(MatchReason.NO_RECEIPT)
        words.append("nothing received on the line")
    elif not quantity_within(billed, line.open_quantity, tolerances):
        reasons.append(MatchReason.QUANTITY)
        words.append(f"billed {plain(billed.quantity)}, received and not billed {plain(line.open_quantity)}")
    if not price_within(billed, line.unit_price, tolerances):
        reasons.append(MatchReason.PRICE)
        words.append(f"billed at {plain(billed.unit_price)}, ordered at {plain(line.unit_price)}")
    return LineMatch(billed.po_line_no, tuple(reasons), "; ".join(words), line.unit_price, line.open_quantity)


def match_bill(
    lines: Sequence[BilledLine], order_lines: Mapping[int, OrderLine], order_open: bool, tolerances: Tolerances
) -> tuple[LineMatch, ...]:
    """Every billed line matched; refuses over-billing first (:func:`check_not_over_billed`)."""
    check_not_over_billed(lines, order_lines)
    return tuple(match_line(ln, order_lines.get(ln.po_line_no), order_open, tolerances) for ln in lines)


def check_not_over_billed(lines: Sequence[BilledLine], order_lines: Mapping[int, OrderLine]) -> None:
    """``OVER_BILLED`` (422, every line at once under ``lines.<i>.quantity``) for a line billing more than its order
    line can still be billed for. A line not on the order is not refused here: it waits as ``NO_ORDER``."""
    errors: dict[str, Any] = {}
    for i, billed in enumerate(lines):
        line = order_lines.get(billed.po_line_no)
        if line is None or not line.on_order:
            continue
        if billed.quantity > line.billable_quantity:
            message = (
                f"at most {plain(line.billable_quantity)} of order line {billed.po_line_no} is left to bill "
                f"(ordered {plain(line.ordered_quantity or ZERO)}, received {plain(line.received_quantity)}, "
                f"billed {plain(line.billed_quantity)}, waiting {plain(line.pending_quantity)})"
            )
            add_error(errors, "lines", message, i, "quantity")
    if errors:
        raise OverBilled("the bill claims more than was ordered or received and is not billed yet", errors=errors)


def matched(matches: Sequence[LineMatch]) -> bool:
    """True when every line matches: the bill posts at once."""
    return all(m.matched for m in matches)
