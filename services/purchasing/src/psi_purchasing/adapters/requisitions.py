"""The SQL of requisitions (采购申请) and their lines: insert, lock, change, and the reads of the API.

The rules are domain/requisition.py; the commands service/requisitions.py and service/conversion.py.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.orm import Session

from psi_chassis.db import insert_on_conflict
from psi_chassis.decimals import ZERO
from psi_chassis.paging import count_rows, page_window
from psi_purchasing.adapters import approvals as approvals_store
from psi_purchasing.adapters.tables import requisition_lines, requisitions, suppliers
from psi_purchasing.domain.requisition import (
    DOCUMENT_TYPE,
    RequisitionStatus,
    fixed_approver_role,
    requisition_number,
)


def insert_requisition(
    session: Session,
    *,
    department: str,
    requester: str,
    source: str,
    note: str | None,
    lines: Sequence[Mapping[str, Any]],
    now: datetime,
    replenish_key: str | None = None,
    created_by: str | None = None,
) -> int | None:
    """Insert a draft and its lines; with a ``replenish_key`` already held by an open draft, nothing (None).

    The key's UNIQUE constraint decides (INSERT ... ON CONFLICT DO NOTHING), so two concurrent low-stock
    events cannot both create a draft.
    """
    values = {
        "department": department,
        "requester": requester,
        "status": RequisitionStatus.DRAFT.value,
        "source": source,
        "note": note,
        "replenish_key": replenish_key,
        "created_by": created_by,
        "created_at": now,
        "updated_at": now,
    }
    if replenish_key is None:
        requisition_id = session.execute(insert(requisitions).values(**values)).inserted_primary_key[0]
    else:
        requisition_id = session.execute(
            insert_on_conflict(session, requisitions)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["replenish_key"])
            .returning(requisitions.c.id)
        ).scalar()
        if requisition_id is None:
            return None
    requisition_id = int(requisition_id)
    session.execute(
        update(requisitions)
        .where(requisitions.c.id == requisition_id)
        .values(number=requisition_number(requisition_id))
    )
    insert_lines(session, requisition_id, lines)
    return requisition_id


def insert_lines(session: Session, requisition_id: int, lines: Sequence[Mapping[str, Any]]) -> None:
    """The lines, numbered 1..n in the order given, nothing ordered yet."""
    session.execute(
        insert(requisition_lines),
        [
            {
                "requisition_id": requisition_id,
                "line_no": n,
                "sku": ln["sku"],
                "warehouse_code": ln["warehouse_code"],
                "quantity": ln["quantity"],
                "needed_by": ln.get("needed_by"),
                "note": ln.get("note"),
                "preferred_supplier_id": ln.get("preferred_supplier_id"),
                "ordered_quantity": ZERO,
            }
            for n, ln in enumerate(lines, start=1)
        ],
    )


def replace_lines(session: Session, requisition_id: int, lines: Sequence[Mapping[str, Any]]) -> None:
    session.execute(requisition_lines.delete().where(requisition_lines.c.requisition_id == requisition_id))
    insert_lines(session, requisition_id, lines)


def existing_suppliers(session: Session, supplier_ids: Collection[int]) -> set[int]:
    """Which of these supplier ids exist."""
    if not supplier_ids:
        return set()
    return set(session.execute(select(suppliers.c.id).where(suppliers.c.id.in_(supplier_ids))).scalars())


def lock(session: Session, requisition_id: int) -> Any | None:
    """The requisition row, holding its lock (FOR UPDATE) until the transaction ends; None if there is none."""
    return session.execute(select(requisitions).where(requisitions.c.id == requisition_id).with_for_update()).first()


def lines_of(session: Session, requisition_id: int) -> list[Any]:
    return list(
        session.execute(
            select(requisition_lines)
            .where(requisition_lines.c.requisition_id == requisition_id)
            .order_by(requisition_lines.c.line_no)
        ).all()
    )


def set_status(session: Session, requisition_id: int, status: str, now: datetime, **extra: Any) -> None:
    session.execute(
        update(requisitions).where(requisitions.c.id == requisition_id).values(status=status, updated_at=now, **extra)
    )


def update_header(session: Session, requisition_id: int, now: datetime, **values: Any) -> None:
    session.execute(update(requisitions).where(requisitions.c.id == requisition_id).values(updated_at=now, **values))


def makers(session: Session, row: Any) -> set[str]:
    """Who made the requisition: its requester and whoever submitted it (domain/four_eyes.py)."""
    found = approvals_store.makers(session, DOCUMENT_TYPE, row.id)
    if row.created_by is not None:
        found.add(row.created_by)
    return found


def approver_role(session: Session, row: Any, amount: Decimal) -> str | None:
    """The role that must approve a submitted requisition (domain/requisition.fixed_approver_role)."""
    tiers = () if row.approver_role is not None else approvals_store.load_tiers(session, DOCUMENT_TYPE)[0]
    return fixed_approver_role(row.approver_role, tiers, amount)


# --- conversion ---------------------------------------------------------------------------------------------


def lock_for_conversion(session: Session, line_ids: Collection[int]) -> tuple[dict[int, Any], dict[int, Any]]:
    """The requisitions of these lines and the lines, locked in that order and each in id order, so two
    conversions never deadlock: ``({requisition id: row}, {line id: row})``."""
    ids = sorted(line_ids)
    req_ids = (
        session.execute(select(requisition_lines.c.requisition_id).where(requisition_lines.c.id.in_(ids)).distinct())
        .scalars()
        .all()
    )
    heads = {
        r.id: r
        for r in session.execute(
            select(requisitions).where(requisitions.c.id.in_(req_ids)).order_by(requisitions.c.id).with_for_update()
        ).all()
    }
    rows = {
        r.id: r
        for r in session.execute(
            select(requisition_lines)
            .where(requisition_lines.c.id.in_(ids))
            .order_by(requisition_lines.c.id)
            .with_for_update()
        ).all()
    }
    return heads, rows


def add_ordered_quantity(session: Session, line_id: int, quantity: Decimal) -> bool:
    """``ordered_quantity += quantity`` unless that goes beyond the line's quantity; False when refused."""
    c = requisition_lines.c
    done = session.execute(
        update(requisition_lines)
        .where(c.id == line_id, c.ordered_quantity + quantity <= c.quantity)
        .values(ordered_quantity=c.ordered_quantity + quantity)
    ).rowcount
    return bool(done == 1)


