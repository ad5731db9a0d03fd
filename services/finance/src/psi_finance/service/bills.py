"""Supplier bills (供应商发票): entered by an accountant, matched three ways, posted at once or queued.

A bill within the match's tolerances (domain/three_way_match.py, config.py) posts in the same transaction:
the journal entry through ``post_entry`` (domain/payables.py ``bill_entry``), the payable AP-000001 and
``finance.BillPosted.v1``. Outside them it waits in the exception queue (status ``exception``) with the reason of
every line and nothing posted, until an accountant accepts it (it posts, the variance recomputed against the
receipts of that moment) or rejects it (closed, nothing posted, its number free again).

The order's row is locked (FOR UPDATE) before its lines are read, by a bill and by purchasing's events alike:
two bills on one order cannot both claim the same received goods, and a receipt counted meanwhile waits.

A bill is in its order's currency and converts at the order's exchange rate (purchasing.PurchaseOrderApproved):
the rate the receipts were valued at, so a bill at the order's price has no variance. Finance's own rate table
is not consulted for bills.

A bill is dated by the supplier: one dated in a closed month posts into the next open one and says so
(``moved_from_period``), as an event does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from psi_chassis.actor import Actor
from psi_chassis.db import Database, run_command
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.finance import BILL_POSTED_V1
from psi_finance import config
from psi_finance.adapters import payables as store
from psi_finance.config import SERVICE_NAME
from psi_finance.domain.business_time import check_entry_date
from psi_finance.domain.payables import (
    BillFigures,
    BillHeader,
    BillNotFound,
    BillNotInException,
    BillStatus,
    DuplicateBillNumber,
    EnterSupplierBill,
    OrderStatus,
    ResolveBill,
    UnknownPurchaseOrder,
    bill_entry,
    bill_figures,
    check_bill,
    check_figures,
    due_date,
)
from psi_finance.domain.three_way_match import BilledLine, LineMatch, match_bill, matched
from psi_finance.service.journal import post_entry
from psi_finance.service.on_inventory_events import RoleAccounts


def enter_bill(db: Database, cmd: EnterSupplierBill, actor: Actor) -> dict[str, Any]:
    """Enter a bill: refused whole (nothing stored) when it cannot be a bill of its order; else matched, and
    posted at once or put in the exception queue."""
    check_entry_date(cmd.bill_date, utcnow().date(), "bill_date")
    due_on = due_date(cmd.bill_date, cmd.due_date, cmd.terms_days)
    tolerances = config.match_tolerances()

    def work(session: Session) -> dict[str, Any]:
        order = _lock_order(session, cmd)
        check_bill(cmd, order.supplier_id, order.currency)
        if store.bill_number_taken(session, cmd.supplier_id, cmd.bill_number):
            raise DuplicateBillNumber(_taken(cmd))
        rows = store.order_lines(session, order.po_id)
        lines = {n: store.match_line(r) for n, r in rows.items()}
        matches = match_bill(cmd.lines, lines, order.status != OrderStatus.CANCELLED, tolerances)
        figures = bill_figures(cmd.lines, {n: store.grni_pool(r) for n, r in rows.items()}, order.exchange_rate)
        check_figures(figures)
        now = utcnow()
        bill_id = _add_bill(session, cmd, order, due_on, matches, figures, rows, actor, now)
        if matched(matches):
            _post(session, bill_id, actor, "matched", now)
        return _view(session, bill_id)

    return run_command(db, work)


def accept_bill(db: Database, cmd: ResolveBill, actor: Actor) -> dict[str, Any]:
    """Post a bill from the exception queue with its variance, against the receipts as they are now."""

    def work(session: Session) -> dict[str, Any]:
        bill = _waiting(session, cmd.bill_id)
        now = utcnow()
        store.update_bill(
            session, bill.id, {"resolved_by": actor.username, "resolved_at": now, "resolution_note": cmd.note}
        )
        _post(session, bill.id, actor, "accepted", now)
        return _view(session, bill.id)

    return run_command(db, work)


def reject_bill(db: Database, cmd: ResolveBill, actor: Actor) -> dict[str, Any]:
    """Close a bill from the exception queue without posting; what it claimed of its order is free again."""

    def work(session: Session) -> dict[str, Any]:
        bill = _waiting(session, cmd.bill_id)
        now = utcnow()
        for line in store.bill_lines(session, bill.id):
            store.add_to_line(session, bill.po_id, line.po_line_no, now, pending_quantity=-line.quantity)
        values = {"resolved_by": actor.username, "resolved_at": now, "resolution_note": cmd.note}
        store.update_bill(session, bill.id, {**values, "status": str(BillStatus.REJECTED)})
        return _view(session, bill.id)

    return run_command(db, work)


def _lock_order(session: Session, cmd: EnterSupplierBill) -> Row[Any]:
    order = store.lock_order(session, po_id=cmd.po_id, po_number=cmd.po_number)
    if order is None:
        field, named = ("po_id", cmd.po_id) if cmd.po_id is not None else ("po_number", cmd.po_number)
        raise UnknownPurchaseOrder(
            f"purchase order {named} is not known to finance (no purchasing.PurchaseOrderApproved received for it)",
            errors={field: ["unknown purchase order"]},
        )
    return order


def _taken(cmd: EnterSupplierBill) -> str:
    return f"supplier {cmd.supplier_id}'s bill {cmd.bill_number} is entered already"


def _waiting(session: Session, bill_id: int) -> Row[Any]:
    """The bill, locked after its order (the order of locks every bill path takes); it must be waiting."""
    view = store.bill_view(session, bill_id)
    if view is None:
        raise BillNotFound(f"supplier bill {bill_id} does not exist")
    store.lock_order(session, po_id=view["po_id"])
    bill = store.lock_bill(session, bill_id)
    assert bill is not None
    if bill.status != BillStatus.EXCEPTION:
        raise BillNotInException(f"supplier bill {bill_id} is {bill.status}: only a bill in the exception queue is")
    return bill


def _add_bill(
    session: Session,
    cmd: EnterSupplierBill,
    order: Row[Any],
    due_on: Any,
    matches: tuple[LineMatch, ...],
    figures: BillFigures,
    rows: dict[int, Row[Any]],
    actor: Actor,
    now: datetime,
) -> int:
    """Store the bill as waiting, its lines claiming their quantities of the order (``pending``); a bill that
    matched is posted right after, in the same transaction."""
    values = {
        "supplier_id": cmd.supplier_id,
        "po_id": order.po_id,
        "po_number": order.po_number,
        "bill_number": cmd.bill_number,
        "bill_date": cmd.bill_date,
        "due_date": due_on,
        "currency": cmd.currency,
        "exchange_rate": order.exchange_rate,
        **_amounts(figures),
        "status": str(BillStatus.EXCEPTION),
        "note": cmd.note,
        "created_by": actor.username,
        "created_at": now,
    }
    lines = [_line(i, ln, m, figures, rows) for i, (ln, m) in enumerate(zip(cmd.lines, matches, strict=True))]
    bill_id = store.add_bill(session, values, lines)
    if bill_id is None:
        raise DuplicateBillNumber(_taken(cmd))
    for line in cmd.lines:
        store.add_to_line(session, order.po_id, line.po_line_no, now, pending_quantity=line.quantity)
    return bill_id


def _line(
    i: int, line: BilledLine, match: LineMatch, figures: BillFigures, rows: dict[int, Row[Any]]
) -> dict[str, Any]:
    kept = rows.get(line.po_line_no)
    return {
        "line_no": i + 1,
        "po_line_no": line.po_line_no,
        "sku": None if kept is None else kept.sku,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "tax_rate": line.tax_rate,
        "order_unit_price": match.order_unit_price,
        "open_quantity": match.open_quantity,
        "reasons": [str(r) for r in match.reasons],
        "detail": match.detail or None,
        **_line_amounts(figures, i),
    }


def _amounts(figures: BillFigures) -> dict[str, Any]:
    return {
        "net_amount": figures.net,
        "tax_amount": figures.tax,
        "total_amount": figures.gross,
        "base_total_amount": figures.base_gross,
        "grni_amount": figures.grni,
        "variance_amount": figures.variance,
    }


def _line_amounts(figures: BillFigures, i: int) -> dict[str, Any]:
    line = figures.lines[i]
    return {
        "net_amount": line.net,
        "tax_amount": line.tax,
        "grni_quantity": line.grni_quantity,
        "grni_amount": line.grni,
        "variance_amount": line.variance,
    }


def _post(session: Session, bill_id: int, actor: Actor, match: str, now: datetime) -> None:
    """Post a waiting bill against its order lines as they are now: the entry, GRNI cleared and the quantities
    moved from waiting to billed, the payable, the bill posted, and BillPosted."""
    bill = store.lock_bill(session, bill_id)
    assert bill is not None
    lines = store.bill_lines(session, bill_id)
    rows = store.order_lines(session, bill.po_id)
    billed = [BilledLine(ln.po_line_no, ln.quantity, ln.unit_price, ln.tax_rate) for ln in lines]
    figures = bill_figures(billed, {n: store.grni_pool(r) for n, r in rows.items()}, bill.exchange_rate)
    header = BillHeader(bill.id, bill.bill_number, bill.supplier_id, bill.po_number, bill.bill_date, bill.currency)
    entry = bill_entry(header, figures, RoleAccounts(session), config.base_currency())
    entry_id = post_entry(session, entry, posted_by=actor.username)
    assert entry_id is not None  # the bill's row is locked and waiting: it has not posted
    for i, line in enumerate(lines):
        fig = figures.lines[i]
        store.update_bill_line(session, bill_id, line.line_no, _line_amounts(figures, i))
        store.add_to_line(
            session,
            bill.po_id,
            line.po_line_no,
            now,
            pending_quantity=-line.quantity,
            billed_quantity=line.quantity,
            grni_quantity=fig.grni_quantity,
            grni_value=fig.grni,
        )
    payable_id, number = store.add_payable(session, _payable(bill, figures, entry_id, now))
    status = {"status": str(BillStatus.POSTED), "entry_id": entry_id, "payable_id": payable_id}
    store.update_bill(session, bill_id, {**_amounts(figures), **status})
    record_event(
        session, BILL_POSTED_V1, _posted(bill, number, figures, match, now), source=SERVICE_NAME, subject=number
    )


def _payable(bill: Row[Any], figures: BillFigures, entry_id: int, now: datetime) -> dict[str, Any]:
    return {
        "supplier_id": bill.supplier_id,
        "bill_id": bill.id,
        "po_number": bill.po_number,
        "document_ref": bill.bill_number,
        "currency": bill.currency,
        "rate": bill.exchange_rate,
        "net_amount": figures.net,
        "tax_amount": figures.tax,
        "total_amount": figures.gross,
        "base_total_amount": figures.base_gross,
        "open_amount": figures.gross,
        "issued_on": bill.bill_date,
        "due_on": bill.due_date,
        "entry_id": entry_id,
        "created_at": now,
    }


def _posted(bill: Row[Any], number: str, figures: BillFigures, match: str, now: datetime) -> dict[str, Any]:
    return {
        "bill_id": str(bill.id),
        "number": number,
        "supplier_id": bill.supplier_id,
        "bill_number": bill.bill_number,
        "po_id": bill.po_id,
        "po_number": bill.po_number,
        "bill_date": bill.bill_date,
        "due_date": bill.due_date,
        "currency": bill.currency,
        "exchange_rate": bill.exchange_rate,
        "net_amount": figures.net,
        "tax_amount": figures.tax,
        "total_amount": figures.gross,
        "base_total_amount": figures.base_gross,
        "variance_amount": figures.variance,
        "match": match,
        "posted_at": now,
    }


def _view(session: Session, bill_id: int) -> dict[str, Any]:
    found = store.bill_view(session, bill_id)
    if found is None:
        raise BillNotFound(f"supplier bill {bill_id} does not exist")
    return found


def get_bill(db: Database, bill_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return _view(session, bill_id)


def list_bills(
    db: Database, filters: dict[str, Any], page: int, page_size: int, *, oldest_first: bool = False
) -> tuple[list[dict[str, Any]], int]:
    with db.unit_of_work() as session:
        return store.list_bills(session, filters, page, page_size, oldest_first=oldest_first)
