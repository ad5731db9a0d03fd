"""Loading a stock book and writing it back: a constant number of statements, whatever the batch size.

Every statement is built once, with bound parameters (lists through "expanding" parameters), so the hot path
builds no SQL. Writes of many rows are one statement each with one array per column (``psi_chassis.bulk``), so
their text, and the driver's parse of it, is the same whatever the row count.

Locking: the balance rows of a book are locked with one ``SELECT ... FOR UPDATE`` in (sku, warehouse) order, the
order every posting path locks them in, so concurrent postings wait for each other instead of deadlocking. FIFO
layers are not locked themselves: a layer only ever changes under its balance row's lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, bindparam, func, select, text, tuple_
from sqlalchemy.orm import Session

from psi_chassis.bulk import insert_rows, update_rows
from psi_chassis.decimals import ZERO
from psi_inventory.adapters.tables import cost_layers, items, stock_balances, stock_moves, warehouses
from psi_inventory.domain.low_stock import ReorderRule
from psi_inventory.domain.stock_book import Key, OpenLayer, Position, StockBook

_KEYS = bindparam("keys", expanding=True)
_CODES = bindparam("codes", expanding=True)
_BALANCE_KEY = tuple_(stock_balances.c.sku, stock_balances.c.warehouse_code)


_LOCK_BALANCES: Select[Any] = (
    select(
        stock_balances.c.sku,
        stock_balances.c.warehouse_code,
        stock_balances.c.on_hand,
        stock_balances.c.reserved,
        stock_balances.c.value,
        stock_balances.c.value_fifo,
        stock_balances.c.below_reorder,
        items.c.sku.label("item_sku"),
        items.c.reorder_point,
        items.c.reorder_quantity,
        items.c.safety_stock,
    )
    .select_from(stock_balances.outerjoin(items, (items.c.sku == stock_balances.c.sku) & items.c.active.is_(True)))
    .where(_BALANCE_KEY.in_(_KEYS))
    .order_by(stock_balances.c.sku, stock_balances.c.warehouse_code)
    .with_for_update(of=stock_balances)
)

# The oldest open layers of each key until they hold what the batch may take out of it ("needed"): an issue
# takes the oldest first, so no later layer can be needed. Bounded by the batch, not by the layers a SKU has.
_OLDEST_LAYERS_PG = text("""
SELECT id, sku, warehouse_code, remaining, unit_cost, original_quantity, po_number, po_line FROM (
  SELECT c.id, c.sku, c.warehouse_code, c.remaining, c.unit_cost, c.original_quantity, c.po_number, c.po_line,
         n.needed, sum(c.remaining) OVER (PARTITION BY c.sku, c.warehouse_code ORDER BY c.id) - c.remaining AS before
  FROM cost_layers c
  JOIN unnest(CAST(:skus AS VARCHAR(64)[]), CAST(:warehouses AS VARCHAR(32)[]), CAST(:needed AS NUMERIC(24, 6)[]))
       AS n(sku, warehouse_code, needed) ON c.sku = n.sku AND c.warehouse_code = n.warehouse_code
  WHERE c.remaining > 0
) t WHERE t.before < t.needed ORDER BY id
""").columns(
    cost_layers.c.id,
    cost_layers.c.sku,
    cost_layers.c.warehouse_code,
    cost_layers.c.remaining,
    cost_layers.c.unit_cost,
    cost_layers.c.original_quantity,
    cost_layers.c.po_number,
    cost_layers.c.po_line,
)

_METHODS = select(warehouses.c.code, warehouses.c.valuation_method).where(warehouses.c.code.in_(_CODES))
_METHOD_OF = select(warehouses.c.valuation_method).where(warehouses.c.code == bindparam("code"))

_OPEN_LAYERS = (
    select(
        cost_layers.c.id,
        cost_layers.c.sku,
        cost_layers.c.warehouse_code,
        cost_layers.c.remaining,
        cost_layers.c.unit_cost,
        cost_layers.c.original_quantity,
        cost_layers.c.po_number,
        cost_layers.c.po_line,
    )
    .where(tuple_(cost_layers.c.sku, cost_layers.c.warehouse_code).in_(_KEYS), cost_layers.c.remaining > ZERO)
    .order_by(cost_layers.c.id)
)

_LAST_MOVES = (
    select(func.max(stock_moves.c.id))
    .where(tuple_(stock_moves.c.sku, stock_moves.c.warehouse_code).in_(_KEYS))
    .group_by(stock_moves.c.sku, stock_moves.c.warehouse_code)
)
_LAST_COSTS = select(stock_moves.c.sku, stock_moves.c.warehouse_code, stock_moves.c.unit_cost).where(
    stock_moves.c.id.in_(_LAST_MOVES.scalar_subquery())
)


def load_book(
    session: Session,
    keys: Iterable[Key],
    recorded_at: datetime,
    *,
    layers: bool = False,
    last_costs: Iterable[Key] = (),
    existing: Iterable[Key] = (),
    methods: bool = True,
    layers_for: Mapping[Key, Decimal] | None = None,
) -> StockBook:
    """Create the balance rows of ``keys`` that do not exist yet, lock and load them and the rows of ``existing``
    that exist (a posting that only takes stock out creates no row), their warehouses' methods, and (``layers``)
    their open FIFO layers, (``last_costs``) the last move's unit cost of the keys named. ``methods=False`` skips
    the warehouses' valuation methods (a book that only reserves values nothing).

    ``layers_for`` bounds the layers loaded: for a key it names, only the oldest layers that together hold the
    quantity given (an issue takes the oldest first, so that is all a batch taking at most that much can touch);
    a key it does not name gets all its open layers."""
    created_keys = sorted(set(keys))
    wanted = sorted(set(created_keys) | set(existing))
    if not wanted:
        return StockBook(positions={}, methods={}, recorded_at=recorded_at)
    created = _create_missing(session, created_keys, recorded_at)
    positions = {
        (r.sku, r.warehouse_code): _position(r, (r.sku, r.warehouse_code) not in created)
        for r in session.execute(_LOCK_BALANCES, {"keys": wanted})
    }
    valuation: dict[str, str] = {}
    if methods:
        codes = sorted({wh for _, wh in wanted})
        valuation = {r.code: r.valuation_method for r in session.execute(_METHODS, {"codes": codes})}
    if layers:
        _attach_layers(session, positions, wanted, layers_for or {})
    costs_for = sorted(set(last_costs))
    if costs_for:
        for r in session.execute(_LAST_COSTS, {"keys": costs_for}):
            positions[(r.sku, r.warehouse_code)].last_unit_cost = r.unit_cost
    return StockBook(positions=positions, methods=valuation, recorded_at=recorded_at)


def _create_missing(session: Session, keys: list[Key], recorded_at: datetime) -> set[Key]:
    """Insert a zero balance row for each of ``keys`` that has none; the keys it inserted (one statement)."""
    if not keys:
        return set()
    return set(
        insert_rows(
            session,
            stock_balances,
            [
                {
                    "sku": sku,
                    "warehouse_code": wh,
                    "on_hand": ZERO,
                    "reserved": ZERO,
                    "value": ZERO,
                    "value_fifo": ZERO,
                    "below_reorder": False,
                    "updated_at": recorded_at,
                }
                for sku, wh in keys
            ],
            returning=("sku", "warehouse_code"),
            skip_conflicts_on=("sku", "warehouse_code"),
        )
    )


def _attach_layers(
    session: Session, positions: Mapping[Key, Position], keys: list[Key], bounded: Mapping[Key, Decimal]
) -> None:
    """Give every loaded position its open FIFO layers, oldest first (see :func:`_layer_rows`)."""
    for pos in positions.values():
        pos.layers = []
    for r in _layer_rows(session, keys, bounded):
        positions[(r.sku, r.warehouse_code)].layers.append(  # type: ignore[union-attr]
            OpenLayer(r.id, r.remaining, r.unit_cost, r.original_quantity, po_number=r.po_number, po_line=r.po_line)
        )


def valuation_method(session: Session, code: str) -> str | None:
    """The valuation method a warehouse's books use; None when inventory does not list it."""
    return session.execute(_METHOD_OF, {"code": code}).scalar()


