"""Posting one document's moves through the stock book, written back at once (the API's commands).

The consumer posts whole batches of events through one :class:`~psi_inventory.domain.stock_book.StockBook`
(``service/posting_batch.py``). A command of the API (a transfer, an adjustment, a stocktake) posts its lines
through :class:`Ledger`, the same book used one document at a time: the positions are loaded (and locked) when
first touched, or all at once with :meth:`Ledger.preload`, and every posting is written back before the method
returns, so what the command reads next is already in the database. The move, the balance, the layers and the
low-stock rule change together, in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy.orm import Session

from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import STOCK_BELOW_REORDER_POINT_V1
from psi_inventory.adapters.stock_store import load_book, save_book, valuation_method
from psi_inventory.config import SERVICE_NAME
from psi_inventory.domain.low_stock import LowStock
from psi_inventory.domain.model import Balance
from psi_inventory.domain.stock_book import Key, Posted, Source, StockBook
from psi_inventory.domain.valuation import FIFO, MOVING_AVERAGE

__all__ = ["FIFO", "MOVING_AVERAGE", "Ledger", "Posted", "Source"]


class Ledger:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.recorded_at = utcnow()
        self.book = StockBook(positions={}, methods={}, recorded_at=self.recorded_at, on_low_stock=self._announce)
        self._with_layers: set[Key] = set()

    # -- loading ---------------------------------------------------------------------------------------------------
    def preload(self, keys: Iterable[Key], *, layers: bool = True) -> None:
        """Lock and load every position a document will touch with one statement, in key order."""
        wanted = [key for key in keys if key not in self.book.positions or (layers and key not in self._with_layers)]
        if not wanted:
            return
        loaded = load_book(self.session, wanted, self.recorded_at, layers=layers, last_costs=wanted)
        self.book.positions.update(loaded.positions)
        self.book.methods.update(loaded.methods)
        if layers:
            self._with_layers.update(loaded.positions)

    def _ready(self, sku: str, warehouse: str, *, layers: bool) -> None:
        self.preload([(sku, warehouse)], layers=layers)

    def lock(self, sku: str, warehouse: str) -> Balance:
        """Make sure the balance row exists, lock it, and return it."""
        self._ready(sku, warehouse, layers=False)
        return self.book.position(sku, warehouse).balance

    # -- postings ---------------------------------------------------------------------------------------------------
    def receive(
        self,
        sku: str,
        warehouse: str,
        kind: str,
        quantity: Decimal,
        unit_cost: Decimal,
        source: Source,
        fifo_layers: list[tuple[Decimal, Decimal]] | None = None,
        value: Decimal | None = None,
        origin: tuple[str, int] | None = None,
    ) -> Posted:
        self._ready(sku, warehouse, layers=False)
        return self._saved(
            self.book.receive(sku, warehouse, kind, quantity, unit_cost, source, fifo_layers, value, origin)
        )

    def issue(
        self,
        sku: str,
        warehouse: str,
        kind: str,
        quantity: Decimal,
        source: Source,
        from_reserved: Decimal = Decimal(0),
        may_take_reserved: bool = False,
    ) -> Posted:
        self._ready(sku, warehouse, layers=True)
        return self._saved(self.book.issue(sku, warehouse, kind, quantity, source, from_reserved, may_take_reserved))

    def _saved(self, posted: Posted) -> Posted:
        save_book(self.session, self.book)
        return posted

    # -- reading ----------------------------------------------------------------------------------------------------
    def method_of(self, warehouse: str) -> str:
        if warehouse not in self.book.methods:
            self.book.methods[warehouse] = valuation_method(self.session, warehouse) or MOVING_AVERAGE
        return self.book.method_of(warehouse)

    def books_value(self, warehouse: str, posted: Posted) -> Decimal:
        self.method_of(warehouse)
        return self.book.books_value(warehouse, posted)

    def current_unit_cost(self, sku: str, warehouse: str) -> Decimal:
        """The cost a found unit is valued at: the moving average, else the last known cost, else zero."""
        self._ready(sku, warehouse, layers=False)
        return self.book.current_unit_cost(sku, warehouse)

    def recheck_reorder_point(self, sku: str, warehouse: str) -> None:
        """Apply the (changed) reorder rule of an item to its balance row: announce a crossing it now makes."""
        self._ready(sku, warehouse, layers=False)
        self.book.change_reserved(sku, warehouse, Decimal(0))
        save_book(self.session, self.book)

    def _announce(self, alert: LowStock) -> None:
        record_event(self.session, STOCK_BELOW_REORDER_POINT_V1, alert, source=SERVICE_NAME, subject=alert["sku"])
