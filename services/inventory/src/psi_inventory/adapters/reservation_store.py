"""Loading the reservation rows of some references (locked) and writing back what a reservation book changed.

The rows are locked before the balance rows (every path that touches both does it in this order), with one
statement for all the references of a batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from psi_chassis.bulk import insert_rows, update_rows
from psi_inventory.adapters.tables import reservations
from psi_inventory.domain.reservation_book import ReservationBook, ReservationRow

_LOAD = (
    select(
        reservations.c.id,
        reservations.c.reference,
        reservations.c.line_no,
        reservations.c.sku,
        reservations.c.warehouse_code,
        reservations.c.quantity,
        reservations.c.consumed,
        reservations.c.status,
        reservations.c.revision,
    )
    .where(reservations.c.reference.in_(bindparam("references", expanding=True)))
    .order_by(reservations.c.reference, reservations.c.revision, reservations.c.sku, reservations.c.line_no)
    .with_for_update()
)


def load_reservations(session: Session, references: Iterable[str]) -> list[ReservationRow]:
    wanted = sorted(set(references))
    if not wanted:
        return []
    return [
        ReservationRow(
            r.id, r.reference, r.line_no, r.sku, r.warehouse_code, r.quantity, r.consumed, r.status, r.revision
        )
        for r in session.execute(_LOAD, {"references": wanted})
    ]


def save_reservations(session: Session, book: ReservationBook, now: datetime) -> None:
    if book.new_rows:
        ids = insert_rows(
            session,
            reservations,
            [
                {
                    "reference": r.reference,
                    "revision": r.revision,
                    "line_no": r.line_no,
                    "sku": r.sku,
                    "warehouse_code": r.warehouse,
                    "quantity": r.quantity,
                    "consumed": r.consumed,
                    "status": r.status,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in book.new_rows
            ],
            returning="id",
        )
        for row, row_id in zip(book.new_rows, ids, strict=True):
            row.id = row_id
    inserted = {id(r) for r in book.new_rows}
    changed = [r for rows in book.rows.values() for r in rows if r.changed and id(r) not in inserted]
    update_rows(
        session,
        reservations,
        [{"id": r.id, "consumed": r.consumed, "status": r.status, "updated_at": now} for r in changed],
        key=("id",),
    )
    # New rows changed again in this book (a confirmation then a cancellation) were inserted as they ended up.
    book.new_rows.clear()
    for rows in book.rows.values():
        for r in rows:
            r.changed = False