def _layer_rows(session: Session, keys: list[Key], bounded: Mapping[Key, Decimal]) -> Iterable[Any]:
    """Open layers oldest first: all of them for the keys ``bounded`` does not name, the oldest that cover the
    quantity for those it does (on PostgreSQL; SQLite, the embedded default, loads them all)."""
    if session.get_bind().dialect.name != "postgresql":
        return session.execute(_OPEN_LAYERS, {"keys": keys}).all()
    limited = sorted(key for key in keys if key in bounded)
    unlimited = [key for key in keys if key not in bounded]
    rows = list(session.execute(_OPEN_LAYERS, {"keys": unlimited})) if unlimited else []
    if limited:
        rows += session.execute(
            _OLDEST_LAYERS_PG,
            {
                "skus": [k[0] for k in limited],
                "warehouses": [k[1] for k in limited],
                "needed": [bounded[k] for k in limited],
            },
        ).all()
    return sorted(rows, key=lambda r: r.id)


def _position(row: Any, existed: bool) -> Position:
    rule = None
    if row.item_sku is not None:
        rule = ReorderRule(row.reorder_point, row.reorder_quantity, row.safety_stock)
    return Position(
        row.sku,
        row.warehouse_code,
        row.on_hand,
        row.reserved,
        row.value,
        row.value_fifo,
        bool(row.below_reorder),
        rule,
        existed=existed,
    )


