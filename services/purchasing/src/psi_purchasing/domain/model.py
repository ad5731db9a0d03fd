"""Pure purchasing rules: no database, no framework. Quantities and money are Decimals with six decimals.

A purchase order goes draft -> (submit) pending_approval -> approved -> partially_received -> closed,
or is cancelled; an approved order with nothing received may be un-approved back to draft (反审核). Goods
receipts add to each line's received, accepted and rejected quantities. What the supplier still owes on a
line is the ordered quantity less what inspection accepted: rejected goods stay owed, so their replacements
can be received, until the line is short-closed (结案), which settles it at what was accepted. The accepted
quantity may never go beyond the line's ``max_receivable`` (the quantity plus the receipt tolerance, fixed at
approval). A purchase return (of accepted goods, for a debit note) does not make the goods owed again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from psi_chassis.decimals import MAX_AMOUNT, ZERO, NetAndTax, has_at_most_6_places, plain, q6
from psi_chassis.errors import add_error
from psi_purchasing.domain.commands import OrderLine, ReceiptLine, ReturnLine
from psi_purchasing.domain.errors import (
    AlreadyReceived,
    InvalidStatus,
    OverReceipt,
    OverReturn,
    RuleViolation,
    SupplierBlocked,
)
from psi_purchasing.domain.fx import tier_rate


def _valid(value: Decimal, *, positive: bool) -> bool:
    """Finite, at most six decimals, and > 0 (``positive``) or >= 0."""
    if not has_at_most_6_places(value):
        return False
    return value > ZERO if positive else value >= ZERO


def base_cost(unit_price: Decimal, exchange_rate: Decimal) -> Decimal:
    """A unit price in the document currency, converted to the base currency and rounded to six decimals."""
    return q6(unit_price * exchange_rate)


def owed_quantity(ordered: Decimal, accepted: Decimal, short_closed: Decimal) -> Decimal:
    """What the supplier still owes on a line: ordered − accepted − short-closed, never below 0.

    Rejected goods do not reduce it (the supplier owes their replacement); neither does a return (it is for a
    debit note, not for a replacement).
    """
    return max(ordered - accepted - short_closed, ZERO)


def po_number(po_id: int) -> str:
    return f"PO-{po_id:06d}"


def receipt_number(receipt_id: int) -> str:
    return f"GRN-{receipt_id:06d}"


def return_number(return_id: int) -> str:
    return f"RTN-{return_id:06d}"


class SupplierStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"


class POStatus(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"  # kept for orders received before issue 5; new orders close instead
    CLOSED = "closed"
    CANCELLED = "cancelled"


RECEIVABLE = frozenset({POStatus.APPROVED, POStatus.PARTIALLY_RECEIVED})
RETURNABLE = frozenset({POStatus.PARTIALLY_RECEIVED, POStatus.RECEIVED, POStatus.CLOSED})
CANCELLABLE = frozenset({POStatus.DRAFT, POStatus.PENDING_APPROVAL, POStatus.APPROVED})


def _line_error(errors: dict[str, Any], index: int, name: str, message: str) -> None:
    """A field error of one line: ``lines.<index>.<field>``."""
    add_error(errors, "lines", message, index, name)


@dataclass(frozen=True)
class Supplier:
    id: int
    code: str
    currency: str
    status: str = SupplierStatus.ACTIVE

    def ensure_can_order(self) -> None:
        if self.status == SupplierStatus.BLOCKED:
            raise SupplierBlocked(f"supplier {self.code} is blocked; no new purchase orders can be placed")


@dataclass(frozen=True)
class ReceivedLine:
    """One line of a goods receipt as booked: quantities plus the cost the goods arrive at."""

    line_no: int
    sku: str
    received_quantity: Decimal
    accepted_quantity: Decimal
    rejected_quantity: Decimal
    reject_reason: str | None
    unit_cost: Decimal
    unit_cost_base: Decimal


@dataclass(frozen=True)
class ReturnedLine:
    """One line of a purchase return as booked, valued at the base-currency cost it was received at."""

    line_no: int
    sku: str
    quantity: Decimal
    unit_cost_base: Decimal


@dataclass(frozen=True)
class ShortClosedLine:
    """One line of a short-closed order: ordered, accepted (what the line is settled at) and released."""

    line_no: int
    sku: str
    ordered_quantity: Decimal
    accepted_quantity: Decimal
    short_closed_quantity: Decimal


@dataclass
class PurchaseOrderLine(NetAndTax):
    line_no: int
    sku: str
    quantity: Decimal
    unit_price: Decimal
    received_quantity: Decimal = ZERO
    accepted_quantity: Decimal = ZERO
    rejected_quantity: Decimal = ZERO
    tax_rate: Decimal = ZERO
    max_receivable: Decimal | None = None
    returned_quantity: Decimal = ZERO
    requisition_line_id: int | None = None
    #: What a short-close (结案) released: the part of the quantity that will never arrive.
    short_closed_quantity: Decimal = ZERO

    @property
    def receivable(self) -> Decimal:
        """How much may be accepted in all: fixed at approval (quantity plus tolerance); the quantity before."""
        return self.quantity if self.max_receivable is None else self.max_receivable

    @property
    def owed(self) -> Decimal:
        return owed_quantity(self.quantity, self.accepted_quantity, self.short_closed_quantity)

    @property
    def settled(self) -> bool:
        """Nothing more is owed on the line (accepted in full, or short-closed)."""
        return self.owed == ZERO

    @property
    def returnable(self) -> Decimal:
        return self.accepted_quantity - self.returned_quantity


def _check_lines(lines: Sequence[OrderLine], errors: dict[str, Any]) -> None:
    if not lines:
        errors["lines"] = ["a purchase order needs at least one line"]
    for i, line in enumerate(lines):
        quantity_ok = _valid(line.quantity, positive=True)
        if not quantity_ok:
            _line_error(errors, i, "quantity", "must be greater than 0 with at most 6 decimal places")
        if line.unit_price is None:
            _line_error(errors, i, "unit_price", "no price given and none in the supplier's price list")
        elif not _valid(line.unit_price, positive=False):
            _line_error(errors, i, "unit_price", "must be 0 or more with at most 6 decimal places")
        elif quantity_ok and line.quantity * line.unit_price >= MAX_AMOUNT:
            _line_error(errors, i, "unit_price", f"the line amount must be less than {MAX_AMOUNT}")
        if not _valid(line.tax_rate, positive=False) or line.tax_rate > 1:
            _line_error(errors, i, "tax_rate", "must be between 0 and 1 with at most 6 decimal places")
    gross = (q6(ln.quantity * ln.unit_price) * (1 + ln.tax_rate) for ln in lines if ln.unit_price is not None)
    if not errors and sum(gross, ZERO) >= MAX_AMOUNT:
        errors["lines"] = [f"the order total must be less than {MAX_AMOUNT}"]


def _build_lines(lines: Sequence[OrderLine]) -> list[PurchaseOrderLine]:
    return [
        PurchaseOrderLine(
            line_no=n,
            sku=line.sku,
            quantity=q6(line.quantity),
            unit_price=q6(line.unit_price or ZERO),
            tax_rate=q6(line.tax_rate),
            requisition_line_id=line.requisition_line_id,
        )
        for n, line in enumerate(lines, start=1)
    ]


@dataclass
class PurchaseOrder:
    status: str
    exchange_rate: Decimal
    lines: list[PurchaseOrderLine] = field(default_factory=list)
    revision: int = 1
    #: Finance's rate for the order date when the order was created (None: the table had none); fixed with it.
    table_rate: Decimal | None = None

    @classmethod
    def draft(
        cls, lines: Sequence[OrderLine], exchange_rate: Decimal, table_rate: Decimal | None = None
    ) -> PurchaseOrder:
        """A new draft order; lines are numbered 1..n in the order given (prices already resolved); the rates
        as domain/fx.order_rate chose them."""
        errors: dict[str, Any] = {}
        if not _valid(exchange_rate, positive=True):
            errors["exchange_rate"] = ["must be greater than 0 with at most 6 decimal places"]
        _check_lines(lines, errors)
        if errors:
            raise RuleViolation("the purchase order is not valid; see errors", errors=errors)
        po = cls(
            status=POStatus.DRAFT, exchange_rate=q6(exchange_rate), lines=_build_lines(lines), table_rate=table_rate
        )
        po._check_base_total()
        return po

    def _check_base_total(self) -> None:
        if self.total_amount_base >= MAX_AMOUNT:
            raise RuleViolation(
                "the purchase order is not valid; see errors",
                errors={"exchange_rate": [f"the total in the base currency must be less than {MAX_AMOUNT}"]},
            )

    @property
    def net_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def total_amount(self) -> Decimal:
        """What the order costs including tax, in the order currency: Σ (amount + amount × tax rate)."""
        return sum((line.amount + line.tax_amount for line in self.lines), ZERO)

    @property
    def total_amount_base(self) -> Decimal:
        return q6(self.total_amount * self.exchange_rate)

    def tier_amount_base(self, tolerance_percent: Decimal) -> Decimal:
        """The base-currency amount the approval tiers route the order by: its total at its own rate, or at the
        table rate when a typed rate is lower than it by more than the tolerance (domain/fx.tier_rate)."""
        return q6(self.total_amount * tier_rate(self.exchange_rate, self.table_rate, tolerance_percent))

    @property
    def anything_received(self) -> bool:
        return any(line.received_quantity > ZERO for line in self.lines)

    def line(self, line_no: int) -> PurchaseOrderLine | None:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        return None

    # --- lifecycle ------------------------------------------------------------------------------------------

    def _refuse_if_received(self, action: str) -> None:
        if self.anything_received or self.status in RETURNABLE:
            raise AlreadyReceived(f"goods were received against this purchase order; it cannot be {action}")

    def submit(self) -> None:
        """draft -> pending_approval; the caller approves at once when the amount tier is automatic."""
        if self.status != POStatus.DRAFT:
            raise InvalidStatus(f"only a draft purchase order can be submitted; this one is {self.status}")
        self.status = POStatus.PENDING_APPROVAL

    def approve(self, tolerance: Decimal = ZERO) -> None:
        """pending_approval -> approved; fixes each line's max_receivable = quantity × (1 + tolerance)."""
        if self.status != POStatus.PENDING_APPROVAL:
            raise InvalidStatus(f"only a purchase order pending approval can be approved; this one is {self.status}")
        self.status = POStatus.APPROVED
        for line in self.lines:
            line.max_receivable = q6(line.quantity * (1 + tolerance))

    def reject(self) -> None:
        """pending_approval -> draft."""
        if self.status != POStatus.PENDING_APPROVAL:
            raise InvalidStatus(f"only a purchase order pending approval can be rejected; this one is {self.status}")
        self.status = POStatus.DRAFT

    def unapprove(self) -> None:
        """approved -> draft (反审核), only while nothing has been received."""
        self._refuse_if_received("un-approved")
        if self.status != POStatus.APPROVED:
            raise InvalidStatus(f"only an approved purchase order can be un-approved; this one is {self.status}")
        self.status = POStatus.DRAFT
        for line in self.lines:
            line.max_receivable = None

    def cancel(self) -> bool:
        """-> cancelled from draft, pending or approved with nothing received; True if it was approved."""
        self._refuse_if_received("cancelled")
        if self.status not in CANCELLABLE:
            raise InvalidStatus(f"a {self.status} purchase order cannot be cancelled")
        was_approved = self.status == POStatus.APPROVED
        self.status = POStatus.CANCELLED
        return was_approved

    def amend(self, lines: Sequence[OrderLine] | None) -> bool:
        """Change the lines (None: keep them). In place on a draft; on an approved order with nothing received
        the order becomes a new revision waiting for approval (returns True). Refused after a receipt."""
        self._refuse_if_received("amended")
        if self.status not in (POStatus.DRAFT, POStatus.APPROVED):
            raise InvalidStatus(f"only a draft or an approved purchase order can be amended; this one is {self.status}")
        if lines is not None:
            errors: dict[str, Any] = {}
            _check_lines(lines, errors)
            if errors:
                raise RuleViolation("the purchase order is not valid; see errors", errors=errors)
            new_lines = _build_lines(lines)
            total_base = q6(sum((ln.amount + ln.tax_amount for ln in new_lines), ZERO) * self.exchange_rate)
            if total_base >= MAX_AMOUNT:
                raise RuleViolation(
                    "the purchase order is not valid; see errors",
                    errors={"lines": [f"the total in the base currency must be less than {MAX_AMOUNT}"]},
                )
            self.lines = new_lines
        if self.status == POStatus.APPROVED:
            self.revision += 1
            self.status = POStatus.PENDING_APPROVAL
            for line in self.lines:
                line.max_receivable = None
            return True
        return False

    def receive(self, lines: Sequence[ReceiptLine]) -> list[ReceivedLine]:
        """Apply a goods receipt, or refuse it whole.

        Every check runs before anything changes: a refused receipt leaves the order exactly as it was.
        Returns the receipt lines with their unit cost (the PO price) and base-currency cost.
        """
        if self.status in (POStatus.CLOSED, POStatus.RECEIVED):
            raise OverReceipt("everything ordered has been received and the purchase order is closed")
        if self.status not in RECEIVABLE:
            raise InvalidStatus(f"goods can only be received on an approved purchase order; this one is {self.status}")
        errors: dict[str, Any] = {}
        if not lines:
            errors["lines"] = ["a goods receipt needs at least one line"]
        seen: set[int] = set()
        for i, rl in enumerate(lines):
            self._check_receipt_line(errors, i, rl, seen)
        if errors:
            raise RuleViolation("the goods receipt is not valid; see errors", errors=errors)

        self._refuse_over_receipt(lines)
        received: list[ReceivedLine] = []
        for rl in lines:
            po_line = self.line(rl.line_no)
            assert po_line is not None
            po_line.received_quantity += rl.received_quantity
            po_line.accepted_quantity += rl.accepted_quantity
            po_line.rejected_quantity += rl.rejected_quantity
            received.append(
                ReceivedLine(
                    line_no=rl.line_no,
                    sku=po_line.sku,
                    received_quantity=q6(rl.received_quantity),
                    accepted_quantity=q6(rl.accepted_quantity),
                    rejected_quantity=q6(rl.rejected_quantity),
                    reject_reason=rl.reject_reason if rl.rejected_quantity > ZERO else None,
                    unit_cost=po_line.unit_price,
                    unit_cost_base=base_cost(po_line.unit_price, self.exchange_rate),
                )
            )
        self.status = POStatus.CLOSED if all(line.settled for line in self.lines) else POStatus.PARTIALLY_RECEIVED
        return received

    def short_close(self) -> list[ShortClosedLine]:
        """结案: settle a partly received order at what was accepted; every line owes nothing any more.

        Only a ``partially_received`` order (an approved one with nothing received is cancelled instead; a
        closed one owes nothing). Each line's owed quantity becomes its ``short_closed_quantity`` and its
        ``max_receivable`` drops to what was accepted, so nothing more can arrive. Returns the lines as closed.
        """
        if self.status != POStatus.PARTIALLY_RECEIVED:
            hint = "; cancel it instead" if self.status == POStatus.APPROVED else ""
            raise InvalidStatus(
                f"only a partially received purchase order can be short-closed; this one is {self.status}{hint}"
            )
        closed: list[ShortClosedLine] = []
        for line in self.lines:
            released = line.owed
            line.short_closed_quantity += released
            line.max_receivable = min(line.receivable, line.accepted_quantity)
            closed.append(ShortClosedLine(line.line_no, line.sku, line.quantity, line.accepted_quantity, released))
        self.status = POStatus.CLOSED
        return closed

    def give_back_return(self, quantities: Mapping[int, Decimal]) -> None:
        """A refused return: its quantities (per line number) become returnable again."""
        for line_no, quantity in quantities.items():
            line = self.line(line_no)
            assert line is not None and line.returned_quantity >= quantity, (line_no, quantity)
            line.returned_quantity -= quantity

    def return_goods(self, lines: Sequence[ReturnLine]) -> list[ReturnedLine]:
        """Send accepted goods back: per line at most what was accepted and not yet returned."""
        if self.status not in RETURNABLE:
            raise InvalidStatus(f"nothing was received against this purchase order ({self.status})")
        errors: dict[str, Any] = {}
        if not lines:
            errors["lines"] = ["a return needs at least one line"]
        seen: set[int] = set()
        for i, rl in enumerate(lines):
            if self.line(rl.line_no) is None:
                _line_error(errors, i, "line_no", f"the purchase order has no line {rl.line_no}")
            elif rl.line_no in seen:
                _line_error(errors, i, "line_no", f"line {rl.line_no} appears more than once in this return")
            seen.add(rl.line_no)
            if not _valid(rl.quantity, positive=True):
                _line_error(errors, i, "quantity", "must be greater than 0 with at most 6 decimal places")
        if errors:
            raise RuleViolation("the return is not valid; see errors", errors=errors)
        over: dict[str, Any] = {}
        for i, rl in enumerate(lines):
            po_line = self.line(rl.line_no)
            assert po_line is not None
            if rl.quantity > po_line.returnable:
                _line_error(
                    over,
                    i,
                    "quantity",
                    f"line {rl.line_no}: {plain(po_line.accepted_quantity)} accepted, "
                    f"{plain(po_line.returned_quantity)} already returned; {plain(rl.quantity)} is too many",
                )
        if over:
            raise OverReturn("the return would send back more than was accepted", errors=over)
        returned: list[ReturnedLine] = []
        for rl in lines:
            po_line = self.line(rl.line_no)
            assert po_line is not None
            po_line.returned_quantity += rl.quantity
            returned.append(
                ReturnedLine(
                    line_no=rl.line_no,
                    sku=po_line.sku,
                    quantity=q6(rl.quantity),
                    unit_cost_base=base_cost(po_line.unit_price, self.exchange_rate),
                )
            )
        return returned

    def _refuse_over_receipt(self, lines: Sequence[ReceiptLine]) -> None:
        """409 OVER_RECEIPT when a line's accepted quantity would go beyond what it may accept (its
        ``max_receivable``: the quantity plus the tolerance fixed at approval)."""
        over: dict[str, Any] = {}
        for i, rl in enumerate(lines):
            po_line = self.line(rl.line_no)
            assert po_line is not None
            if po_line.accepted_quantity + rl.accepted_quantity > po_line.receivable:
                _line_error(
                    over,
                    i,
                    "accepted_quantity",
                    f"line {rl.line_no}: {plain(po_line.accepted_quantity)} of {plain(po_line.quantity)} "
                    f"already accepted, {plain(rl.accepted_quantity)} more would exceed the "
                    f"{plain(po_line.receivable)} that may be accepted",
                )
        if over:
            raise OverReceipt("the receipt would take a line beyond what may be received", errors=over)

    def _check_receipt_line(self, errors: dict[str, Any], i: int, rl: ReceiptLine, seen: set[int]) -> None:
        if self.line(rl.line_no) is None:
            _line_error(errors, i, "line_no", f"the purchase order has no line {rl.line_no}")
        elif rl.line_no in seen:
            _line_error(errors, i, "line_no", f"line {rl.line_no} appears more than once in this receipt")
        seen.add(rl.line_no)
        checks = (
            ("received_quantity", rl.received_quantity, True),
            ("accepted_quantity", rl.accepted_quantity, False),
            ("rejected_quantity", rl.rejected_quantity, False),
        )
        valid = True
        for name, value, positive in checks:
            if not _valid(value, positive=positive):
                wanted = "greater than 0" if positive else "0 or more"
                _line_error(errors, i, name, f"must be {wanted} with at most 6 decimal places")
                valid = False
        if valid and rl.accepted_quantity + rl.rejected_quantity != rl.received_quantity:
            _line_error(
                errors,
                i,
                "accepted_quantity",
                f"accepted ({plain(rl.accepted_quantity)}) plus rejected ({plain(rl.rejected_quantity)}) "
                f"must equal received ({plain(rl.received_quantity)})",
            )
        if valid and rl.rejected_quantity > ZERO and not (rl.reject_reason or "").strip():
            _line_error(errors, i, "reject_reason", "a reason is required when anything is rejected")
