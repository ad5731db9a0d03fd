"""Inventory's events that finance posts (queue ``psi.finance.on_inventory_events``): every movement of value,
and the warehouses whose valuation method says which value of a transfer the books take.

Each event posts once (the inbox, and behind it the journal's unique source) with the value inventory booked,
through the one way into the journal (service/journal.py ``post_entry``), in the consumer's unit of work: the
entry commits with the inbox claim or not at all. A late event whose month is closed posts into the next open one
and says so (``moved_from_period``). Beside each posting the reconciliation row is written: what the event says
the warehouse's stock value did, and what the journal posted to Inventory for it (domain/reconciliation.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.service import Event
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import (
    RETURN_RESTOCKED_V1,
    STOCK_ADJUSTED_V1,
    STOCK_ISSUED_V1,
    STOCK_RECEIVED_V1,
    STOCK_TRANSFERRED_V1,
    SUPPLIER_RETURN_ISSUED_V1,
)
from psi_finance.adapters import reconciliation as store
from psi_finance.domain.chart import Role
from psi_finance.domain.journal import JournalEntry
from psi_finance.domain.posting_rules import (
    return_restocked,
    stock_adjusted,
    stock_issued,
    stock_received,
    supplier_return_issued,
    transfer_received,
    transfer_shipped,
)
from psi_finance.domain.reconciliation import posted_change, stated_change
from psi_finance.service.journal import account_for, post_entry

POSTED_BY = "finance"
Rule = Callable[[str, str, Mapping[str, Any], Mapping[Role, str]], JournalEntry | None]
_DOCUMENT = {
    STOCK_RECEIVED_V1: "document_ref",
    STOCK_ISSUED_V1: "order_number",
    STOCK_ADJUSTED_V1: "document_ref",
    SUPPLIER_RETURN_ISSUED_V1: "return_number",
    RETURN_RESTOCKED_V1: "return_number",
    STOCK_TRANSFERRED_V1: "transfer_number",
}


class RoleAccounts(Mapping[Role, str]):
    """The chart by role for the rules, asked of the database once per role per unit of work."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __getitem__(self, role: Role) -> str:
        return account_for(self.session, role)

    def __iter__(self) -> Any:
        return iter(Role)

    def __len__(self) -> int:
        return len(Role)


def post_and_reconcile(session: Session, event: Event, entry: JournalEntry | None, methods: Mapping[str, str]) -> None:
    """Post the entry (once) and write what the event stated beside what was posted to Inventory for it."""
    entry_id = post_entry(session, entry, posted_by=POSTED_BY) if entry is not None else None
    warehouse, stated = stated_change(event.type, event.data, methods)
    store.record_change(
        session,
        {
            "event_id": event.id,
            "event_type": event.type,
            "warehouse_code": warehouse,
            "document_ref": event.data[_DOCUMENT[event.type]],
            "occurred_at": event.data["occurred_at"],
            "stated": stated,
            # nothing posted (no entry_id): the row says so, and the reconciliation names this event
            "posted": posted_change(entry if entry_id is not None else None, account_for(session, Role.INVENTORY)),
            "entry_id": entry_id,
            "recorded_at": utcnow(),
        },
    )


def _posting(rule: Rule) -> Callable[[Session, Event], None]:
    def handle(session: Session, event: Event) -> None:
        post_and_reconcile(session, event, rule(event.type, event.id, event.data, RoleAccounts(session)), {})

    handle.__name__ = handle.__qualname__ = f"post_{rule.__name__}"
    handle.__doc__ = rule.__doc__
    return handle


on_stock_received = _posting(stock_received)
on_stock_issued = _posting(stock_issued)
on_stock_adjusted = _posting(stock_adjusted)
on_supplier_return_issued = _posting(supplier_return_issued)
on_return_restocked = _posting(return_restocked)


def on_stock_transferred(session: Session, event: Event) -> None:
    """Shipped: into Inventory in transit at the source's books value; received: out of it into the target's."""
    data = event.data
    methods = store.methods(session, [data["from_warehouse"], data["to_warehouse"]])
    source = methods.get(data["from_warehouse"], "moving_average")
    target = methods.get(data["to_warehouse"], "moving_average")
    accounts = RoleAccounts(session)
    if data["status"] == "shipped":
        entry = transfer_shipped(event.type, event.id, data, accounts, source)
    else:
        entry = transfer_received(event.type, event.id, data, accounts, (source, target))
    post_and_reconcile(session, event, entry, methods)


def on_warehouse_snapshot(session: Session, event: Event) -> None:
    """WarehouseCreated / WarehouseUpdated: the newest snapshot (its valuation method for transfers)."""
    data = event.data
    store.keep_warehouse(
        session,
        {
            "code": data["code"],
            "name": data["name"],
            "valuation_method": data["valuation_method"],
            "active": bool(data["active"]),
            "version": int(data["version"]),
            "updated_at": data["changed_at"],
        },
    )
