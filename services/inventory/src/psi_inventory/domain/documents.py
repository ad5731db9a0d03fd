"""Inventory documents: manual adjustments, transfers between warehouses and stocktakes. Pure rules, no I/O.

The documents only decide *what* should move; the ledger (``service/ledger.py``) posts every move. What lives
here: document numbers, the status each action needs, the line checks that do not need the database, how a
stocktake's counts become adjustments, and how a transfer carries its FIFO layers from one warehouse to the
next. The lines the callers send are in ``domain/commands.py``, the errors in ``domain/errors.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from psi_chassis.decimals import MAX_AMOUNT, ZERO, q6
from psi_chassis.errors import InvalidStatus, RuleViolation, add_error
from psi_inventory.domain import moves
from psi_inventory.domain.commands import AdjustmentLine, Count, TransferLine
from psi_inventory.domain.errors import (
    AdjustmentNotFound,
    DocumentNotFound,
    InsufficientStock,
    NothingToCount,
    SameWarehouse,
    StocktakeNotFound,
    TransferNotFound,
)
from psi_inventory.domain.valuation import layers_value

# --- kinds, statuses, reasons -------------------------------------------------------------------------------

ADJUSTMENT = "adjustment"
TRANSFER = "transfer"
STOCKTAKE = "stocktake"

PREFIXES = {ADJUSTMENT: "ADJ", TRANSFER: "TRF", STOCKTAKE: "STK"}

POSTED = "posted"  # adjustment (always), stocktake (after post)
IN_TRANSIT = "in_transit"  # transfer, shipped from the source and not yet received
RECEIVED = "received"  # transfer, received at the destination
OPEN = "open"  # stocktake, counts may be entered
CANCELLED = "cancelled"  # stocktake, abandoned without any move

#: Ledger move kinds the documents post (``domain/moves.py``).
MOVE_ADJUSTMENT = moves.ADJUSTMENT
MOVE_TRANSFER_OUT = moves.TRANSFER_OUT
MOVE_TRANSFER_IN = moves.TRANSFER_IN

#: Why a manual adjustment was made; finance maps each to an account.
ADJUSTMENT_REASONS = ("damage", "found", "write_off", "correction", "expiry", "sample")
#: The reason a stocktake's differences are published with.
STOCKTAKE_REASON = "stocktake"
#: The reason damaged goods a customer sent back are written off with (``sales.ReturnReceived.v1``, condition
#: ``damaged``): received at the cost that left, then removed by an adjustment of their own.
RETURN_DAMAGED_REASON = "return_damaged"
#: Every reason an adjustment document may carry: a clerk's, a stocktake's, a damaged return's write-off.
RECORDED_REASONS = (*ADJUSTMENT_REASONS, STOCKTAKE_REASON, RETURN_DAMAGED_REASON)

#: Which status an action needs, per document kind.
_ALLOWED_FROM: dict[tuple[str, str], tuple[str, ...]] = {
    (TRANSFER, "receive"): (IN_TRANSIT,),
    (STOCKTAKE, "count"): (OPEN,),
    (STOCKTAKE, "post"): (OPEN,),
    (STOCKTAKE, "cancel"): (OPEN,),
}


NOT_FOUND: dict[str, type[DocumentNotFound]] = {
    ADJUSTMENT: AdjustmentNotFound,
    TRANSFER: TransferNotFound,
    STOCKTAKE: StocktakeNotFound,
}
"""The 404 of each document kind."""


# --- numbers and statuses -----------------------------------------------------------------------------------


def document_number(kind: str, document_id: int) -> str:
    """``ADJ-000001``: the prefix of the kind and the document id, at least six digits."""
    return f"{PREFIXES[kind]}-{document_id:06d}"


def require_status(kind: str, action: str, status: str, number: str) -> None:
    """Raise :class:`InvalidStatus` unless a ``kind`` document in ``status`` allows ``action``."""
    allowed = _ALLOWED_FROM[(kind, action)]
    if status not in allowed:
        raise InvalidStatus(
            f"{kind} {number} is {status}; {action} needs status {' or '.join(allowed)}",
            errors={"status": [f"is {status}, must be {' or '.join(allowed)}"]},
        )


# --- field errors -------------------------------------------------------------------------------------------


def duplicate_indexes(keys: Sequence[str]) -> list[int]:
    """Indexes of the entries that repeat an earlier one (the first occurrence is not a duplicate)."""
    seen: set[str] = set()
    repeated = []
    for i, key in enumerate(keys):
        if key in seen:
            repeated.append(i)
        seen.add(key)
    return repeated


def warehouse_errors(active: bool | None, code: str, field: str, errors: dict[str, Any]) -> None:
    """A document names a listed, active warehouse (``active`` None: inventory does not list it)."""
    if active is None:
        add_error(errors, field, f"warehouse {code} does not exist")
    elif not active:
        add_error(errors, field, f"warehouse {code} is inactive")


def sku_errors(skus: list[str], known: set[str], field: str, errors: dict[str, Any], name: str | None) -> None:
    """Every SKU is in the item master (``known``); an unknown one is a field error at its index."""
    for i, sku in enumerate(skus):
        if sku not in known:
            add_error(errors, field, f"SKU {sku} is not in the item master", i, name)


# --- adjustments --------------------------------------------------------------------------------------------


def adjustment_line_errors(lines: Sequence[AdjustmentLine]) -> dict[str, Any]:
    """What is wrong with adjustment lines regardless of the database (empty when nothing is)."""
    errors: dict[str, Any] = {}
    if not lines:
        add_error(errors, "lines", "an adjustment needs at least one line")
    for i in duplicate_indexes([ln.sku for ln in lines]):
        add_error(errors, "lines", "the SKU is already on another line of this adjustment", i, "sku")
    for i, line in enumerate(lines):
        if line.quantity == ZERO:
            add_error(errors, "lines", "must not be zero", i, "quantity")
        elif abs(line.quantity) >= MAX_AMOUNT:
            add_error(errors, "lines", f"must be less than {MAX_AMOUNT} in size", i, "quantity")
        if line.unit_cost is None:
            continue
        if line.unit_cost < ZERO:
            add_error(errors, "lines", "must be greater than or equal to 0", i, "unit_cost")
        elif line.quantity < ZERO:
            add_error(
                errors,
                "lines",
                "only a line that adds stock has a unit cost; a removal is valued at the current cost",
                i,
                "unit_cost",
            )
        elif line.quantity * line.unit_cost >= MAX_AMOUNT:
            add_error(errors, "lines", f"the line value must be less than {MAX_AMOUNT}", i, "unit_cost")
    return errors


def gain_value_problem(quantity: Decimal, unit_cost: Decimal) -> str | None:
    """Why stock found cannot be booked at ``unit_cost`` (its value would not fit the ledger), or None."""
    if quantity * unit_cost >= MAX_AMOUNT:
        return f"at {unit_cost} a unit the value must stay below {MAX_AMOUNT}"
    return None


# --- transfers ----------------------------------------------------------------------------------------------


def transfer_line_errors(lines: Sequence[TransferLine]) -> dict[str, Any]:
    """Line rules of a transfer (a transfer to its own source is :func:`same_warehouse`, with its own code)."""
    errors: dict[str, Any] = {}
    if not lines:
        add_error(errors, "lines", "a transfer needs at least one line")
    for i in duplicate_indexes([ln.sku for ln in lines]):
        add_error(errors, "lines", "the SKU is already on another line of this transfer", i, "sku")
    for i, line in enumerate(lines):
        if line.quantity <= ZERO:
            add_error(errors, "lines", "must be greater than 0", i, "quantity")
        elif line.quantity >= MAX_AMOUNT:
            add_error(errors, "lines", f"must be less than {MAX_AMOUNT}", i, "quantity")
    return errors


def same_warehouse(from_warehouse: str, to_warehouse: str) -> bool:
    return from_warehouse == to_warehouse


def encode_layers(layers: Iterable[tuple[Decimal, Decimal]]) -> str:
    """FIFO layers taken at the source as stored on a transfer line: JSON ``[["qty", "unit_cost"], ...]``."""
    return json.dumps([[str(q), str(c)] for q, c in layers], separators=(",", ":"))


def decode_layers(stored: str | None) -> list[tuple[Decimal, Decimal]]:
    """The layers :func:`encode_layers` stored, oldest first (empty for nothing stored)."""
    if not stored:
        return []
    try:
        return [(Decimal(q), Decimal(c)) for q, c in json.loads(stored)]
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise ValueError(f"not a stored layer list: {stored!r}") from exc


def carried_unit_cost(value: Decimal, quantity: Decimal) -> Decimal:
    """The per-unit cost a transfer-in is booked at: the value carried over the quantity, six decimals."""
    if quantity <= ZERO:
        raise ValueError(f"quantity must be positive, got {quantity}")
    return q6(value / quantity)


def total(values: Iterable[Decimal | None]) -> Decimal:
    """The sum of a document's line values; a line without one (not posted yet) adds nothing."""
    return sum((v for v in values if v is not None), Decimal(0))


