"""One batch of consumed events, posted through one stock book: the consumer's unit of work for inventory.

The consumer hands a queue's batch (receipts and return requests, or an order's confirmations, cancellations,
shipments and returns, interleaved as they were published) to the queue's handlers inside one transaction.
:func:`posting_batch` opens it: it locks and loads, with a fixed number of statements, everything the batch
touches (the reservation rows of its orders, then every balance row in (sku, warehouse) order, their open FIFO
layers, the warehouses, what shipped goods cost for the returns), lets the handlers post event after event in
memory, and writes it all back at the end (moves, layers, balances, reservations, source documents, outgoing
events): the statement count does not grow with the batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.outbox import Outgoing, record_events
from psi_chassis.service import Event, caused_by
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import STOCK_BELOW_REORDER_POINT_V1
from psi_inventory.adapters.batch_reads import known_skus, listed_warehouses, shipped_costs
from psi_inventory.adapters.reservation_store import load_reservations, save_reservations
from psi_inventory.adapters.source_documents import document_row, insert_documents
from psi_inventory.adapters.stock_store import load_book, save_book
from psi_inventory.config import SERVICE_NAME
from psi_inventory.domain.low_stock import LowStock
from psi_inventory.domain.moves import ISSUE
from psi_inventory.domain.reservation_book import ReservationBook
from psi_inventory.domain.source_documents import BOOKED, REJECTED, SourceDocument
from psi_inventory.domain.stock_book import Key, StockBook


@dataclass(frozen=True)
class Needs:
    """What a batch's events need loaded, gathered from every event before anything is locked."""

    keys: frozenset[Key] = frozenset()
    """Balance rows to create when missing (stock may come in)."""
    existing: frozenset[Key] = frozenset()
    """Balance rows to load only when they exist (stock can only go out)."""
    references: frozenset[str] = frozenset()
    warehouses: frozenset[str] = frozenset()
    layers: bool = False
    taken: tuple[tuple[Key, Decimal], ...] = ()
    """What the events may take out of each key (a shipment's quantities): only the oldest layers covering it load.
    A key that needs every open layer (a supplier return looks for its own PO line's) is in ``all_layers``."""
    all_layers: frozenset[Key] = frozenset()
    last_costs: frozenset[Key] = frozenset()
    shipped: frozenset[tuple[str, str]] = frozenset()
    skus_to_know: frozenset[str] = frozenset()


@dataclass
class PostingBatch:
    """The working state of one batch: what handlers read and change, and what :meth:`flush` writes."""

    session: Session
    stock: StockBook
    reservations: ReservationBook
    listed: dict[str, bool]
    """Warehouse code -> active, for the warehouses the batch names that inventory lists."""
    known_skus: set[str]
    shipped: dict[tuple[str, str], tuple[Decimal, Decimal, Decimal]]
    """(order number, sku) -> what the order's shipments of the SKU took out: quantity, value, FIFO value."""
    outgoing: list[Outgoing] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)
    cause: Event | None = None

    def each(self, batch_events: Sequence[Event]) -> Iterator[Event]:
        """The events one by one, each the cause of what is recorded while it is handled."""
        for event in batch_events:
            self.cause = event
            yield event
        self.cause = None

    def record(self, event_type: str, data: Mapping[str, Any], subject: str | None) -> None:
        self.outgoing.append(Outgoing(event_type, data, subject, self.cause))

    def announce_low_stock(self, alert: LowStock) -> None:
        self.record(STOCK_BELOW_REORDER_POINT_V1, alert, alert["sku"])

    def booked(self, doc: SourceDocument) -> None:
        self.documents.append(document_row(doc, BOOKED))

    def rejected(self, doc: SourceDocument, reason_code: str, reason: str, lines: Sequence[dict[str, Any]]) -> None:
        self.documents.append(document_row(doc, REJECTED, reason_code, reason, lines))

    def shipped_cost(self, order_number: str, sku: str) -> tuple[Decimal, Decimal, Decimal] | None:
        """What the order's shipments of ``sku`` took out, this batch's included."""
        quantity, value, value_fifo = self.shipped.get((order_number, sku), (Decimal(0), Decimal(0), Decimal(0)))
        for move in self.stock.moves:
            if move.kind == ISSUE and move.source.document_ref == order_number and move.sku == sku:
                quantity, value, value_fifo = quantity + move.quantity, value + move.value, value_fifo + move.value_fifo
        return (quantity, value, value_fifo) if quantity else None

    def ensure_listed(self, code: str, document_ref: str) -> None:
        """A fact names a warehouse inventory does not list: create it inactive (``catalog.ensure_warehouse``)."""
        if code in self.listed:
            return
        from psi_inventory.service.catalog import ensure_warehouse

        with caused_by(self.cause) if self.cause is not None else _nothing():
            ensure_warehouse(self.session, code, document_ref)
        self.listed[code] = False

    def flush(self) -> None:
        now = utcnow()
        save_reservations(self.session, self.reservations, now)
        save_book(self.session, self.stock)
        insert_documents(self.session, self.documents, now)
        record_events(self.session, self.outgoing, source=SERVICE_NAME)
        self.documents.clear()
        self.outgoing.clear()


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def open_batch(session: Session, needs: Needs) -> PostingBatch:
    """Lock and load what ``needs`` names: reservation rows first, then balance rows, as every path does."""
    now = utcnow()
    rows = load_reservations(session, needs.references)
    keys = set(needs.keys) | {(r.sku, r.warehouse) for r in rows}
    taken: dict[Key, Decimal] = {}
    for key, quantity in needs.taken:
        taken[key] = taken.get(key, Decimal(0)) + quantity
    bounded = {key: quantity for key, quantity in taken.items() if key not in needs.all_layers}
    stock = load_book(
        session,
        keys,
        now,
        layers=needs.layers,
        last_costs=needs.last_costs,
        existing=needs.existing,
        layers_for=bounded,
    )
    listed = listed_warehouses(session, needs.warehouses | {wh for _, wh in keys | needs.existing})
    known = known_skus(session, needs.skus_to_know)
    shipped = shipped_costs(session, needs.shipped)
    batch = PostingBatch(session, stock, ReservationBook.of(stock, rows, now), listed, known, shipped)
    stock.on_low_stock = batch.announce_low_stock
    return batch


def needs_of(batch_events: Sequence[Event]) -> Needs:
    """The union of what each event needs (``service/on_*`` modules say per event type)."""
    from psi_inventory.service.needs import NEEDS_BY_TYPE

    parts = [NEEDS_BY_TYPE[e.type](e.data) for e in batch_events]
    return Needs(
        keys=frozenset().union(*(p.keys for p in parts)),
        existing=frozenset().union(*(p.existing for p in parts)),
        references=frozenset().union(*(p.references for p in parts)),
        warehouses=frozenset().union(*(p.warehouses for p in parts)),
        layers=any(p.layers for p in parts),
        taken=tuple(item for p in parts for item in p.taken),
        all_layers=frozenset().union(*(p.all_layers for p in parts)),
        last_costs=frozenset().union(*(p.last_costs for p in parts)),
        shipped=frozenset().union(*(p.shipped for p in parts)),
        skus_to_know=frozenset().union(*(p.skus_to_know for p in parts)),
    )


@contextmanager
def posting_batch(session: Session, batch_events: Sequence[Event]) -> Iterator[PostingBatch]:
    """The consumer's per-batch context for inventory's queues (``consumers.py``)."""
    batch = open_batch(session, needs_of(batch_events))
    yield batch
    batch.flush()
