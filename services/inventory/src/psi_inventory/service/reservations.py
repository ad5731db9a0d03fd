"""Reserving stock through the API (a shop, a POS): every line or none, in one transaction.

The rules are the reservation book's (``domain/reservation_book.py``); this module is the command around it:
one transaction locks the reference's rows and the balance rows (in sku order, as every path does, so two
orders racing for the last unit wait for each other and the second finds nothing left; two multi-line orders
touching the same SKUs in opposite order never deadlock), reserves in memory, and writes the reservation rows
and the balances back with one statement each. The lines it answers with are the ones it wrote: no second read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command, run_transaction
from psi_chassis.outbox import Outgoing, record_events
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import STOCK_BELOW_REORDER_POINT_V1
from psi_inventory.adapters.documents import check_master_data
from psi_inventory.adapters.queries import reservation_lines
from psi_inventory.adapters.reservation_store import load_reservations, save_reservations
from psi_inventory.adapters.stock_store import load_book, save_book
from psi_inventory.config import SERVICE_NAME
from psi_inventory.domain.commands import ReservationLine, ReserveStock
from psi_inventory.domain.errors import (
    AlreadyReserved,
    InsufficientStock,
    ReservationExists,
    ReservationNotFound,
    UnknownTarget,
)
from psi_inventory.domain.reservation_book import (
    ACTIVE,
    CONSUMED,
    RELEASED,
    ReservationBook,
    ReservationRow,
    ShortLine,
)

__all__ = [
    "ACTIVE",
    "CONSUMED",
    "RELEASED",
    "AlreadyReserved",
    "ReservationLine",
    "ShortLine",
    "UnknownTarget",
    "check_request",
    "get_reservation",
    "place_reservation",
    "release",
    "release_reservation",
    "release_stock",
    "reserve",
    "reserve_stock",
]


def check_request(session: Session, warehouse: str, skus: list[str]) -> None:
    """A caller reserving through the API names a listed, active warehouse and SKUs of the item master.

    An unknown one is a 422 naming it (``UNKNOWN_WAREHOUSE``, ``INACTIVE_WAREHOUSE``, ``UNKNOWN_SKU``), not a
    409 ``INSUFFICIENT_STOCK``: no amount of stock would make the request right. (A ``sales.OrderConfirmed.v1``
    naming them is a fact and is answered with ReservationRejected, available 0.)
    """
    errors: dict[str, Any] = {}
    check_master_data(session, warehouse, "warehouse_code", skus, "lines", errors)  # one statement for both
    code = None
    if "warehouse_code" in errors:
        code = "INACTIVE_WAREHOUSE" if "inactive" in str(errors["warehouse_code"]) else "UNKNOWN_WAREHOUSE"
    if errors:
        raise UnknownTarget(
            "the reservation names what inventory does not know; see errors", code=code or "UNKNOWN_SKU", errors=errors
        )


def _books(session: Session, references: Sequence[str], keys: Sequence[tuple[str, str]]) -> ReservationBook:
    """The reference's rows (locked first), then the balance rows they and ``keys`` touch, locked in key order.

    Only balance rows that exist are loaded: reserving never creates one (a SKU never received has nothing
    available, and is refused), and releasing touches rows that a reservation made sure exist.
    """
    now = utcnow()
    rows = load_reservations(session, references)
    stock = load_book(session, [], now, existing=[*keys, *((r.sku, r.warehouse) for r in rows)], methods=False)
    return ReservationBook.of(stock, rows, now)


def reserve(session: Session, reference: str, warehouse: str, lines: list[ReservationLine]) -> list[ShortLine]:
    """Reserve every line or none inside the caller's transaction; the short lines (empty when all reserved)."""
    book = _books(session, [reference], [(ln.sku, warehouse) for ln in lines])
    return _reserve_in(session, book, reference, warehouse, lines)


def _collect_low_stock(book: ReservationBook) -> list[Outgoing]:
    """The StockBelowReorderPoint events the book's changes announce, to record with them."""
    alerts: list[Outgoing] = []
    book.stock.on_low_stock = lambda alert: alerts.append(Outgoing(STOCK_BELOW_REORDER_POINT_V1, alert, alert["sku"]))
    return alerts


