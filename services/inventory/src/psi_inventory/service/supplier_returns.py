"""The return saga, inventory's step: issue a purchasing.GoodsReturnRequested.v1 whole, or refuse it whole.

Purchasing records a return as requested; inventory either issues every line back to the supplier at the cost
the goods came in at and answers ``inventory.SupplierReturnIssued.v1`` (purchasing then completes the return),
or moves nothing and answers ``inventory.SupplierReturnRejected.v1`` with the reason and the lines (purchasing
marks it refused). A business refusal is an answer, never a dead letter, so the two services always agree.
The rules are in ``domain/supplier_returns.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from psi_chassis.outbox import record_event
from psi_chassis.service import Event
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import items, stock_balances
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain import events
from psi_inventory.domain.model import ZERO
from psi_inventory.domain.supplier_returns import (
    INSUFFICIENT_STOCK,
    UNKNOWN_SKU,
    UNKNOWN_WAREHOUSE,
    RefusedLine,
    ReturnLine,
    short_lines,
    unknown_skus,
)
from psi_inventory.service.catalog import warehouse_is_listed
from psi_inventory.service.event_time import fact_time
from psi_inventory.service.ledger import Ledger, Source
from psi_inventory.service.source_documents import (
    SUPPLIER_RETURN,
    SourceDocument,
    record_booked,
    record_rejected,
)

#: The reason code on a supplier return's moves.
RETURN_REASON = "supplier_return"


def on_goods_return_requested(session: Session, event: Event) -> None:
    """Issue every line at its receipt cost and publish SupplierReturnIssued, or refuse it whole."""
    data = event.data
    warehouse = data["warehouse_code"]
    occurred_at = fact_time(event, data["requested_at"], utcnow())
    lines = [ReturnLine(ln["line_no"], ln["sku"], ln["quantity"], ln["unit_cost_base"]) for ln in data["lines"]]
    document = SourceDocument(SUPPLIER_RETURN, data["return_number"], data["po_number"], warehouse, occurred_at,
                              event.id)
    refusal = _refusal(session, warehouse, lines)
    if refusal is not None:
        _reject(session, event, document, *refusal)
        return
    ledger = Ledger(session)
    issued = []
    for line in sorted(lines, key=lambda ln: (ln.sku, ln.line_no)):
        posted = ledger.issue_supplier_return(
            line.sku, warehouse, SUPPLIER_RETURN, line.quantity,
            Source(occurred_at, data["return_number"], event.id, line.line_no, reason_code=RETURN_REASON),
            receipt_cost=line.unit_cost, po_number=data["po_number"], po_line=line.line_no)
        issued.append(({"line_no": line.line_no, "sku": line.sku, "quantity": line.quantity,
                        "unit_cost": posted.unit_cost, "value": -posted.value, "value_fifo": -posted.value_fifo},
                       -ledger.books_value(warehouse, posted)))
    record_booked(session, document)
    record_event(session, events.SUPPLIER_RETURN_ISSUED, {
        "source_event_id": event.id, "return_id": data["return_id"], "return_number": data["return_number"],
        "po_number": data["po_number"], "warehouse_code": warehouse, "occurred_at": occurred_at,
        "currency": base_currency(), "lines": [ln for ln, _ in sorted(issued, key=lambda i: i[0]["line_no"])],
        "total_value": sum((books for _, books in issued), ZERO),
    }, source=SERVICE_NAME, subject=data["return_number"])


def _refusal(session: Session, warehouse: str,
             lines: Sequence[ReturnLine]) -> tuple[str, str, list[RefusedLine]] | None:
    """Why the return cannot be issued (reason code, reason, lines), or None. Locks the balance rows it reads,
    in SKU order like every posting, so the stock it saw is still there when it issues."""
    if not warehouse_is_listed(session, warehouse):
        return UNKNOWN_WAREHOUSE, f"warehouse {warehouse} is not in inventory's list of warehouses", []
    skus = sorted({ln.sku for ln in lines})
    rows = {r.sku: r for r in session.execute(
        select(stock_balances.c.sku, stock_balances.c.on_hand, stock_balances.c.reserved)
        .where(stock_balances.c.warehouse_code == warehouse, stock_balances.c.sku.in_(skus))
        .order_by(stock_balances.c.sku).with_for_update()
    ).all()}
    in_master = set(session.execute(select(items.c.sku).where(items.c.sku.in_(skus))).scalars())
    unknown = unknown_skus(lines, set(rows) | in_master)
    if unknown:
        names = ", ".join(sorted({ln.sku for ln in unknown}))
        return UNKNOWN_SKU, f"{names}: not in the item master and never stocked in {warehouse}", unknown
    short = short_lines(lines, {sku: r.on_hand - r.reserved for sku, r in rows.items()})
    if not short:
        return None
    reason = "; ".join(
        f"{ln.sku} in {warehouse}: cannot take {ln.requested_quantity}, only {ln.available_quantity} available"
        f" (on hand {rows[ln.sku].on_hand if ln.sku in rows else ZERO},"
        f" reserved {rows[ln.sku].reserved if ln.sku in rows else ZERO})" for ln in short)
    return INSUFFICIENT_STOCK, reason, short


def _reject(session: Session, event: Event, document: SourceDocument, reason_code: str, reason: str,
            lines: list[RefusedLine]) -> None:
    refused: list[dict[str, Any]] = [
        {"line_no": ln.line_no, "sku": ln.sku, "requested_quantity": ln.requested_quantity,
         "available_quantity": ln.available_quantity} for ln in lines]
    record_rejected(session, document, reason_code, reason, refused)
    record_event(session, events.SUPPLIER_RETURN_REJECTED, {
        "source_event_id": event.id, "return_id": event.data["return_id"], "return_number": document.number,
        "warehouse_code": document.warehouse_code, "occurred_at": utcnow(), "reason_code": reason_code,
        "reason": reason, "lines": refused,
    }, source=SERVICE_NAME, subject=document.number)


__all__ = ["on_goods_return_requested"]

