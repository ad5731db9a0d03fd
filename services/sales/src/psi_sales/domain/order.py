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
from psi_chassis.errors import InvalidStatus, RuleViolation
from psi_sales.domain.errors import OverReturn, OverShipment


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


@dataclass(frozen=True)
class ReturnLine:
    """Goods sent back against one order line, in the state they arrived in (``resaleable`` or ``damaged``)."""

    order_line_no: int
    quantity: Decimal
    condition: str = "resaleable"


#: Statuses whose shipped goods a customer may send back.
RETURNABLE = frozenset({OrderStatus.PARTIALLY_SHIPPED, OrderStatus.SHIPPED, OrderStatus.COMPLETED})


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
    def require(self, allowed: frozenset[OrderStatus] | set[OrderStatus], action: str) -> None:
        if self.status not in allowed:
            raise InvalidStatus(f"an order that is {self.status.value} cannot be {action}")

    def confirm(self, held: bool, now: datetime) -> bool:
        """Confirm (or hold for credit); returns True when inventory must be asked to reserve now."""
        self.require({OrderStatus.DRAFT}, "confirmed")
        if held:
            self.status = OrderStatus.CREDIT_HOLD
            return False
        self._ask_for_reservation(now)
        return True

    def release_credit(self, now: datetime) -> None:
        self.require({OrderStatus.CREDIT_HOLD}, "released from a credit hold")
        self._ask_for_reservation(now)

    def retry_reservation(self, now: datetime, timeout_seconds: float) -> None:
        """Ask inventory again: a backordered order (stock may have arrived), or a confirmed one whose answer is
        overdue (the same revision again; inventory answers a repeat without reserving twice)."""
        if self.status is OrderStatus.CONFIRMED and not self.reservation_overdue(now, timeout_seconds):
            raise InvalidStatus("inventory has not answered yet and the answer is not overdue: wait for it")
        self.require({OrderStatus.BACKORDERED, OrderStatus.CONFIRMED}, "retried")
        self._ask_for_reservation(now)

    def _ask_for_reservation(self, now: datetime) -> None:
        self.status = OrderStatus.CONFIRMED
        self.reservation_requested_at = now
        self.short_lines = []

    def reserved(self, revision: int | None) -> bool:
        """``inventory.StockReserved.v1`` arrived; False when it is stale (an older revision or another state).

        An answer without a revision (an older inventory) is taken for the current one."""
        if (revision or self.revision) != self.revision or self.status is not OrderStatus.CONFIRMED:
            return False
        self.status = OrderStatus.RESERVED
        return True

    def rejected(self, revision: int | None, short_lines: list[dict[str, object]]) -> bool:
        """``inventory.ReservationRejected.v1`` arrived: backordered, with the short lines shown."""
        if (revision or self.revision) != self.revision or self.status is not OrderStatus.CONFIRMED:
            return False
        self.status = OrderStatus.BACKORDERED
        self.short_lines = short_lines
        return True

    def amend(self, lines: list[OrderLine]) -> bool:
        """Replace the lines; returns True when the order must go through credit and reservation again."""
        self.require(AMENDABLE, "amended")
        if not lines:
            raise RuleViolation("an order needs at least one line", errors={"lines": ["at least one line"]})
        rerun = self.status is not OrderStatus.DRAFT
        self.lines = lines
        if rerun:
            self.revision += 1
            self.status = OrderStatus.DRAFT
        return rerun

    def ship(self, lines: Sequence[ShipLine]) -> list[tuple[OrderLine, Decimal]]:
        """Record a shipment of reserved quantities; returns each order line with the quantity shipped now."""
        self.require(SHIPPABLE, "shipped")
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
            raise OverShipment("the shipment takes more than the order holds reserved", errors=errors)
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

    def receive_return(self, lines: Sequence[ReturnLine]) -> list[tuple[OrderLine, ReturnLine]]:
        """Record goods sent back: per order line at most shipped minus returned (all lines of the request
        together); returns each order line with its return line. The order's status does not change."""
        self.require(RETURNABLE, "returned against")
        errors: dict[str, object] = {}
        asked: dict[int, Decimal] = {}
        taken: list[tuple[OrderLine, ReturnLine]] = []
        for i, rl in enumerate(lines):
            line = self.line(rl.order_line_no)
            if line is None:
                errors[f"lines.{i}.order_line_no"] = [f"line {rl.order_line_no} is not on the order"]
                continue
            asked[rl.order_line_no] = asked.get(rl.order_line_no, ZERO) + rl.quantity
            if asked[rl.order_line_no] > line.returnable:
                errors[f"lines.{i}.quantity"] = [
                    f"line {rl.order_line_no}: {plain(line.returnable)} shipped and not returned yet;"
                    f" {plain(asked[rl.order_line_no])} is more"
                ]
            taken.append((line, rl))
        if not lines:
            errors["lines"] = ["a return needs at least one line"]
        if errors:
            raise OverReturn("the return sends back more than was shipped", errors=errors)
        self.lines = [replace(ln, returned=ln.returned + asked.get(ln.line_no, ZERO)) for ln in self.lines]
        return taken

    def cancel(self) -> bool:
        """Cancel; returns True when inventory must be told (it may hold a reservation)."""
        self.require(CANCELLABLE, "cancelled")
        tell_inventory = self.status in RESERVING
        self.status = OrderStatus.CANCELLED
        return tell_inventory

    def complete(self) -> bool:
        """Close the order (结案); returns True when a reservation for unshipped quantities must be released."""
        self.require({OrderStatus.SHIPPED, OrderStatus.PARTIALLY_SHIPPED}, "completed")
        release = self.status is OrderStatus.PARTIALLY_SHIPPED
        self.status = OrderStatus.COMPLETED
        return release

    def reservation_overdue(self, now: datetime, timeout_seconds: float) -> bool:
        """Inventory has not answered the confirmation within the timeout (shown on the order, and alerted)."""
        return reply_overdue(self.status, self.reservation_requested_at, now, timeout_seconds)


def reply_overdue(status: str, requested_at: datetime | None, now: datetime, timeout_seconds: float) -> bool:
    """A confirmed order whose reservation was asked for more than ``timeout_seconds`` ago and not answered."""
    return (
        status == OrderStatus.CONFIRMED
        and requested_at is not None
        and (now - requested_at).total_seconds() > timeout_seconds
    )
