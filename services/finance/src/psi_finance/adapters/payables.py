"""Every statement about payables: the orders and receipts kept for the match, supplier bills, the payables."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from psi_chassis.db import insert_numbered, insert_on_conflict
from psi_chassis.decimals import ZERO
from psi_chassis.paging import fetch_page
from psi_finance.adapters.payables_tables import (
    payable_movements,
    payable_order_lines,
    payable_orders,
    payables,
    supplier_bill_lines,
    supplier_bills,
)
from psi_finance.domain.payables import BillStatus, GrniPool, payable_number
from psi_finance.domain.three_way_match import OrderLine

PO, OL, B, BL = payable_orders.c, payable_order_lines.c, supplier_bills.c, supplier_bill_lines.c
_RUNNING = (
    "received_quantity",
    "received_value",
    "returned_quantity",
    "returned_value",
    "billed_quantity",
    "pending_quantity",
    "grni_quantity",
    "grni_value",
)

# --- orders and receipts, as purchasing's events state them ----------------------------------------------------


def lock_order(session: Session, *, po_id: str | None = None, po_number: str | None = None) -> Row[Any] | None:
    """The order's row, locked until the transaction ends: bills and purchasing's events on one order queue."""
    where = PO.po_id == po_id if po_id is not None else PO.po_number == po_number
    return session.execute(select(payable_orders).where(where).with_for_update()).first()


def save_approval(
    session: Session, order: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], now: datetime
) -> bool:
    """Keep an approved revision when it is not older than the one kept; False (nothing written) when it is.

    The order's row is created (status open) or locked first, so two approvals of one order queue. Lines of
    the revision get its terms; kept lines it no longer has lose theirs (not on the order any more), their
    running quantities stay.
    """
    session.execute(
        insert_on_conflict(session, payable_orders)
        .values(**order, status="open", updated_at=now)
        .on_conflict_do_nothing(index_elements=["po_id"])
    )
    kept = lock_order(session, po_id=order["po_id"])
    assert kept is not None
    if kept.revision > order["revision"]:
        return False
    session.execute(update(payable_orders).where(PO.po_id == order["po_id"]).values(**order, updated_at=now))
    ensure_lines(session, order["po_id"], [ln["line_no"] for ln in lines], now)
    session.execute(
        update(payable_order_lines)
        .where(OL.po_id == order["po_id"])
        .values(ordered_quantity=None, unit_price=None, tax_rate=None, updated_at=now)
    )
    for line in lines:
        session.execute(
            update(payable_order_lines)
            .where(OL.po_id == order["po_id"], OL.line_no == line["line_no"])
            .values(**line, updated_at=now)
        )
    return True


def set_order_status(session: Session, po_id: str, status: str, now: datetime) -> bool:
    """False when finance does not know the order."""
    result = session.execute(update(payable_orders).where(PO.po_id == po_id).values(status=status, updated_at=now))
    return bool(result.rowcount)


def ensure_lines(session: Session, po_id: str, line_nos: Sequence[int], now: datetime) -> None:
    """Create the order lines not kept yet, with nothing received or billed (a receipt may come before the
    approval is known)."""
    for line_no in line_nos:
        session.execute(
            insert_on_conflict(session, payable_order_lines)
            .values(po_id=po_id, line_no=line_no, updated_at=now, **dict.fromkeys(_RUNNING, ZERO))
            .on_conflict_do_nothing(index_elements=["po_id", "line_no"])
        )


def add_movement(session: Session, values: Mapping[str, Any]) -> bool:
    """Record a receipt or return line; False when it is recorded already (a document line counts once)."""
    inserted = session.execute(
        insert_on_conflict(session, payable_movements)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["kind", "document_id", "line_no"])
        .returning(payable_movements.c.line_no)  # RETURNING, not rowcount: see psi_chassis.inbox
    ).first()
    return inserted is not None


def add_to_line(session: Session, po_id: str, line_no: int, now: datetime, **deltas: Decimal) -> None:
    """Add ``deltas`` to an order line's running quantities and values (``x = x + :d``, exact in SQL)."""
    values: dict[str, Any] = {name: OL[name] + delta for name, delta in deltas.items()}
    session.execute(
        update(payable_order_lines).where(OL.po_id == po_id, OL.line_no == line_no).values(**values, updated_at=now)
    )


def order_lines(session: Session, po_id: str) -> dict[int, Row[Any]]:
    rows = session.execute(select(payable_order_lines).where(OL.po_id == po_id).order_by(OL.line_no)).all()
    return {r.line_no: r for r in rows}


def match_line(row: Row[Any]) -> OrderLine:
    """An order line as the match sees it: received is accepted less returned."""
    return OrderLine(
        row.line_no,
        None if row.ordered_quantity is None else Decimal(row.ordered_quantity),
        None if row.unit_price is None else Decimal(row.unit_price),
        Decimal(row.received_quantity) - Decimal(row.returned_quantity),
        Decimal(row.billed_quantity),
        Decimal(row.pending_quantity),
    )


