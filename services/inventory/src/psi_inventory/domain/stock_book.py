"""The stock book: the positions one transaction works on, and every change it makes to them. Pure.

Posting used to read and write the database once per move. The book instead holds, for a whole batch of events
(or one document), every balance row it touches (locked and loaded by the adapter in one statement), their open
FIFO layers, and the reservations of the orders involved; each posting changes them in memory, in order, exactly
as the one-at-a-time code did; at the end the adapter writes the moves, layers, balances and reservations with a
constant number of statements, whatever the batch size.

The rules are the same as ever (``valuation.py``, ``supplier_returns.py``, ``model.py``, ``low_stock.py``):
moving average and FIFO side by side, unreserved stock only (a shipment takes its own reservation too), the
low-stock announcement once per crossing. Two postings of one SKU in one batch see each other's effect,
because they share the position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import islice

from psi_chassis.decimals import ZERO, q6
from psi_inventory.domain.errors import StockRuleViolation
from psi_inventory.domain.low_stock import LowStock, ReorderRule, crossed_below, low_stock_alert
from psi_inventory.domain.model import Balance, takeable
from psi_inventory.domain.supplier_returns import from_own_layers, supplier_return_cost
from psi_inventory.domain.valuation import (
    MOVING_AVERAGE,
    IssueCost,
    books_value,
    fifo_issue,
    layers_value,
    moving_average_issue,
)

Key = tuple[str, str]
"""(sku, warehouse code)."""


@dataclass
class OpenLayer:
    """A FIFO layer with stock left: loaded (its database ``id``) or created in this book (a negative ``id`` of
    the book's own, and ``move_index`` set)."""

    id: int
    remaining: Decimal
    unit_cost: Decimal
    original_quantity: Decimal
    occurred_at: datetime | None = None
    po_number: str | None = None
    po_line: int | None = None
    move_index: int | None = None
    changed: bool = False

    @property
    def is_new(self) -> bool:
        return self.move_index is not None


@dataclass
class Position:
    """One balance row as the book holds it."""

    sku: str
    warehouse: str
    on_hand: Decimal
    reserved: Decimal
    value: Decimal
    value_fifo: Decimal
    below_reorder: bool
    reorder: ReorderRule | None
    layers: list[OpenLayer] | None = None
    """Open layers oldest first; None when they were not loaded (a book that only reserves)."""
    emptied: int = 0
    """How many layers at the front of ``layers`` are used up (an issue starts after them)."""
    last_unit_cost: Decimal | None = None
    changed: bool = False
    existed: bool = True
    """The row was there before this book (or a posting of it made it real); False for one just created."""

    @property
    def known(self) -> bool:
        """The SKU has ever been stocked in this warehouse, as far as the postings so far tell."""
        return self.existed or self.changed

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def balance(self) -> Balance:
        return Balance(self.on_hand, self.reserved, self.value, self.value_fifo)


@dataclass(frozen=True)
class Source:
    """Where a move comes from: the event (exactly-once guard) or document, and the business time."""

    occurred_at: datetime
    document_ref: str | None = None
    event_id: str | None = None
    line: int | None = None
    reason_code: str | None = None


@dataclass(frozen=True)
class NewMove:
    sku: str
    warehouse: str
    kind: str
    quantity: Decimal
    unit_cost: Decimal
    value: Decimal
    value_fifo: Decimal
    source: Source


@dataclass(frozen=True)
class Posted:
    """One move the book appended: its index in ``StockBook.moves`` and its values (signed like the quantity)."""

    index: int
    quantity: Decimal
    value: Decimal
    value_fifo: Decimal
    unit_cost: Decimal
    """Per unit, under the warehouse's method for the books."""
    layers: tuple[tuple[Decimal, Decimal], ...] = ()
    """FIFO layers an issue took: (quantity, unit cost)."""


@dataclass
class StockBook:
    """The working set of one transaction. The adapter loads it and writes back what ``changed``."""

    positions: dict[Key, Position]
    methods: dict[str, str]
    """Each warehouse's valuation method for the books (moving average when the warehouse is not listed)."""
    recorded_at: datetime
    moves: list[NewMove] = field(default_factory=list)
    new_layers: list[OpenLayer] = field(default_factory=list)
    on_low_stock: Callable[[LowStock], None] = field(default=lambda _alert: None)
    """Called at each crossing below a reorder point, in posting order (the caller records the event)."""

    # -- looking up ------------------------------------------------------------------------------------------------
    def position(self, sku: str, warehouse: str) -> Position:
        try:
            return self.positions[(sku, warehouse)]
        except KeyError:
            raise KeyError(f"{sku} in {warehouse} was not loaded into this stock book") from None

    def method_of(self, warehouse: str) -> str:
        return self.methods.get(warehouse, MOVING_AVERAGE)

    def books_value(self, warehouse: str, posted: Posted) -> Decimal:
        """The value of a move in the books: moving average or FIFO, as the warehouse is configured."""
        return books_value(self.method_of(warehouse), posted.value, posted.value_fifo)

    def current_unit_cost(self, sku: str, warehouse: str) -> Decimal:
        """The cost a found unit is valued at: the moving average, else the last known cost, else zero."""
        pos = self.position(sku, warehouse)
        if pos.on_hand > ZERO:
            return q6(pos.value / pos.on_hand)
        return pos.last_unit_cost if pos.last_unit_cost is not None else ZERO

    # -- postings ----------------------------------------------------------------------------------------------------
    def receive(
        self,
        sku: str,
        warehouse: str,
        kind: str,
        quantity: Decimal,
        unit_cost: Decimal,
        source: Source,
        fifo_layers: Iterable[tuple[Decimal, Decimal]] | None = None,
        value: Decimal | None = None,
        origin: tuple[str, int] | None = None,
    ) -> Posted:
        """Stock in at ``unit_cost``. A transfer-in passes the value and the FIFO layers it carries instead (a
        customer return its moving-average value and its FIFO layer). ``origin`` is the purchase order number
        and line a receipt came from, remembered on its FIFO layer for a later supplier return."""
        pos = self.position(sku, warehouse)
        posted, _ = self._receipt(pos, kind, quantity, unit_cost, source, fifo_layers, value, origin)
        self._change(pos, quantity, ZERO, posted.value, posted.value_fifo)
        return posted

    def receive_written_off(
        self,
        sku: str,
        warehouse: str,
        kind: str,
        quantity: Decimal,
        unit_cost: Decimal,
        source: Source,
        *,
        fifo_layers: Iterable[tuple[Decimal, Decimal]],
        value: Decimal,
        write_off_kind: str,
        write_off: Source,
    ) -> tuple[Posted, Posted]:
        """Goods received and written off at once (damaged goods a customer sent back): the receipt is booked
        as :meth:`receive` books it, then a ``write_off_kind`` move takes out exactly what it brought in, under
        both methods, from the FIFO layers it made. Returns both postings.

        On hand, reserved, the values and the low-stock flag end where they were; nothing else is touched (no
        older layer, no reserved stock), and no crossing is announced (a receipt then an ordinary issue could
        rise above the reorder point and fall back below it, announcing a shortage that did not change).
        """
        pos = self.position(sku, warehouse)
        received, layers = self._receipt(pos, kind, quantity, unit_cost, source, fifo_layers, value, None)
        for layer in layers:
            layer.remaining = ZERO
        books = self.books_value(warehouse, received)
        out_cost = q6(books / quantity)
        index = self._append(
            sku, warehouse, write_off_kind, -quantity, out_cost, -received.value, -received.value_fifo, write_off
        )
        pos.changed = True
        taken = tuple((ly.original_quantity, ly.unit_cost) for ly in layers)
        return received, Posted(index, -quantity, -received.value, -received.value_fifo, out_cost, taken)

    def issue(
        self,
        sku: str,
        warehouse: str,
        kind: str,
        quantity: Decimal,
        source: Source,
        from_reserved: Decimal = ZERO,
        may_take_reserved: bool = False,
    ) -> Posted:
        """Stock out, valued both ways. ``from_reserved`` of it was reserved for this very issue (a shipment).

        Unreserved stock is all an issue may take beyond its own reservation: another order's reservation is
        never eaten by an adjustment or a transfer. A stocktake loss (``may_take_reserved``) is the exception:
        the goods are gone, reserved or not (see :func:`psi_inventory.domain.model.takeable`).
        """
        pos = self._checked_for_issue(sku, warehouse, quantity, from_reserved, may_take_reserved)
        ma = moving_average_issue(pos.on_hand, pos.value, quantity)
        fifo, consumed = fifo_issue(self._oldest_first(pos), quantity)
        return self._book_issue(pos, kind, quantity, IssueCost(ma, fifo, consumed), source, from_reserved)

    def issue_supplier_return(
        self,
        sku: str,
        warehouse: str,
        kind: str,
        quantity: Decimal,
        source: Source,
        receipt_cost: Decimal,
        po_number: str,
        po_line: int,
    ) -> tuple[Posted, Decimal]:
        """Goods back to the supplier at the cost they came in at (``domain/supplier_returns.py``); unreserved
        stock only. Also returns how much of the quantity the PO line's own layers held (the rest is the
        shortfall, taken from older layers at their own cost)."""
        pos = self._checked_for_issue(sku, warehouse, quantity, ZERO, False)
        open_layers = [ly for ly in self._oldest_first(pos) if ly.remaining > ZERO]
        cost = supplier_return_cost(pos.on_hand, pos.value, open_layers, quantity, receipt_cost, po_number, po_line)
        own = from_own_layers(open_layers, quantity, po_number, po_line)
        return self._book_issue(pos, kind, quantity, cost, source, ZERO), own

    def change_reserved(self, sku: str, warehouse: str, delta: Decimal) -> Decimal:
        """Reserve (``delta`` > 0) or give back (< 0); returns the available stock after it."""
        pos = self.position(sku, warehouse)
        self._change(pos, ZERO, delta, ZERO, ZERO)
        return pos.available

    # -- inside ------------------------------------------------------------------------------------------------------
    def _receipt(
        self,
        pos: Position,
        kind: str,
        quantity: Decimal,
        unit_cost: Decimal,
        source: Source,
        fifo_layers: Iterable[tuple[Decimal, Decimal]] | None,
        value: Decimal | None,
        origin: tuple[str, int] | None,
    ) -> tuple[Posted, list[OpenLayer]]:
        """Append a stock-in move and its FIFO layers (the position's figures are the caller's to change)."""
        if quantity <= ZERO:
            raise StockRuleViolation(f"quantity must be positive, got {quantity}")
        if unit_cost < ZERO:
            raise StockRuleViolation(f"unit cost cannot be negative, got {unit_cost}")
        layers = list(fifo_layers) if fifo_layers else [(quantity, unit_cost)]
        ma_value = q6(quantity * unit_cost) if value is None else value
        fifo_value = layers_value(layers)
        index = self._append(pos.sku, pos.warehouse, kind, quantity, unit_cost, ma_value, fifo_value, source)
        po_number, po_line = origin if origin is not None else (None, None)
        made = []
        for layer_quantity, layer_cost in layers:
            layer = OpenLayer(
                -1 - len(self.new_layers),
                layer_quantity,
                layer_cost,
                layer_quantity,
                source.occurred_at,
                po_number,
                po_line,
                move_index=index,
            )
            self.new_layers.append(layer)
            made.append(layer)
            if pos.layers is not None:
                pos.layers.append(layer)
        return Posted(index, quantity, ma_value, fifo_value, unit_cost), made

    def _append(
        self,
        sku: str,
        warehouse: str,
        kind: str,
        quantity: Decimal,
        unit_cost: Decimal,
        value: Decimal,
        value_fifo: Decimal,
        source: Source,
    ) -> int:
        self.moves.append(NewMove(sku, warehouse, kind, quantity, unit_cost, value, value_fifo, source))
        return len(self.moves) - 1

    def _checked_for_issue(
        self, sku: str, warehouse: str, quantity: Decimal, from_reserved: Decimal, may_take_reserved: bool
    ) -> Position:
        if quantity <= ZERO:
            raise StockRuleViolation(f"quantity must be positive, got {quantity}")
        pos = self.position(sku, warehouse)
        free = takeable(pos.balance, from_reserved, may_take_reserved)
        if quantity > free:
            raise StockRuleViolation(
                f"{sku} in {warehouse}: cannot take {quantity}, only {free} available (on hand {pos.on_hand},"
                f" reserved {pos.reserved})"
            )
        return pos

    @staticmethod
    def _oldest_first(pos: Position) -> Iterator[OpenLayer]:
        """The position's layers from the first one not used up, oldest first."""
        if pos.layers is None:
            raise KeyError(f"the FIFO layers of {pos.sku} in {pos.warehouse} were not loaded into this stock book")
        while pos.emptied < len(pos.layers) and pos.layers[pos.emptied].remaining <= ZERO:
            pos.emptied += 1
        return islice(pos.layers, pos.emptied, None)

    def _book_issue(
        self, pos: Position, kind: str, quantity: Decimal, cost: IssueCost, source: Source, from_reserved: Decimal
    ) -> Posted:
        """Append an outgoing move valued ``cost``, lower the layers it consumed, change the position."""
        books = cost.for_method(self.method_of(pos.warehouse))
        unit_cost = q6(books / quantity)
        index = self._append(
            pos.sku, pos.warehouse, kind, -quantity, unit_cost, -cost.moving_average, -cost.fifo, source
        )
        for taken in cost.consumed:
            layer: OpenLayer = taken.layer
            layer.remaining -= taken.quantity
            layer.changed = True
        self._change(pos, -quantity, -from_reserved, -cost.moving_average, -cost.fifo)
        return Posted(
            index,
            -quantity,
            -cost.moving_average,
            -cost.fifo,
            unit_cost,
            tuple((c.quantity, c.unit_cost) for c in cost.consumed),
        )

    def _change(self, pos: Position, on_hand: Decimal, reserved: Decimal, value: Decimal, value_fifo: Decimal) -> None:
        pos.on_hand += on_hand
        pos.reserved += reserved
        pos.value += value
        pos.value_fifo += value_fifo
        pos.changed = True
        rule = pos.reorder
        below, announce = crossed_below(rule.reorder_point if rule else None, pos.below_reorder, pos.available)
        pos.below_reorder = below
        if announce and rule is not None:
            self.on_low_stock(low_stock_alert(pos.sku, pos.warehouse, pos.available, rule, self.recorded_at))
