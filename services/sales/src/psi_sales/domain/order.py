"""The sales order (销售订单) and its life: statuses, the moves between them, and the figures on it.

::

    draft --confirm--> confirmed --StockReserved--> reserved --ship--> partially_shipped --ship--> shipped
      |        \\                 \\--ReservationRejected--> backordered --retry--> confirmed
      |         \\--(over the credit limit)--> credit_hold --release--> confirmed
      \\--> cancelled   (from draft, credit_hold, confirmed, reserved, backordered: nothing shipped yet)
    shipped --complete--> completed;  partially_shipped --complete--> completed (the rest is released)

* Inventory reserves in answer to ``sales.OrderConfirmed.v1`` and says so with ``inventory.StockReserved.v1`` or
  ``inventory.ReservationRejected.v1`` (the reservation saga). Each confirmation carries the order's
  ``revision``; a reply for an older revision is stale and changes nothing.
* An amendment after confirmation (new lines or quantities) raises the revision and runs credit and
  reservation again: the order goes back through ``confirm``.
* A shipment takes reserved quantities only: never more per line than ordered minus shipped, and only while the
  order is reserved or partially shipped.

Every method checks everything before it changes anything, so a refused command leaves the order as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from psi_chassis.decimals import ZERO, NetAndTax, plain, q6


def order_number(order_id: int) -> str:
    """``SO-000001``: the order's id, at least six digits."""
    return f"SO-{order_id:06d}"


class OrderStatus(StrEnum):
    DRAFT = "draft"
    CREDIT_HOLD = "credit_hold"
    CONFIRMED = "confirmed"
    RESERVED = "reserved"
    BACKORDERED = "backordered"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


#: Statuses in which inventory may hold (or be about to hold) a reservation for the order.
RESERVING = frozenset({OrderStatus.CONFIRMED, OrderStatus.RESERVED, OrderStatus.BACKORDERED})
#: Statuses from which an order may still be cancelled outright: nothing has left the warehouse.
CANCELLABLE = frozenset({OrderStatus.DRAFT, OrderStatus.CREDIT_HOLD, *RESERVING})
#: Statuses in which the order counts towards the customer's credit exposure.
OPEN = frozenset({OrderStatus.CREDIT_HOLD, *RESERVING, OrderStatus.PARTIALLY_SHIPPED})
SHIPPABLE = frozenset({OrderStatus.RESERVED, OrderStatus.PARTIALLY_SHIPPED})
AMENDABLE = frozenset({OrderStatus.DRAFT, OrderStatus.CREDIT_HOLD, *RESERVING})