def grni_pool(row: Row[Any]) -> GrniPool:
    """What the line's receipts credited to GRNI and no bill cleared yet (returns took theirs back)."""
    return GrniPool(
        Decimal(row.received_quantity) - Decimal(row.returned_quantity) - Decimal(row.grni_quantity),
        Decimal(row.received_value) - Decimal(row.returned_value) - Decimal(row.grni_value),
    )


# --- supplier bills ----------------------------------------------------------------------------------------------


def bill_number_taken(session: Session, supplier_id: str, bill_number: str) -> bool:
    found = session.execute(
        select(B.id).where(
            B.supplier_id == supplier_id, B.bill_number == bill_number, B.status != str(BillStatus.REJECTED)
        )
    ).first()
    return found is not None


def add_bill(session: Session, values: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]) -> int | None:
    """Insert a bill and its lines; None when its number was taken meanwhile (the unique index decides)."""
    try:
        with session.begin_nested():
            bill_id = int(session.execute(insert(supplier_bills).values(**values).returning(B.id)).scalar_one())
    except IntegrityError:
        if bill_number_taken(session, values["supplier_id"], values["bill_number"]):
            return None
        raise
    session.execute(insert(supplier_bill_lines), [{**ln, "bill_id": bill_id} for ln in lines])
    return bill_id


def lock_bill(session: Session, bill_id: int) -> Row[Any] | None:
    return session.execute(select(supplier_bills).where(B.id == bill_id).with_for_update()).first()


def bill_lines(session: Session, bill_id: int) -> list[Row[Any]]:
    return list(session.execute(select(supplier_bill_lines).where(BL.bill_id == bill_id).order_by(BL.line_no)).all())


def update_bill(session: Session, bill_id: int, values: Mapping[str, Any]) -> None:
    session.execute(update(supplier_bills).where(B.id == bill_id).values(**values))


def update_bill_line(session: Session, bill_id: int, line_no: int, values: Mapping[str, Any]) -> None:
    session.execute(update(supplier_bill_lines).where(BL.bill_id == bill_id, BL.line_no == line_no).values(**values))


def add_payable(session: Session, values: Mapping[str, Any]) -> tuple[int, str]:
    """Insert a payable (kind ``bill``); its number AP-000001 is written from its id in the same transaction."""
    return insert_numbered(session, payables, {"kind": "bill", **values}, payable_number)


# --- reads -------------------------------------------------------------------------------------------------------

_BILL_VIEW = (
    "id",
    "supplier_id",
    "po_id",
    "po_number",
    "bill_number",
    "bill_date",
    "due_date",
    "currency",
    "exchange_rate",
    "net_amount",
    "tax_amount",
    "total_amount",
    "base_total_amount",
    "grni_amount",
    "variance_amount",
    "status",
    "note",
    "entry_id",
    "created_by",
    "created_at",
    "resolved_by",
    "resolved_at",
    "resolution_note",
)
_LINE_VIEW = (
    "line_no",
    "po_line_no",
    "sku",
    "quantity",
    "unit_price",
    "tax_rate",
    "net_amount",
    "tax_amount",
    "order_unit_price",
    "open_quantity",
    "reasons",
    "detail",
    "grni_quantity",
    "grni_amount",
    "variance_amount",
)


def _bills() -> Select[Any]:
    return select(supplier_bills, payables.c.number.label("payable_number"), payables.c.open_amount).select_from(
        supplier_bills.outerjoin(payables, payables.c.id == B.payable_id)
    )


def _header(row: Row[Any]) -> dict[str, Any]:
    view = {name: getattr(row, name) for name in _BILL_VIEW}
    return {**view, "payable_number": row.payable_number, "open_amount": row.open_amount}


def _with_lines(session: Session, headers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [h["id"] for h in headers]
    rows = session.execute(select(supplier_bill_lines).where(BL.bill_id.in_(ids)).order_by(BL.bill_id, BL.line_no))
    lines: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for r in rows:
        lines[r.bill_id].append({name: getattr(r, name) for name in _LINE_VIEW})
    return [{**h, "lines": lines[h["id"]]} for h in headers]


def bill_view(session: Session, bill_id: int) -> dict[str, Any] | None:
    row = session.execute(_bills().where(B.id == bill_id)).first()
    return None if row is None else _with_lines(session, [_header(row)])[0]


def list_bills(
    session: Session, filters: Mapping[str, Any], page: int, page_size: int, *, oldest_first: bool = False
) -> tuple[list[dict[str, Any]], int]:
    """Bills with their lines, newest first (the exception queue: oldest first); by status, supplier, order
    number, bill number and bill date."""
    query = _bills()
    for name in ("status", "supplier_id", "po_number", "bill_number"):
        if filters.get(name) is not None:
            query = query.where(B[name] == filters[name])
    if filters.get("date_from") is not None:
        query = query.where(B.bill_date >= filters["date_from"])
    if filters.get("date_to") is not None:
        query = query.where(B.bill_date <= filters["date_to"])
    rows, total = fetch_page(session, query, B.id if oldest_first else B.id.desc(), page, page_size)
    return _with_lines(session, [_header(r) for r in rows]), total