def in_transit(status: str, values: Iterable[Decimal]) -> Decimal:
    """Stock in transit on one transfer: what it carries while in transit, nothing once received."""
    return sum(values, ZERO) if status == IN_TRANSIT else ZERO


def in_transit_at(shipped_at: datetime, received_at: datetime | None, at: datetime) -> bool:
    """Whether a transfer was on its way at business time ``at``: shipped by then and not yet received.

    Stock in transit is in no warehouse's balance, but it is the company's: stock as of a time counts it
    (at the destination, as incoming) so the company's value is the same before, during and after a transfer.
    """
    return shipped_at <= at and (received_at is None or received_at > at)


def receipt_time_problem(shipped_at: datetime, received_at: datetime) -> str | None:
    """A transfer cannot arrive before it left."""
    if received_at < shipped_at:
        return f"Must not be before the transfer was shipped ({shipped_at.isoformat()})."
    return None


# --- stocktakes ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountLine:
    """A stocktake line: the book quantity frozen when the stocktake was opened, the count (None = not yet) and
    the book quantity at the time of counting (``counted_book``: the ledger's on hand at ``counted_at``)."""

    line_no: int
    sku: str
    book_quantity: Decimal
    counted_quantity: Decimal | None = None
    counted_book: Decimal | None = None

    @property
    def difference(self) -> Decimal | None:
        """Counted minus the book at the time of counting: positive = found, negative = missing, None = not counted.

        Not minus the snapshot taken when the stocktake was opened: goods booked in or out between opening and
        counting were on the shelf (or gone) when it was counted, and are in the book at that time. Frozen at 5,
        then a receipt of 2, then a count of 7: the book at counting is 7, the difference 0, and 7 stays.
        """
        if self.counted_quantity is None:
            return None
        book = self.counted_book if self.counted_book is not None else self.book_quantity
        return self.counted_quantity - book