def save_book(session: Session, book: StockBook) -> list[int]:
    """Write what the book changed: moves (their ids returned in order), new and consumed layers, balances."""
    move_ids = _insert_moves(session, book)
    layer_ids = insert_rows(
        session, cost_layers, [_layer_row(layer, book, move_ids) for layer in book.new_layers], returning="id"
    )
    for layer, layer_id in zip(book.new_layers, layer_ids, strict=True):
        layer.id, layer.move_index, layer.changed = layer_id, None, False  # stored: later changes are updates
    update_rows(
        session,
        cost_layers,
        [
            {"id": ly.id, "remaining": ly.remaining}
            for pos in book.positions.values()
            for ly in (pos.layers or ())
            if ly.changed and not ly.is_new
        ],
        key=("id",),
    )
    changed = [pos for pos in book.positions.values() if pos.changed]
    update_rows(
        session, stock_balances, [_balance_row(pos, book.recorded_at) for pos in changed], key=("sku", "warehouse_code")
    )
    for pos in changed:
        pos.changed = False
    book.moves.clear()
    book.new_layers.clear()
    return move_ids


def _insert_moves(session: Session, book: StockBook) -> list[int]:
    if not book.moves:
        return []
    rows = [
        {
            "sku": m.sku,
            "warehouse_code": m.warehouse,
            "kind": m.kind,
            "quantity": m.quantity,
            "unit_cost": m.unit_cost,
            "value": m.value,
            "value_fifo": m.value_fifo,
            "source_event_id": m.source.event_id,
            "source_line": m.source.line,
            "document_ref": m.source.document_ref,
            "reason_code": m.source.reason_code,
            "occurred_at": m.source.occurred_at,
            "recorded_at": book.recorded_at,
        }
        for m in book.moves
    ]
    return insert_rows(session, stock_moves, rows, returning="id")


def _layer_row(layer: OpenLayer, book: StockBook, move_ids: Sequence[int]) -> dict[str, Any]:
    assert layer.move_index is not None
    move = book.moves[layer.move_index]
    return {
        "sku": move.sku,
        "warehouse_code": move.warehouse,
        "move_id": move_ids[layer.move_index],
        "original_quantity": layer.original_quantity,
        "remaining": layer.remaining,
        "unit_cost": layer.unit_cost,
        "occurred_at": layer.occurred_at,
        "po_number": layer.po_number,
        "po_line": layer.po_line,
    }


def _balance_row(pos: Position, recorded_at: datetime) -> dict[str, Any]:
    return {
        "sku": pos.sku,
        "warehouse_code": pos.warehouse,
        "on_hand": pos.on_hand,
        "reserved": pos.reserved,
        "value": pos.value,
        "value_fifo": pos.value_fifo,
        "below_reorder": pos.below_reorder,
        "updated_at": recorded_at,
    }


__all__ = ["load_book", "save_book", "valuation_method"]
