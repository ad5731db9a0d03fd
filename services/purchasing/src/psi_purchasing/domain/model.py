"""Pure purchasing rules: no database, no framework. Quantities and money are Decimals with six decimals.

A purchase order goes draft -> approved -> partially_received -> received. Goods receipts add to each
line's received quantity (accepted plus rejected: everything that arrived counts against the order) and may
never take it beyond the ordered quantity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

from psi_purchasing.domain.commands import OrderLine, ReceiptLine
from psi_purchasing.domain.errors import InvalidStatus, OverReceipt, RuleViolation, SupplierBlocked

QUANTUM = Decimal("0.000001")
ZERO = Decimal(0)
#: Every quantity, price and amount stays below this, so it fits the six-decimal columns on both backends
#: (SQLite keeps micro-units in a signed 64-bit integer, about 9.2e12 units).
MAX_AMOUNT = Decimal(10) ** 12


def q6(value: Decimal) -> Decimal:
    """Round to six decimals (banker's rounding, the same as the inventory ledger)."""
    return value.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def has_at_most_6_places(value: Decimal) -> bool:
    """True for a finite decimal that six decimals hold exactly (``1.5000000`` is fine, ``1.0000001`` is not).

    Reads the digits instead of quantizing, so a huge value cannot trip the decimal context's precision.
    """
    if not value.is_finite():
        return False
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return True
    return exponent + (len(digits) - len(significant)) >= -6


def _valid(value: Decimal, *, positive: bool) -> bool:
    """Finite, at most six decimals, and > 0 (``positive``) or >= 0."""
    if not has_at_most_6_places(value):
        return False
    return value > ZERO if positive else value >= ZERO


def plain(value: Decimal) -> str:
    """A decimal for people to read in a message: ``10`` rather than ``10.000000`` or ``1E+1``."""
    return format(value.normalize(), "f")


def base_cost(unit_price: Decimal, exchange_rate: Decimal) -> Decimal:
    """A unit price in the document currency, converted to the base currency and rounded to six decimals."""
    return q6(unit_price * exchange_rate)


def po_number(po_id: int) -> str:
    return f"PO-{po_id:06d}"


def receipt_number(receipt_id: int) -> str:
    return f"GRN-{receipt_id:06d}"


class SupplierStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"


class POStatus(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"


RECEIVABLE = frozenset({POStatus.APPROVED, POStatus.PARTIALLY_RECEIVED})


def _line_error(errors: dict[str, Any], index: int, name: str, message: str) -> None:
    """Collect a field error the way marshmallow reports nested list errors: ``lines.<index>.<field>``."""
    errors.setdefault("lines", {}).setdefault(str(index), {}).setdefault(name, []).append(message)


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


@dataclass
class PurchaseOrderLine:
    line_no: int
    sku: str
    quantity: Decimal
    unit_price: Decimal
    received_quantity: Decimal = ZERO
    accepted_quantity: Decimal = ZERO
    rejected_quantity: Decimal = ZERO

    @property
    def amount(self) -> Decimal:
        return q6(self.quantity * self.unit_price)

    @property
    def open_quantity(self) -> Decimal:
        return self.quantity - self.received_quantity

    @property
    def fully_received(self) -> bool:
        return self.received_quantity >= self.quantity


@dataclass
class PurchaseOrder:
    status: str
    exchange_rate: Decimal
    lines: list[PurchaseOrderLine] = field(default_factory=list)

    @classmethod
    def draft(cls, lines: Sequence[OrderLine], exchange_rate: Decimal) -> PurchaseOrder:
        """A new draft order; lines are numbered 1..n in the order given."""
        errors: dict[str, Any] = {}
        if not lines:
            errors["lines"] = ["a purchase order needs at least one line"]
        if not _valid(exchange_rate, positive=True):
            errors["exchange_rate"] = ["must be greater than 0 with at most 6 decimal places"]
        for i, line in enumerate(lines):
            quantity_ok = _valid(line.quantity, positive=True)
            if not quantity_ok:
                _line_error(errors, i, "quantity", "must be greater than 0 with at most 6 decimal places")
            if not _valid(line.unit_price, positive=False):
                _line_error(errors, i, "unit_price", "must be 0 or more with at most 6 decimal places")
            elif quantity_ok and line.quantity * line.unit_price >= MAX_AMOUNT:
                _line_error(errors, i, "unit_price", f"the line amount must be less than {MAX_AMOUNT}")
        if not errors and sum((q6(ln.quantity * ln.unit_price) for ln in lines), ZERO) >= MAX_AMOUNT:
            errors["lines"] = [f"the order total must be less than {MAX_AMOUNT}"]
        if errors:
            raise RuleViolation("the purchase order is not valid; see errors", errors=errors)
        return cls(
            status=POStatus.DRAFT,
            exchange_rate=q6(exchange_rate),
            lines=[
                PurchaseOrderLine(
                    line_no=n, sku=line.sku, quantity=q6(line.quantity), unit_price=q6(line.unit_price)
                )
                for n, line in enumerate(lines, start=1)
            ],
        )

    @property
    def total_amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    def line(self, line_no: int) -> PurchaseOrderLine | None:
        for line in self.lines:
            if line.line_no == line_no:
                return line
        return None

    def approve(self) -> None:
        if self.status != POStatus.DRAFT:
            raise InvalidStatus(f"only a draft purchase order can be approved; this one is {self.status}")
        self.status = POStatus.APPROVED

    def receive(self, lines: Sequence[ReceiptLine]) -> list[ReceivedLine]:
        """Apply a goods receipt, or refuse it whole.

        Every check runs before anything changes: a refused receipt leaves the order exactly as it was.
        Returns the receipt lines with their unit cost (the PO price) and base-currency cost.
        """
        if self.status not in RECEIVABLE:
            raise InvalidStatus(
                f"goods can only be received on an approved purchase order; this one is {self.status}"
            )
        errors: dict[str, Any] = {}
        if not lines:
            errors["lines"] = ["a goods receipt needs at least one line"]
        seen: set[int] = set()
        for i, rl in enumerate(lines):
            self._check_receipt_line(errors, i, rl, seen)
        if errors:
            raise RuleViolation("the goods receipt is not valid; see errors", errors=errors)

        over: dict[str, Any] = {}
        for i, rl in enumerate(lines):
            po_line = self.line(rl.line_no)
            assert po_line is not None
            if po_line.received_quantity + rl.received_quantity > po_line.quantity:
                _line_error(
                    over,
                    i,
                    "received_quantity",
                    f"line {rl.line_no}: {plain(po_line.received_quantity)} of {plain(po_line.quantity)} "
                    f"already received, {plain(rl.received_quantity)} more would exceed the ordered quantity",
                )
        if over:
            raise OverReceipt("the receipt would take a line beyond its ordered quantity", errors=over)

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
        self.status = (
            POStatus.RECEIVED
            if all(line.fully_received for line in self.lines)
            else POStatus.PARTIALLY_RECEIVED
        )
        return received

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
