"""Transfers between warehouses: TRF-000001, shipped at once, received later.

Shipping issues the stock at the source (``transfer_out``) and keeps, on each document line, the value it
carries under both methods and the FIFO layers it took. Receiving books exactly that at the destination
(``transfer_in`` with the carried value and layers), so the company's stock value is the same before the
shipment, while in transit and after the receipt. Until it is received the value is *in transit*: no
warehouse holds it, the open transfers do (:func:`stock_in_transit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from psi_chassis.db import Database
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import document_lines, documents
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain import events
from psi_inventory.domain.documents import (
    IN_TRANSIT,
    MOVE_TRANSFER_IN,
    MOVE_TRANSFER_OUT,
    RECEIVED,
    TRANSFER,
    RuleViolation,
    SameWarehouse,
    TransferLine,
    carried_unit_cost,
    decode_layers,
    encode_layers,
    in_transit,
    require_status,
    same_warehouse,
    transfer_line_errors,
)
from psi_inventory.domain.model import ZERO, StockRuleViolation, q6
from psi_inventory.service.documents import (
    add_lines,
    check_skus,
    check_warehouse,
    create_document,
    find_document,
    insufficient,
    lines_of,
    moves_of,
    set_status,
    total,
)
from psi_inventory.service.ledger import Ledger, Source

SHIPPED_STATUS, RECEIVED_STATUS = "shipped", "received"  # StockTransferred.v1 statuses


@dataclass(frozen=True)
class ShipTransfer:
    from_warehouse: str
    to_warehouse: str
    lines: tuple[TransferLine, ...]
    note: str | None = None


def ship_transfer(db: Database, cmd: ShipTransfer) -> dict[str, Any]:
    """Create the transfer and issue every line at the source; status ``in_transit``."""
    with db.unit_of_work() as session:
        if same_warehouse(cmd.from_warehouse, cmd.to_warehouse):
            raise SameWarehouse(f"a transfer needs two different warehouses, got {cmd.from_warehouse} twice",
                                errors={"to_warehouse": ["must differ from from_warehouse"]})
        errors = transfer_line_errors(cmd.lines)
        check_warehouse(session, cmd.from_warehouse, "from_warehouse", errors)
        check_warehouse(session, cmd.to_warehouse, "to_warehouse", errors)
        check_skus(session, [ln.sku for ln in cmd.lines], "lines", errors)
        if errors:
            raise RuleViolation("the transfer is not valid; see errors", errors=errors)

        now = utcnow()
        document_id, number = create_document(session, TRANSFER, IN_TRANSIT, cmd.from_warehouse, now,
                                              to_warehouse=cmd.to_warehouse, note=cmd.note)
        ledger = Ledger(session)
        stored = []
        numbered = [(i + 1, ln) for i, ln in enumerate(cmd.lines)]
        for line_no, line in sorted(numbered, key=lambda pair: (pair[1].sku, pair[0])):
            try:
                posted = ledger.issue(line.sku, cmd.from_warehouse, MOVE_TRANSFER_OUT, line.quantity,
                                      Source(now, number, line=line_no))
            except StockRuleViolation as exc:
                raise insufficient(exc, "lines", line_no - 1, "quantity") from exc
            stored.append({"line_no": line_no, "sku": line.sku, "quantity": q6(line.quantity),
                           "value": -posted.value, "value_fifo": -posted.value_fifo,
                           "layers": encode_layers(posted.layers)})
        stored.sort(key=lambda ln: ln["line_no"])
        add_lines(session, document_id, stored)
        _record(session, document_id, number, cmd.from_warehouse, cmd.to_warehouse, SHIPPED_STATUS, now, stored)
        view = transfer_view(session, document_id)
        session.commit()
    return view


def receive_transfer(db: Database, document_id: int) -> dict[str, Any]:
    """Book what the transfer carries at the destination; status ``received``. Only once (409 otherwise)."""
    with db.unit_of_work() as session:
        header = find_document(session, TRANSFER, document_id, lock=True)
        require_status(TRANSFER, "receive", header.status, header.number)
        now = utcnow()
        ledger = Ledger(session)
        lines = lines_of(session, document_id)
        for line in sorted(lines, key=lambda ln: (ln.sku, ln.line_no)):
            ledger.receive(line.sku, header.to_warehouse_code, MOVE_TRANSFER_IN, line.quantity,
                           carried_unit_cost(line.value, line.quantity), Source(now, header.number, line=line.line_no),
                           fifo_layers=decode_layers(line.layers) or None, value=line.value)
        set_status(session, document_id, RECEIVED, now)
        _record(session, document_id, header.number, header.warehouse_code, header.to_warehouse_code,
                RECEIVED_STATUS, now, [line._asdict() for line in lines])
        view = transfer_view(session, document_id)
        session.commit()
    return view


def _record(session: Session, document_id: int, number: str, from_warehouse: str, to_warehouse: str, status: str,
            occurred_at: datetime, lines: list[dict[str, Any]]) -> None:
    record_event(session, events.STOCK_TRANSFERRED, {
        "transfer_id": str(document_id), "transfer_number": number, "from_warehouse": from_warehouse,
        "to_warehouse": to_warehouse, "status": status, "occurred_at": occurred_at, "currency": base_currency(),
        "lines": [{"line_no": ln["line_no"], "sku": ln["sku"], "quantity": ln["quantity"], "value": ln["value"],
                   "value_fifo": ln["value_fifo"]} for ln in lines],
    }, source=SERVICE_NAME, subject=number)


def _line_view(line: Row[Any]) -> dict[str, Any]:
    return {
        "line_no": line.line_no, "sku": line.sku, "quantity": line.quantity, "value": line.value,
        "value_fifo": line.value_fifo, "unit_cost": carried_unit_cost(line.value, line.quantity),
        "layers": [{"quantity": q, "unit_cost": c} for q, c in decode_layers(line.layers)],
    }


def transfer_view(session: Session, document_id: int) -> dict[str, Any]:
    header = find_document(session, TRANSFER, document_id)
    lines = [_line_view(line) for line in lines_of(session, document_id)]
    moves = moves_of(session, header.number)
    shipped = [m.occurred_at for (kind, _), m in moves.items() if kind == MOVE_TRANSFER_OUT]
    received = [m.occurred_at for (kind, _), m in moves.items() if kind == MOVE_TRANSFER_IN]
    return {
        "id": header.id, "number": header.number, "status": header.status,
        "from_warehouse": header.warehouse_code, "to_warehouse": header.to_warehouse_code, "note": header.note,
        "currency": base_currency(), "lines": lines,
        "total_value": total(ln["value"] for ln in lines),
        "total_value_fifo": total(ln["value_fifo"] for ln in lines),
        "in_transit_value": in_transit(header.status, (ln["value"] for ln in lines)),
        "in_transit_value_fifo": in_transit(header.status, (ln["value_fifo"] for ln in lines)),
        "shipped_at": min(shipped) if shipped else header.created_at,
        "received_at": min(received) if received else None,
        "created_at": header.created_at, "updated_at": header.updated_at,
    }


def get_transfer(db: Database, document_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return transfer_view(session, document_id)


def stock_in_transit(session: Session) -> dict[str, Decimal]:
    """Value of every transfer still in transit, both ways: the stock no warehouse holds right now."""
    row = session.execute(
        select(func.coalesce(func.sum(document_lines.c.value), ZERO).label("value"),
               func.coalesce(func.sum(document_lines.c.value_fifo), ZERO).label("value_fifo"))
        .select_from(document_lines.join(documents, documents.c.id == document_lines.c.document_id))
        .where(documents.c.kind == TRANSFER, documents.c.status == IN_TRANSIT)
    ).one()
    return {"value": Decimal(row.value), "value_fifo": Decimal(row.value_fifo)}