class OrderRuleViolation(Exception):
    """A command the order's current state does not allow; ``code`` is the stable problem code."""

    def __init__(self, message: str, code: str, errors: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.errors = errors


@dataclass(frozen=True)
class OrderLine(NetAndTax):
    line_no: int
    sku: str
    quantity: Decimal
    list_price: Decimal
    unit_price: Decimal
    """Net unit price after every discount, in the order's currency."""
    tax_rate: Decimal
    """A fraction: ``0.13`` is 13 %."""
    discount_percent: Decimal = ZERO
    """Manual discount typed by the salesperson (the automatic ones are in the pricing record)."""
    requested_date: date | None = None
    shipped: Decimal = ZERO
    returned: Decimal = ZERO

    @property
    def open_quantity(self) -> Decimal:
        return self.quantity - self.shipped

    @property
    def returnable(self) -> Decimal:
        return self.shipped - self.returned


@dataclass(frozen=True)
class ShipLine:
    line_no: int
    quantity: Decimal


@dataclass
class SalesOrder:
    status: OrderStatus
    currency: str
    lines: list[OrderLine]
    revision: int = 1
    reservation_requested_at: datetime | None = None
    short_lines: list[dict[str, object]] = field(default_factory=list)

    # -- figures ------------------------------------------------------------------------------------------------
    @property
    def net_amount(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    @property
    def tax_amount(self) -> Decimal:
        return sum((ln.tax_amount for ln in self.lines), ZERO)

    @property
    def total_amount(self) -> Decimal:
        return self.net_amount + self.tax_amount

    @property
    def shipped_amount(self) -> Decimal:
        """What was shipped (and so invoiced), tax included, for the credit exposure."""
        return sum((q6(q6(ln.shipped * ln.unit_price) * (1 + ln.tax_rate)) for ln in self.lines), ZERO)

    def line(self, line_no: int) -> OrderLine | None:
        return next((ln for ln in self.lines if ln.line_no == line_no), None)

    # -- the moves ----------------------------------------------------------------------------------------------
    def _require(self, allowed: frozenset[OrderStatus] | set[OrderStatus], action: str) -> None:
        if self.status not in allowed:
            raise OrderRuleViolation(f"an order that is {self.status.value} cannot be {action}", "INVALID_STATUS")

    def confirm(self, held: bool, now: datetime) -> bool:
        """Confirm (or hold for credit); returns True when inventory must be asked to reserve now."""
        self._require({OrderStatus.DRAFT}, "confirmed")
        if held:
            self.status = OrderStatus.CREDIT_HOLD
            return False
        self._ask_for_reservation(now)
        return True

    def release_credit(self, now: datetime) -> None:
        self._require({OrderStatus.CREDIT_HOLD}, "released from a credit hold")
        self._ask_for_reservation(now)

    def retry_reservation(self, now: datetime) -> None:
        self._require({OrderStatus.BACKORDERED}, "retried")
        self._ask_for_reservation(now)

    def _ask_for_reservation(self, now: datetime) -> None:
        self.status = OrderStatus.CONFIRMED
        self.reservation_requested_at = now
        self.short_lines = []

    def reserved(self, revision: int) -> bool:
        """``inventory.StockReserved.v1`` arrived; False when it is stale (an older revision or another state)."""
        if revision != self.revision or self.status is not OrderStatus.CONFIRMED:
            return False
        self.status = OrderStatus.RESERVED
        return True

    def rejected(self, revision: int, short_lines: list[dict[str, object]]) -> bool:
        """``inventory.ReservationRejected.v1`` arrived: backordered, with the short lines shown."""
        if revision != self.revision or self.status is not OrderStatus.CONFIRMED:
            return False
        self.status = OrderStatus.BACKORDERED
        self.short_lines = short_lines
        return True

    def amend(self, lines: list[OrderLine]) -> bool:
        """Replace the lines; returns True when the order must go through credit and reservation again."""
        self._require(AMENDABLE, "amended")
        if not lines:
            raise OrderRuleViolation("an order needs at least one line", "VALIDATION_FAILED")
        rerun = self.status is not OrderStatus.DRAFT
        self.lines = lines
        if rerun:
            self.revision += 1
            self.status = OrderStatus.DRAFT
        return rerun

    def ship(self, lines: Sequence[ShipLine]) -> list[tuple[OrderLine, Decimal]]:
        """Record a shipment of reserved quantities; returns each order line with the quantity shipped now."""
        self._require(SHIPPABLE, "shipped")
        errors: dict[str, object] = {}
        seen: set[int] = set()
        taken: list[tuple[OrderLine, Decimal]] = []
        for i, sl in enumerate(lines):
            line = self.line(sl.line_no)
            if line is None or sl.line_no in seen:
                errors[f"lines.{i}.line_no"] = [f"line {sl.line_no} is not on the order or appears twice"]
            elif sl.quantity <= ZERO:
                errors[f"lines.{i}.quantity"] = ["must be greater than 0"]
            elif sl.quantity > line.open_quantity:
                errors[f"lines.{i}.quantity"] = [
                    f"line {sl.line_no}: {plain(line.open_quantity)} reserved and not"
                    f" shipped yet; {plain(sl.quantity)} is more"
                ]
            else:
                taken.append((line, sl.quantity))
            seen.add(sl.line_no)
        if not lines:
            errors["lines"] = ["a shipment needs at least one line"]
        if errors:
            raise OrderRuleViolation("the shipment takes more than the order holds reserved", "OVER_SHIPMENT", errors)
        shipped_now = {ln.line_no: q for ln, q in taken}
        self.lines = [replace(ln, shipped=ln.shipped + shipped_now.get(ln.line_no, ZERO)) for ln in self.lines]
        fully = all(ln.open_quantity == ZERO for ln in self.lines)
        self.status = OrderStatus.SHIPPED if fully else OrderStatus.PARTIALLY_SHIPPED
        return [(self.line(ln.line_no) or ln, q) for ln, q in taken]

    def shipment_refused(self, shipped: Sequence[ShipLine]) -> None:
        """Inventory refused a shipment: take its quantities back off the lines (nothing left the warehouse)."""
        back = {sl.line_no: sl.quantity for sl in shipped}
        self.lines = [replace(ln, shipped=max(ln.shipped - back.get(ln.line_no, ZERO), ZERO)) for ln in self.lines]
        if self.status in (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_SHIPPED):
            any_shipped = any(ln.shipped > ZERO for ln in self.lines)
            self.status = OrderStatus.PARTIALLY_SHIPPED if any_shipped else OrderStatus.RESERVED

    def cancel(self) -> bool:
        """Cancel; returns True when inventory must be told (it may hold a reservation)."""
        self._require(CANCELLABLE, "cancelled")
        tell_inventory = self.status in RESERVING
        self.status = OrderStatus.CANCELLED
        return tell_inventory

    def complete(self) -> bool:
        """Close the order (结案); returns True when a reservation for unshipped quantities must be released."""
        self._require({OrderStatus.SHIPPED, OrderStatus.PARTIALLY_SHIPPED}, "completed")
        release = self.status is OrderStatus.PARTIALLY_SHIPPED
        self.status = OrderStatus.COMPLETED
        return release

    def reservation_overdue(self, now: datetime, timeout_seconds: float) -> bool:
        """Inventory has not answered the confirmation within the timeout (shown on the order, and alerted)."""
        return (
            self.status is OrderStatus.CONFIRMED
            and self.reservation_requested_at is not None
            and (now - self.reservation_requested_at).total_seconds() > timeout_seconds
        )
