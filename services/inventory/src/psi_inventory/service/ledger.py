"""Posting moves: the one place where the ledger, the balances and the FIFO layers change together.

Every stock change in the service (receipts, issues, transfers, adjustments, returns) goes through
:class:`Ledger` inside the caller's unit of work. The move is appended to ``stock_moves`` (never updated), the
balance row and the cost layers are updated to match, and the low-stock rule is applied, all in one
transaction. Callers touch several balance rows in (sku, warehouse) order, so concurrent postings wait for
each other instead of deadlocking.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from psi_chassis.db import is_sqlite
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import cost_layers, items, stock_balances, stock_moves, warehouses
from psi_inventory.config import SERVICE_NAME
from psi_inventory.domain import events
from psi_inventory.domain.model import ZERO, Balance, StockRuleViolation, crossed_below, q6, takeable
from psi_inventory.domain.supplier_returns import from_own_layers, supplier_return_cost
from psi_inventory.domain.valuation import FIFO, MOVING_AVERAGE, IssueCost, Layer, books_value, issue_cost

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Posted:
    """One appended move: its id and its value under each method (signed like the quantity)."""

    move_id: int
    quantity: Decimal
    value: Decimal
    value_fifo: Decimal
    unit_cost: Decimal  # per unit, under the warehouse's method for the books
    layers: tuple[tuple[Decimal, Decimal], ...] = ()  # FIFO layers taken by an issue: (quantity, unit cost)


@dataclass(frozen=True)
class _ReorderRule:
    """An item's reorder settings and its balance row's below-reorder flag."""

    has_item: bool
    reorder_point: Decimal | None
    reorder_quantity: Decimal | None
    safety_stock: Decimal
    below: bool


@dataclass(frozen=True)
class Source:
    """Where a move comes from: the event (exactly-once guard) or document, and the business time."""

    occurred_at: datetime
    document_ref: str | None = None
    event_id: str | None = None
    line: int | None = None
    reason_code: str | None = None


class Ledger:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.recorded_at = utcnow()
        self._sqlite = is_sqlite(session.get_bind())
        # What lock() read about each row's low-stock rule, so posting needs no second look (one round trip
        # less per move on the consumer's hot path). Valid for this transaction: the row is locked.
        self._reorder: dict[tuple[str, str], _ReorderRule] = {}

    # -- balance rows ---------------------------------------------------------------------------------------------
    def lock(self, sku: str, warehouse: str) -> Balance:
        """Make sure the balance row exists, lock it, and return it."""
        module = sqlite if self._sqlite else postgresql
        self.session.execute(
            module.insert(stock_balances)
            .values(sku=sku, warehouse_code=warehouse, on_hand=ZERO, reserved=ZERO, value=ZERO, value_fifo=ZERO,
                    below_reorder=False, updated_at=self.recorded_at)
            .on_conflict_do_nothing(index_elements=["sku", "warehouse_code"])
        )
        row = self.session.execute(
            select(stock_balances.c.on_hand, stock_balances.c.reserved, stock_balances.c.value,
                   stock_balances.c.value_fifo, stock_balances.c.below_reorder, items.c.sku.label("item_sku"),
                   items.c.reorder_point, items.c.reorder_quantity, items.c.safety_stock)
            .select_from(stock_balances.outerjoin(
                items, (items.c.sku == stock_balances.c.sku) & items.c.active.is_(True)))
            .where(stock_balances.c.sku == sku, stock_balances.c.warehouse_code == warehouse)
            .with_for_update(of=stock_balances)
        ).one()
        self._reorder[(sku, warehouse)] = _ReorderRule(
            has_item=row.item_sku is not None, reorder_point=row.reorder_point,
            reorder_quantity=row.reorder_quantity, safety_stock=row.safety_stock, below=bool(row.below_reorder))
        return Balance(row.on_hand, row.reserved, row.value, row.value_fifo)

    def _save(self, sku: str, warehouse: str, balance: Balance) -> None:
        self.session.execute(
            update(stock_balances)
            .where(stock_balances.c.sku == sku, stock_balances.c.warehouse_code == warehouse)
            .values(on_hand=balance.on_hand, reserved=balance.reserved, value=balance.value,
                    value_fifo=balance.value_fifo, updated_at=self.recorded_at)
        )
        self.check_reorder_point(sku, warehouse, balance.available)

    def method_of(self, warehouse: str) -> str:
        method = self.session.execute(
            select(warehouses.c.valuation_method).where(warehouses.c.code == warehouse)
        ).scalar()
        return method or MOVING_AVERAGE

    def _layers(self, sku: str, warehouse: str) -> list[Layer]:
        rows = self.session.execute(
            select(cost_layers.c.id, cost_layers.c.remaining, cost_layers.c.unit_cost, cost_layers.c.po_number,
                   cost_layers.c.po_line)
            .where(cost_layers.c.sku == sku, cost_layers.c.warehouse_code == warehouse,
                   cost_layers.c.remaining > ZERO)
            .order_by(cost_layers.c.id)
            .with_for_update()
        ).all()
        return [Layer(r.id, r.remaining, r.unit_cost, r.po_number, r.po_line) for r in rows]

    def _append(self, sku: str, warehouse: str, kind: str, quantity: Decimal, unit_cost: Decimal,
                value: Decimal, value_fifo: Decimal, source: Source) -> int:
        return int(self.session.execute(
            insert(stock_moves).values(
                sku=sku, warehouse_code=warehouse, kind=kind, quantity=quantity, unit_cost=unit_cost, value=value,
                value_fifo=value_fifo, source_event_id=source.event_id, source_line=source.line,
                document_ref=source.document_ref, reason_code=source.reason_code, occurred_at=source.occurred_at,
                recorded_at=self.recorded_at,
            ).returning(stock_moves.c.id)
        ).scalar_one())

    # -- postings ---------------------------------------------------------------------------------------------------
    def receive(self, sku: str, warehouse: str, kind: str, quantity: Decimal, unit_cost: Decimal,
                source: Source, fifo_layers: list[tuple[Decimal, Decimal]] | None = None,
                value: Decimal | None = None, origin: tuple[str, int] | None = None) -> Posted:
        """Stock in at ``unit_cost``. A transfer-in passes the value and the FIFO layers it carries instead (a
        customer return its moving-average value and its FIFO layer). ``origin`` is the purchase order number
        and line a receipt came from, remembered on its FIFO layer for a later supplier return."""
        if quantity <= ZERO:
            raise StockRuleViolation(f"quantity must be positive, got {quantity}")
        if unit_cost < ZERO:
            raise StockRuleViolation(f"unit cost cannot be negative, got {unit_cost}")
        balance = self.lock(sku, warehouse)
        layers = fifo_layers or [(quantity, unit_cost)]
        ma_value = q6(quantity * unit_cost) if value is None else value
        fifo_value = sum((q6(q * c) for q, c in layers), ZERO)
        move_id = self._append(sku, warehouse, kind, quantity, unit_cost, ma_value, fifo_value, source)
        po_number, po_line = origin if origin is not None else (None, None)
        for layer_quantity, layer_cost in layers:
            self.session.execute(insert(cost_layers).values(
                sku=sku, warehouse_code=warehouse, move_id=move_id, original_quantity=layer_quantity,
                remaining=layer_quantity, unit_cost=layer_cost, occurred_at=source.occurred_at,
                po_number=po_number, po_line=po_line))
        self._save(sku, warehouse, Balance(balance.on_hand + quantity, balance.reserved,
                                           balance.value + ma_value, balance.value_fifo + fifo_value))
        return Posted(move_id, quantity, ma_value, fifo_value, unit_cost)

    def issue(self, sku: str, warehouse: str, kind: str, quantity: Decimal, source: Source,
              from_reserved: Decimal = ZERO, may_take_reserved: bool = False) -> Posted:
        """Stock out, valued both ways. ``from_reserved`` of it was reserved for this very issue (a shipment).

        Unreserved stock is all an issue may take beyond its own reservation: another order's reservation is
        never eaten by an adjustment or a transfer. A stocktake loss (``may_take_reserved``) is the exception:
        the goods are gone, reserved or not (see :func:`psi_inventory.domain.model.takeable`).
        """
        balance = self._lock_for_issue(sku, warehouse, quantity, from_reserved, may_take_reserved)
        cost = issue_cost(balance.on_hand, balance.value, self._layers(sku, warehouse), quantity)
        return self._book_issue(sku, warehouse, kind, quantity, cost, source, balance, from_reserved)

    def issue_supplier_return(self, sku: str, warehouse: str, kind: str, quantity: Decimal, source: Source,
                              receipt_cost: Decimal, po_number: str, po_line: int) -> Posted:
        """Goods back to the supplier at the cost they came in at: the PO line's FIFO layers first, and
        ``quantity × receipt_cost`` off the moving average (``domain/supplier_returns.py``). Unreserved stock only."""
        balance = self._lock_for_issue(sku, warehouse, quantity, ZERO, False)
        layers = self._layers(sku, warehouse)
        cost = supplier_return_cost(balance.on_hand, balance.value, layers, quantity, receipt_cost, po_number,
                                    po_line)
        own = from_own_layers(layers, quantity, po_number, po_line)
        if own < quantity:  # the shortfall rule: finance sees why FIFO differs from the debit note
            _log.info("return %s of %s %s in %s: %s from %s line %s's receipt layers, %s from older layers at their"
                      " own cost (FIFO %s, receipt cost %s)", source.document_ref, quantity, sku, warehouse, own,
                      po_number, po_line, quantity - own, cost.fifo, q6(quantity * receipt_cost))
        return self._book_issue(sku, warehouse, kind, quantity, cost, source, balance, ZERO)

    def _lock_for_issue(self, sku: str, warehouse: str, quantity: Decimal, from_reserved: Decimal,
                        may_take_reserved: bool) -> Balance:
        if quantity <= ZERO:
            raise StockRuleViolation(f"quantity must be positive, got {quantity}")
        balance = self.lock(sku, warehouse)
        free = takeable(balance, from_reserved, may_take_reserved)
        if quantity > free:
            raise StockRuleViolation(
                f"{sku} in {warehouse}: cannot take {quantity}, only {free} available (on hand {balance.on_hand},"
                f" reserved {balance.reserved})"
            )
        return balance

    def _book_issue(self, sku: str, warehouse: str, kind: str, quantity: Decimal, cost: IssueCost, source: Source,
                    balance: Balance, from_reserved: Decimal) -> Posted:
        """Append an outgoing move valued ``cost``, lower the FIFO layers it consumed and save the balance row."""
        books = cost.for_method(self.method_of(warehouse))
        unit_cost = q6(books / quantity)
        move_id = self._append(sku, warehouse, kind, -quantity, unit_cost, -cost.moving_average, -cost.fifo, source)
        for taken in cost.consumed:
            self.session.execute(update(cost_layers).where(cost_layers.c.id == taken.layer_id)
                                 .values(remaining=cost_layers.c.remaining - taken.quantity))
        self._save(sku, warehouse, Balance(balance.on_hand - quantity, balance.reserved - from_reserved,
                                           balance.value - cost.moving_average, balance.value_fifo - cost.fifo))
        return Posted(move_id, -quantity, -cost.moving_average, -cost.fifo, unit_cost,
                      tuple((c.quantity, c.unit_cost) for c in cost.consumed))

    def books_value(self, warehouse: str, posted: Posted) -> Decimal:
        """The value of a move in the books: moving average or FIFO, as the warehouse is configured."""
        return books_value(self.method_of(warehouse), posted.value, posted.value_fifo)

    def current_unit_cost(self, sku: str, warehouse: str) -> Decimal:
        """The cost a found unit is valued at: the moving average, else the last known cost, else zero."""
        balance = self.lock(sku, warehouse)
        if balance.on_hand > ZERO:
            return q6(balance.value / balance.on_hand)
        last = self.session.execute(
            select(stock_moves.c.unit_cost).where(stock_moves.c.sku == sku, stock_moves.c.warehouse_code == warehouse)
            .order_by(stock_moves.c.id.desc()).limit(1)
        ).scalar()
        return last if last is not None else ZERO

    # -- low stock --------------------------------------------------------------------------------------------------
    def _reorder_rule(self, sku: str, warehouse: str) -> _ReorderRule:
        known = self._reorder.get((sku, warehouse))
        if known is not None:
            return known
        item = self.session.execute(
            select(items.c.reorder_point, items.c.reorder_quantity, items.c.safety_stock)
            .where(items.c.sku == sku, items.c.active.is_(True))  # a retired item needs no reordering
        ).first()
        was_below = bool(self.session.execute(
            select(stock_balances.c.below_reorder)
            .where(stock_balances.c.sku == sku, stock_balances.c.warehouse_code == warehouse)
        ).scalar())
        if item is None:
            return _ReorderRule(False, None, None, ZERO, was_below)
        return _ReorderRule(True, item.reorder_point, item.reorder_quantity, item.safety_stock, was_below)

    def check_reorder_point(self, sku: str, warehouse: str, available: Decimal) -> None:
        """Publish StockBelowReorderPoint once per crossing (again only after available recovered)."""
        rule = self._reorder_rule(sku, warehouse)
        below, announce = crossed_below(rule.reorder_point if rule.has_item else None, rule.below, available)
        if below != rule.below:
            self.session.execute(update(stock_balances)
                                 .where(stock_balances.c.sku == sku, stock_balances.c.warehouse_code == warehouse)
                                 .values(below_reorder=below))
        if (sku, warehouse) in self._reorder:
            self._reorder[(sku, warehouse)] = dataclasses.replace(rule, below=below)
        if announce and rule.has_item:
            record_event(self.session, events.STOCK_BELOW_REORDER_POINT, {
                "sku": sku, "warehouse_code": warehouse, "available": available,
                "reorder_point": rule.reorder_point, "reorder_quantity": rule.reorder_quantity or ZERO,
                "safety_stock": rule.safety_stock, "occurred_at": self.recorded_at,
            }, source=SERVICE_NAME, subject=sku)


__all__ = ["FIFO", "MOVING_AVERAGE", "Ledger", "Posted", "Source"]