def count_errors(counts: Sequence[Count], skus_in_stocktake: Iterable[str]) -> dict[str, Any]:
    """Counts name SKUs of the stocktake, once each, with a quantity of 0 or more."""
    errors: dict[str, Any] = {}
    known = set(skus_in_stocktake)
    if not counts:
        add_error(errors, "counts", "enter at least one count")
    for i in duplicate_indexes([c.sku for c in counts]):
        add_error(errors, "counts", "the SKU is already counted earlier in this request", i, "sku")
    for i, count in enumerate(counts):
        if count.sku not in known:
            add_error(errors, "counts", "the SKU is not on this stocktake", i, "sku")
        if count.counted_quantity < ZERO:
            add_error(errors, "counts", "must be greater than or equal to 0", i, "counted_quantity")
        elif count.counted_quantity >= MAX_AMOUNT:
            add_error(errors, "counts", f"must be less than {MAX_AMOUNT}", i, "counted_quantity")
    return errors


def stocktake_adjustments(lines: Iterable[CountLine]) -> list[tuple[CountLine, Decimal]]:
    """The counted lines whose count differs from the book, with the difference, in (sku) order.

    Lines not counted are left alone: a stocktake may count part of a warehouse.
    """
    out: list[tuple[CountLine, Decimal]] = []
    for line in sorted(lines, key=lambda ln: (ln.sku, ln.line_no)):
        difference = line.difference
        if difference is not None and difference != ZERO:
            out.append((line, difference))
    return out


#: Names other modules and the tests import from here (their homes: commands, errors, valuation, the chassis).
__all__ = [
    "AdjustmentLine",
    "AdjustmentNotFound",
    "Count",
    "DocumentNotFound",
    "InsufficientStock",
    "InvalidStatus",
    "NothingToCount",
    "RuleViolation",
    "SameWarehouse",
    "StocktakeNotFound",
    "TransferLine",
    "TransferNotFound",
    "add_error",
    "layers_value",
]