def mark_converted_when_fully_ordered(session: Session, requisition_ids: Collection[int], now: datetime) -> None:
    """A requisition with every line fully ordered becomes ``converted``."""
    c = requisition_lines.c
    for req_id in requisition_ids:
        open_lines = session.execute(
            select(func.count()).where(c.requisition_id == req_id, c.ordered_quantity < c.quantity)
        ).scalar_one()
        if open_lines == 0:
            set_status(session, req_id, RequisitionStatus.CONVERTED, now)


# --- reads --------------------------------------------------------------------------------------------------


def requisition(session: Session, requisition_id: int) -> dict[str, Any] | None:
    """One requisition with its lines (and what was ordered of each) and its approvals log, oldest first."""
    row = session.execute(select(requisitions).where(requisitions.c.id == requisition_id)).first()
    if row is None:
        return None
    view = dict(row._mapping)
    view["lines"] = [dict(ln._mapping) for ln in lines_of(session, requisition_id)]
    view["approvals"] = approvals_store.full_log(session, DOCUMENT_TYPE, requisition_id)
    submitted = [a for a in view["approvals"] if a["decision"] == "submitted"]
    view["amount_base"] = submitted[-1]["amount_base"] if submitted else None
    view["approver_role"] = (
        approver_role(session, row, view["amount_base"] or ZERO) if row.status == RequisitionStatus.SUBMITTED else None
    )
    return view


def list_requisitions(
    session: Session,
    *,
    status: str | None,
    department: str | None,
    source: str | None,
    page: int,
    page_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """Headers, newest first, each with its number of lines."""
    counts = (
        select(requisition_lines.c.requisition_id, func.count().label("line_count"))
        .group_by(requisition_lines.c.requisition_id)
        .subquery()
    )
    query = select(requisitions, func.coalesce(counts.c.line_count, 0).label("line_count")).outerjoin(
        counts, counts.c.requisition_id == requisitions.c.id
    )
    conditions = []
    if status:
        conditions.append(requisitions.c.status == status)
    if department:
        conditions.append(requisitions.c.department == department)
    if source:
        conditions.append(requisitions.c.source == source)
    if conditions:
        query = query.where(and_(*conditions))
    total = count_rows(session, query)
    rows = session.execute(page_window(query.order_by(requisitions.c.id.desc()), page, page_size)).all()
    return [dict(r._mapping) for r in rows], int(total)
