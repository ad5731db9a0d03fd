"""Reservations held in a stock book: every line or none, and what a shipment or a cancellation does to them.

Pure: the rows of the orders involved are loaded (and locked) by the adapter with the book's balance rows, and
written back with them. The rules are those the conditional UPDATE kept before:

* **All or nothing.** An order's lines are reserved in (sku, line) order against what is available (on hand
  minus reserved), each line seeing what the lines before it took; when any line is short, nothing is reserved
  and the short lines are reported with what was available to them.
* **Once per reference.** A reference that already holds reservation rows (active or not) is not reserved
  again: a redelivered confirmation, or a retried API call, changes nothing.
* A shipment consumes the order's active rows of its SKU in line order; a cancellation releases what is left.
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
    changed: bool = False

    @property
    def left(self) -> Decimal:
        return self.quantity - self.consumed


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

    def reserve(self, reference: str, warehouse: str, lines: Sequence[ReservationLine]) -> list[ShortLine]:
        """Reserve every line or none; returns the short lines (empty when all were reserved)."""
        if self.holds(reference):
            raise AlreadyReserved(reference)
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
            ReservationRow(None, reference, ln.line_no, ln.sku, warehouse, ln.quantity, ZERO, ACTIVE) for ln in lines
        ]
        self.rows[reference] = created
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