def _reserve_in(
    session: Session, book: ReservationBook, reference: str, warehouse: str, lines: list[ReservationLine]
) -> list[ShortLine]:
    alerts = _collect_low_stock(book)
    short = book.reserve(reference, warehouse, lines)
    if short:
        return short
    save_reservations(session, book, book.now or utcnow())
    save_book(session, book.stock)
    record_events(session, alerts, source=SERVICE_NAME)
    return []


def reserve_stock(
    db: Database, reference: str, warehouse: str, lines: list[ReservationLine]
) -> tuple[list[ShortLine], list[dict[str, Any]]]:
    """The API's reservation: (short lines, []) when refused, ([], the lines written) when reserved.

    Its own transaction rather than :func:`~psi_chassis.db.run_command`: a refusal wrote
    nothing and ends without a COMMIT (the hot path's statement count, ``test_request_statements.py``); the
    retry policy is the same ``run_transaction``.
    """

    def attempt() -> tuple[list[ShortLine], list[dict[str, Any]]]:
        with db.unit_of_work() as session:
            check_request(session, warehouse, [ln.sku for ln in lines])
            book = _books(session, [reference], [(ln.sku, warehouse) for ln in lines])
            short = _reserve_in(session, book, reference, warehouse, lines)
            if short:
                return short, []
            written = _lines(book.rows[reference])
            session.commit()
        return [], written

    return run_transaction(attempt)


def place_reservation(db: Database, cmd: ReserveStock) -> list[dict[str, Any]]:
    """The API's command: reserve every line or none and answer the lines written.

    A reference that already holds a reservation is ``409 RESERVATION_EXISTS`` (a retried request changes
    nothing); not enough stock for every line is ``409 INSUFFICIENT_STOCK`` listing the short lines, and nothing
    is reserved.
    """
    try:
        short, written = reserve_stock(db, cmd.reference, cmd.warehouse_code, list(cmd.lines))
    except AlreadyReserved as exc:
        raise ReservationExists(f"reference {cmd.reference} already holds a reservation") from exc
    if short:
        raise InsufficientStock(
            "not enough stock for every line; nothing was reserved",
            errors={
                "short_lines": [
                    {
                        "line_no": s.line_no,
                        "sku": s.sku,
                        "requested_quantity": f"{s.requested_quantity:.6f}",
                        "available_quantity": f"{s.available_quantity:.6f}",
                    }
                    for s in short
                ]
            },
        )
    return written


def release(session: Session, reference: str) -> ReservationBook:
    """Give back what ``reference`` still holds, inside the caller's transaction."""
    book = _books(session, [reference], [])
    alerts = _collect_low_stock(book)
    book.release(reference)
    save_reservations(session, book, book.now or utcnow())
    save_book(session, book.stock)
    record_events(session, alerts, source=SERVICE_NAME)
    return book


def release_stock(db: Database, reference: str) -> list[dict[str, Any]]:
    """The API's release (releasing twice is harmless); the reference's lines as they are now."""
    return run_command(db, lambda session: _lines(release(session, reference).rows.get(reference, [])))


def _lines(rows: Sequence[ReservationRow]) -> list[dict[str, Any]]:
    return [
        {
            "line_no": r.line_no,
            "sku": r.sku,
            "warehouse_code": r.warehouse,
            "quantity": r.quantity,
            "consumed": r.consumed,
            "status": r.status,
        }
        for r in sorted(rows, key=lambda r: r.line_no)
    ]


def release_reservation(db: Database, reference: str) -> list[dict[str, Any]]:
    """The API's release: what ``reference`` still holds goes back; ``404 RESERVATION_NOT_FOUND`` when it holds
    no reservation at all (releasing twice is harmless)."""
    lines = release_stock(db, reference)
    if not lines:
        raise ReservationNotFound(f"no reservation {reference}")
    return lines


def get_reservation(db: Database, reference: str) -> list[dict[str, Any]]:
    """The lines of one reservation as they are now; ``404 RESERVATION_NOT_FOUND`` when there are none."""
    with db.unit_of_work() as session:
        lines = reservation_lines(session, reference)
    if not lines:
        raise ReservationNotFound(f"no reservation {reference}")
    return lines
