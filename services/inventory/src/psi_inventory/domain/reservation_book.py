"""Reservations held in a stock book: every line or none, and what a shipment or a cancellation does to them.

Pure: the rows of the orders involved are loaded (and locked) by the adapter with the book's balance rows, and
written back with them. The rules:

* **All or nothing.** An order's lines are reserved in (sku, line) order against what is available (on hand
  minus reserved), each line seeing what the lines before it took; when any line is short, nothing is reserved
  and the short lines are reported with what was available to them.
* **Once per reference through the API.** A reference that already holds reservation rows (active or not) is
  not reserved again by :meth:`ReservationBook.reserve`: a retried call changes nothing (``RESERVATION_EXISTS``).
  Its rows are revision 1.
* **One revision at a time for a sales order** (:meth:`ReservationBook.confirm`). Sales confirms an amended
  order again with a higher revision, and may send the same revision again when an answer went missing. With
  ``R`` the confirmation's revision and ``L`` the highest revision the reference holds rows of:

  - no rows, or ``L < R``: whatever the older revision still holds is released, then revision ``R`` is
    reserved all or nothing. Refused, the order holds nothing at all: the old reservation is gone too (sales
    amended the order; the old lines are not what it wants any more).
  - ``L == R``: a repeat. Answered again with revision ``R``'s lines, reserving nothing more, unless those rows
    were released (the order was cancelled): then nothing is answered.
  - ``L > R``: stale (an amendment overtook it). Nothing changes and nothing is answered.

  A refused confirmation writes no rows, so the same revision sent again after a refusal is reserved as new.
* A shipment consumes the order's active rows of its SKU in line order; a cancellation releases what is left.
  Only one revision of a reference ever has active rows, so neither needs to know which one it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from psi_chassis.decimals import ZERO
from psi_inventory.domain.commands import ReservationLine
from psi_inventory.domain.errors import AlreadyReserved
from psi_inventory.domain.stock_book import StockBook

ACTIVE, RELEASED, CONSUMED = "active", "released", "consumed"
FIRST_REVISION = 1
"""The revision of a reservation made through the API, and of a confirmation that names none."""


@dataclass(frozen=True)
class ShortLine:
    line_no: int
    sku: str
    requested_quantity: Decimal
    available_quantity: Decimal


@dataclass
class ReservationRow:
    id: int | None
    reference: str
    line_no: int
    sku: str
    warehouse: str
    quantity: Decimal
    consumed: Decimal
    status: str
    revision: int = FIRST_REVISION
    changed: bool = False

    @property
    def left(self) -> Decimal:
        return self.quantity - self.consumed


@dataclass(frozen=True)
class Answer:
    """What a sales order's confirmation is answered with, always naming its ``revision``: the lines reserved
    (StockReserved) or, when refused, the short lines (ReservationRejected)."""

    revision: int
    reserved: tuple[ReservationLine, ...] = ()
    short: tuple[ShortLine, ...] = ()

    @property
    def rejected(self) -> bool:
        return bool(self.short)


@dataclass
class ReservationBook:
    """The reservation rows of the references a batch names, beside the stock book that holds their balances."""

    stock: StockBook
    rows: dict[str, list[ReservationRow]] = field(default_factory=dict)
    new_rows: list[ReservationRow] = field(default_factory=list)
    now: datetime | None = None

    @classmethod
    def of(cls, stock: StockBook, loaded: Iterable[ReservationRow], now: datetime) -> ReservationBook:
        book = cls(stock, now=now)
        for row in loaded:
            book.rows.setdefault(row.reference, []).append(row)
        return book

    def holds(self, reference: str) -> bool:
        return bool(self.rows.get(reference))

    def latest_revision(self, reference: str) -> int | None:
        """The highest revision ``reference`` holds rows of, whatever their status; None when it holds none."""
        return max((r.revision for r in self.rows.get(reference, ())), default=None)

    def reserve(self, reference: str, warehouse: str, lines: Sequence[ReservationLine]) -> list[ShortLine]:
        """The API's reservation, revision 1: every line or none; returns the short lines (empty when all were
        reserved). A reference that holds any rows is :class:`AlreadyReserved`."""
        if self.holds(reference):
            raise AlreadyReserved(reference)
        return self._reserve(reference, FIRST_REVISION, warehouse, lines)

    def confirm(self, reference: str, revision: int, warehouse: str, lines: Sequence[ReservationLine]) -> Answer | None:
        """A sales order confirmed at ``revision``: replace an older revision's reservation, answer a repeat
        again, ignore a stale one (the rules in the module's docstring). None: nothing to answer."""
        latest = self.latest_revision(reference)
        if latest is not None and latest > revision:
            return None
        if latest == revision:
            return self._repeat(reference, revision)
        self.release(reference)
        short = self._reserve(reference, revision, warehouse, lines)
        if short:
            return Answer(revision, short=tuple(short))
        return Answer(revision, reserved=tuple(sorted(lines, key=lambda ln: ln.line_no)))

    def _repeat(self, reference: str, revision: int) -> Answer | None:
        """The revision already held, confirmed again: its lines as reserved, or None once released."""
        rows = sorted((r for r in self.rows[reference] if r.revision == revision), key=lambda r: r.line_no)
        if any(r.status == RELEASED for r in rows):
            return None
        return Answer(revision, reserved=tuple(ReservationLine(r.line_no, r.sku, r.quantity) for r in rows))

    def _reserve(
        self, reference: str, revision: int, warehouse: str, lines: Sequence[ReservationLine]
    ) -> list[ShortLine]:
        ordered = sorted(lines, key=lambda ln: (ln.sku, ln.line_no))
        taken: dict[str, Decimal] = {}
        short: list[ShortLine] = []
        for line in ordered:
            available = self._available(line.sku, warehouse) - taken.get(line.sku, ZERO)
            if line.quantity > available:
                short.append(ShortLine(line.line_no, line.sku, line.quantity, available))
            else:
                taken[line.sku] = taken.get(line.sku, ZERO) + line.quantity
        if short:
            return short
        for line in ordered:
            self.stock.change_reserved(line.sku, warehouse, line.quantity)
        created = [
            ReservationRow(None, reference, ln.line_no, ln.sku, warehouse, ln.quantity, ZERO, ACTIVE, revision)
            for ln in lines
        ]
        self.rows.setdefault(reference, []).extend(created)
        self.new_rows.extend(created)
        return []

    def _available(self, sku: str, warehouse: str) -> Decimal:
        """What the SKU has free in the warehouse; one that has no balance row (never received) has nothing, so
        a caller that only reserves need not create balance rows to be refused."""
        position = self.stock.positions.get((sku, warehouse))
        return position.available if position is not None else ZERO

    def release(self, reference: str) -> int:
        """Give back what ``reference`` still holds; returns how many lines were released."""
        active = sorted(
            (r for r in self.rows.get(reference, ()) if r.status == ACTIVE), key=lambda r: (r.sku, r.line_no)
        )
        for row in active:
            if row.left > ZERO:
                self.stock.change_reserved(row.sku, row.warehouse, -row.left)
            row.status = RELEASED
            row.changed = True
        return len(active)

    def held_for(self, reference: str, warehouse: str) -> dict[str, Decimal]:
        """What ``reference`` still holds reserved per SKU in ``warehouse``."""
        held: dict[str, Decimal] = {}
        for row in self.rows.get(reference, ()):
            if row.status == ACTIVE and row.warehouse == warehouse:
                held[row.sku] = held.get(row.sku, ZERO) + row.left
        return held

    def take_for_shipment(self, reference: str, sku: str, warehouse: str, quantity: Decimal) -> Decimal:
        """Mark up to ``quantity`` of the order's reservation of ``sku`` as consumed; returns how much it covered.

        The balance row's ``reserved`` is lowered by the issue itself (``from_reserved``), not here.
        """
        rows = sorted(
            (
                r
                for r in self.rows.get(reference, ())
                if r.status == ACTIVE and r.sku == sku and r.warehouse == warehouse
            ),
            key=lambda r: r.line_no,
        )
        covered = ZERO
        for row in rows:
            if covered >= quantity:
                break
            take = min(row.left, quantity - covered)
            row.consumed += take
            row.status = CONSUMED if row.consumed == row.quantity else ACTIVE
            row.changed = True
            covered += take
        return covered
