"""Inventory reconciliation (存货对账): the books' Inventory against inventory's valuation, warehouse by warehouse.

Kept from the events themselves, with no call to inventory on the way: for every inventory event finance takes,
what it **says** happened to the warehouse's stock value (``stated``, from the event's own figures at the
warehouse's method) beside what the journal **posted** to the Inventory account for it (``posted``). Posting
rules are written so the two are equal; a difference names the event behind it (a posting withheld, a rule that
disagrees, an account renamed away from the inventory role). Stock in transit is its own account: a transfer
leaves the source warehouse when it is shipped and reaches the target when it is received, and the in-transit
account holds it in between, as inventory counts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from psi_chassis.decimals import ZERO
from psi_contracts.events.inventory import (
    RETURN_RESTOCKED_V1,
    STOCK_ADJUSTED_V1,
    STOCK_ISSUED_V1,
    STOCK_RECEIVED_V1,
    STOCK_TRANSFERRED_V1,
    SUPPLIER_RETURN_ISSUED_V1,
)
from psi_finance.domain.journal import JournalEntry
from psi_finance.domain.posting_rules import books_value

RECEIVED = STOCK_RECEIVED_V1
ISSUED = STOCK_ISSUED_V1
ADJUSTED = STOCK_ADJUSTED_V1
SUPPLIER_RETURN = SUPPLIER_RETURN_ISSUED_V1
RESTOCKED = RETURN_RESTOCKED_V1
TRANSFERRED = STOCK_TRANSFERRED_V1


def stated_change(event_type: str, data: Mapping[str, Any], methods: Mapping[str, str]) -> tuple[str, Decimal]:
    """(warehouse, change of its stock value) as the event states it; ``methods``: valuation method per warehouse."""
    if event_type == RECEIVED:
        return data["warehouse_code"], data["total_value"]
    if event_type == ISSUED:
        return data["warehouse_code"], -data["total_cost"]
    if event_type == ADJUSTED:
        return data["warehouse_code"], data["total_value"]
    if event_type == SUPPLIER_RETURN:
        return data["warehouse_code"], -data["total_value"]
    if event_type == RESTOCKED:
        return data["warehouse_code"], data["total_value"]
    if event_type == TRANSFERRED:
        shipped = data["status"] == "shipped"
        warehouse = data["from_warehouse"] if shipped else data["to_warehouse"]
        value = sum((books_value(methods.get(warehouse, "moving_average"), ln) for ln in data["lines"]), ZERO)
        return warehouse, -value if shipped else value
    raise ValueError(f"{event_type} does not change a warehouse's stock value")


def posted_change(entry: JournalEntry | None, inventory_account: str) -> Decimal:
    """What an entry moved on the Inventory account (debit positive); zero when nothing was posted."""
    if entry is None:
        return ZERO
    return sum((ln.signed for ln in entry.lines if ln.account == inventory_account), ZERO)


@dataclass(frozen=True)
class WarehouseReconciliation:
    warehouse_code: str
    stated: Decimal
    """Inventory's valuation of the warehouse, as its events state it."""
    posted: Decimal
    """What the books' Inventory account holds for the warehouse."""
    differing_events: tuple[dict[str, Any], ...]
    """The events whose stated and posted changes differ, oldest first."""

    @property
    def difference(self) -> Decimal:
        return self.posted - self.stated


def reconcile(rows: Iterable[Mapping[str, Any]]) -> list[WarehouseReconciliation]:
    """Per warehouse from the per-event rows (warehouse_code, stated, posted, event_id, event_type, ...)."""
    by_warehouse: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        by_warehouse.setdefault(row["warehouse_code"], []).append(row)
    out = []
    for code in sorted(by_warehouse):
        events = by_warehouse[code]
        differing = tuple(dict(r) for r in events if r["stated"] != r["posted"])
        out.append(
            WarehouseReconciliation(
                code,
                sum((r["stated"] for r in events), ZERO),
                sum((r["posted"] for r in events), ZERO),
                differing,
            )
        )
    return out
