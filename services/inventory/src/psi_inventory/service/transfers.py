"""Transfers between warehouses: TRF-000001, shipped at once, received later.

Shipping issues the stock at the source (``transfer_out``) and keeps, on each document line, the value it
carries under both methods and the FIFO layers it took. Receiving books exactly that at the destination
(``transfer_in`` with the carried value and layers), so the company's stock value is the same before the
shipment, while in transit and after the receipt. Until it is received the value is *in transit*: no
warehouse holds it, the open transfers do (``adapters/transfers.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.decimals import q6
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import STOCK_TRANSFERRED_V1
from psi_inventory.adapters.documents import (
    add_lines,
    check_skus,
    check_warehouse,
    create_document,
    find_document,
    lines_of,
    moves_of,
    set_status,
    transfer_ids,
)
from psi_inventory.adapters.transfers import shipment_time, stock_in_transit
from psi_inventory.config import SERVICE_NAME, base_currency
from psi_inventory.domain.business_time import booked_time
from psi_inventory.domain.commands import ShipTransfer
from psi_inventory.domain.documents import (
    IN_TRANSIT,
    MOVE_TRANSFER_IN,
    MOVE_TRANSFER_OUT,
    RECEIVED,
    TRANSFER,
    RuleViolation,
    SameWarehouse,
    carried_unit_cost,
    decode_layers,
    encode_layers,
    in_transit,
    receipt_time_problem,
    require_status,
    same_warehouse,
    total,
    transfer_line_errors,
)
from psi_inventory.domain.errors import StockRuleViolation, insufficient
from psi_inventory.service.ledger import Ledger, Source

#: ``stock_in_transit`` is read from ``adapters/transfers.py``; re-exported where the tests name it.
__all__ = ["get_transfer", "list_transfers", "receive_transfer", "ship_transfer", "stock_in_transit", "transfer_view"]

SHIPPED_STATUS, RECEIVED_STATUS = "shipped", "received"  # StockTransferred.v1 statuses


def ship_transfer(db: Database, cmd: ShipTransfer) -> dict[str, Any]:
    """Create the transfer and issue every line at the source; status ``in_transit``. One transaction."""
    return run_command(db, lambda session: _ship(session, cmd))


def _ship(session: Session, cmd: ShipTransfer) -> dict[str, Any]:
    if same_warehouse(cmd.from_warehouse, cmd.to_warehouse):
        raise SameWarehouse(
            f"a transfer needs two different warehouses, got {cmd.from_warehouse} twice",
            errors={"to_warehouse_code": ["must differ from from_warehouse_code"]},
        )
    errors = transfer_line_errors(cmd.lines)
    check_warehouse(session, cmd.from_warehouse, "from_warehouse_code", errors)
    check_warehouse(session, cmd.to_warehouse, "to_warehouse_code", errors)
    check_skus(session, [ln.sku for ln in cmd.lines], "lines", errors)
    if errors:
        raise RuleViolation("the transfer is not valid; see errors", errors=errors)

    now = utcnow()
    shipped_at = booked_time(cmd.shipped_at or now, now)
    document_id, number = create_document(
        session, TRANSFER, IN_TRANSIT, cmd.from_warehouse, now, to_warehouse=cmd.to_warehouse, note=cmd.note
    )
    ledger = Ledger(session)
    stored = []
    numbered = [(i + 1, ln) for i, ln in enumerate(cmd.lines)]
    for line_no, line in sorted(numbered, key=lambda pair: (pair[1].sku, pair[0])):
        try:
            posted = ledger.issue(
                line.sku,
                cmd.from_warehouse,
                MOVE_TRANSFER_OUT,
                line.quantity,
                Source(shipped_at, number, line=line_no),
            )
        except StockRuleViolation as exc:
            raise insufficient(exc, "lines", line_no - 1, "quantity") from exc
        stored.append(
            {
                "line_no": line_no,
                "sku": line.sku,
                "quantity": q6(line.quantity),
                "value": -posted.value,
                "value_fifo": -posted.value_fifo,
                "layers": encode_layers(posted.layers),
            }
        )
    stored.sort(key=lambda ln: ln["line_no"])
    add_lines(session, document_id, stored)
    _record(session, document_id, number, cmd.from_warehouse, cmd.to_warehouse, SHIPPED_STATUS, shipped_at, stored)
    return transfer_view(session, document_id)


def receive_transfer(db: Database, document_id: int, received_at: datetime | None = None) -> dict[str, Any]:
    """Book what the transfer carries at the destination; status ``received``. Only once (409 otherwise).

    ``received_at`` (business time, default now) may not lie before the transfer was shipped (422).
    """
    return run_command(db, lambda session: _receive(session, document_id, received_at))


def _receive(session: Session, document_id: int, received_at: datetime | None) -> dict[str, Any]:
    header = find_document(session, TRANSFER, document_id, lock=True)
    require_status(TRANSFER, "receive", header.status, header.number)
    now = utcnow()
    arrived = booked_time(received_at or now, now)
    problem = receipt_time_problem(shipment_time(session, header), arrived)
    if problem is not None:
        raise RuleViolation("the transfer cannot arrive before it left", errors={"received_at": [problem]})
    ledger = Ledger(session)
    lines = lines_of(session, document_id)
    for line in sorted(lines, key=lambda ln: (ln.sku, ln.line_no)):
        ledger.receive(
            line.sku,
            header.to_warehouse_code,
            MOVE_TRANSFER_IN,
            line.quantity,
            carried_unit_cost(line.value, line.quantity),
            Source(arrived, header.number, line=line.line_no),
            fifo_layers=decode_layers(line.layers) or None,
            value=line.value,
        )
    set_status(session, document_id, RECEIVED, now)
    _record(
        session,
        document_id,
        header.number,
        header.warehouse_code,
        header.to_warehouse_code,
        RECEIVED_STATUS,
        arrived,
        [line._asdict() for line in lines],
    )
    return transfer_view(session, document_id)


def _record(
    session: Session,
    document_id: int,
    number: str,
    from_warehouse: str,
    to_warehouse: str,
    status: str,
    occurred_at: datetime,
    lines: list[dict[str, Any]],
) -> None:
    record_event(
        session,
        STOCK_TRANSFERRED_V1,
        {
            "transfer_id": str(document_id),
            "transfer_number": number,
            "from_warehouse": from_warehouse,
            "to_warehouse": to_warehouse,
            "status": status,
            "occurred_at": occurred_at,
            "currency": base_currency(),
            "lines": [
                {
                    "line_no": ln["line_no"],
                    "sku": ln["sku"],
                    "quantity": ln["quantity"],
                    "value": ln["value"],
                    "value_fifo": ln["value_fifo"],
                }
                for ln in lines
            ],
        },
        source=SERVICE_NAME,
        subject=number,
    )


def _line_view(line: Row[Any]) -> dict[str, Any]:
    return {
        "line_no": line.line_no,
        "sku": line.sku,
        "quantity": line.quantity,
        "value": line.value,
        "value_fifo": line.value_fifo,
        "unit_cost": carried_unit_cost(line.value, line.quantity),
        "layers": [{"quantity": q, "unit_cost": c} for q, c in decode_layers(line.layers)],
    }


def transfer_view(session: Session, document_id: int) -> dict[str, Any]:
    header = find_document(session, TRANSFER, document_id)
    lines = [_line_view(line) for line in lines_of(session, document_id)]
    moves = moves_of(session, header.number)
    shipped = [m.occurred_at for (kind, _), m in moves.items() if kind == MOVE_TRANSFER_OUT]
    received = [m.occurred_at for (kind, _), m in moves.items() if kind == MOVE_TRANSFER_IN]
    return {
        "id": header.id,
        "number": header.number,
        "status": header.status,
        "from_warehouse_code": header.warehouse_code,
        "to_warehouse_code": header.to_warehouse_code,
        "note": header.note,
        "currency": base_currency(),
        "lines": lines,
        "total_value": total(ln["value"] for ln in lines),
        "total_value_fifo": total(ln["value_fifo"] for ln in lines),
        "in_transit_value": in_transit(header.status, (ln["value"] for ln in lines)),
        "in_transit_value_fifo": in_transit(header.status, (ln["value_fifo"] for ln in lines)),
        "shipped_at": min(shipped) if shipped else header.created_at,
        "received_at": min(received) if received else None,
        "created_at": header.created_at,
        "updated_at": header.updated_at,
    }


def get_transfer(db: Database, document_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return transfer_view(session, document_id)


def list_transfers(
    session: Session,
    *,
    status: str | None,
    sku: str | None,
    warehouse_code: str | None,
    from_warehouse_code: str | None,
    to_warehouse_code: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Transfers, newest first, each as :func:`transfer_view` shows it; ``warehouse_code`` matches either end,
    the dates the time it was shipped."""
    ids, total = transfer_ids(
        session,
        status=status,
        sku=sku,
        warehouse_code=warehouse_code,
        from_warehouse_code=from_warehouse_code,
        to_warehouse_code=to_warehouse_code,
        date_from=date_from,
        date_to=date_to,
        page=page,
        page_size=page_size,
    )
    return [transfer_view(session, document_id) for document_id in ids], total
