"""The repository of the item master and the warehouse list: every SQL statement of ``service/catalog.py``.

Reads hand records out as plain dicts (the columns the API and the events show); writes take the values the
handler decided. Creation fills the balance rows with ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``, so a row
the ledger already made is left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import String, false, literal, or_, select, text, true, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from psi_chassis.db import insert_on_conflict, is_sqlite
from psi_chassis.decimals import ZERO
from psi_chassis.paging import fetch_page
from psi_chassis.types import ExactDecimal, UTCDateTime
from psi_inventory.adapters.tables import items, stock_balances, warehouses
from psi_inventory.domain.catalog import gtin_forms

#: pg_advisory_xact_lock key taken by item and warehouse creation and by barcode changes ("psi-catl").
CATALOG_LOCK = int.from_bytes(b"psi-catl", "big")

ITEM_COLUMNS = (
    "sku",
    "name",
    "unit_of_measure",
    "category",
    "barcode",
    "reorder_point",
    "reorder_quantity",
    "safety_stock",
    "active",
    "version",
    "created_at",
    "updated_at",
)
WAREHOUSE_COLUMNS = ("code", "name", "active", "valuation_method", "version", "created_at", "updated_at")
_BALANCE_COLUMNS = (
    "sku",
    "warehouse_code",
    "on_hand",
    "reserved",
    "value",
    "value_fifo",
    "below_reorder",
    "updated_at",
)


# --- reads ------------------------------------------------------------------------------------------------


def _item(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in ITEM_COLUMNS}


def _warehouse(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in WAREHOUSE_COLUMNS}


def get_item(session: Session, sku: str) -> dict[str, Any] | None:
    row = session.execute(select(items).where(items.c.sku == sku)).first()
    return None if row is None else _item(row)


def list_items(
    session: Session,
    *,
    q: str | None = None,
    category: str | None = None,
    active: bool | None = None,
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """Items by SKU; ``q`` is a case-insensitive substring of the SKU, the name or the barcode."""
    query = select(items)
    if q:
        query = query.where(
            or_(
                items.c.sku.icontains(q, autoescape=True),
                items.c.name.icontains(q, autoescape=True),
                items.c.barcode.icontains(q, autoescape=True),
            )
        )
    if category is not None:
        query = query.where(items.c.category == category)
    if active is not None:
        query = query.where(items.c.active == active)
    return _page(session, query, items.c.sku, page, page_size, _item)


def get_warehouse(session: Session, code: str) -> dict[str, Any] | None:
    row = session.execute(select(warehouses).where(warehouses.c.code == code)).first()
    return None if row is None else _warehouse(row)


def list_warehouses(
    session: Session, *, active: bool | None = None, page: int = 1, page_size: int = 50
) -> tuple[list[dict[str, Any]], int]:
    query = select(warehouses)
    if active is not None:
        query = query.where(warehouses.c.active == active)
    return _page(session, query, warehouses.c.code, page, page_size, _warehouse)


def _page(
    session: Session, query: Select[Any], order: Any, page: int, page_size: int, view: Any
) -> tuple[list[dict[str, Any]], int]:
    rows, total = fetch_page(session, query, order, page, page_size)
    return [view(r) for r in rows], total


# --- writes -------------------------------------------------------------------------------------------


def catalog_lock(session: Session) -> None:
    """Serialise catalog creations (and barcode changes) for the rest of the transaction."""
    if not is_sqlite(session.get_bind()):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CATALOG_LOCK})


def _fill_balances(session: Session, pairs: Select[Any]) -> None:
    """Insert a zero balance row for every (sku, warehouse_code, ...) ``pairs`` yields, keeping existing rows."""
    session.execute(
        insert_on_conflict(session, stock_balances)
        .from_select(list(_BALANCE_COLUMNS), pairs)
        .on_conflict_do_nothing(index_elements=["sku", "warehouse_code"])
    )


def _zero_row_values(now: datetime) -> list[Any]:
    zero = literal(ZERO, ExactDecimal())
    return [zero, zero, zero, zero, false(), literal(now, UTCDateTime())]


def barcode_owner(session: Session, barcode: str, other_than: str | None = None) -> str | None:
    """The SKU already holding ``barcode`` in any of its GTIN spellings, if any."""
    query = select(items.c.sku).where(items.c.barcode.in_(gtin_forms(barcode)))
    if other_than is not None:
        query = query.where(items.c.sku != other_than)
    return session.execute(query.limit(1)).scalar()


def lock_item(session: Session, sku: str) -> dict[str, Any] | None:
    """The item, its row locked FOR UPDATE for the rest of the transaction; None when there is none."""
    row = session.execute(select(items).where(items.c.sku == sku).with_for_update()).first()
    return None if row is None else _item(row)


def lock_warehouse(session: Session, code: str) -> dict[str, Any] | None:
    """The warehouse, its row locked FOR UPDATE for the rest of the transaction; None when there is none."""
    row = session.execute(select(warehouses).where(warehouses.c.code == code).with_for_update()).first()
    return None if row is None else _warehouse(row)


def insert_item(session: Session, record: Mapping[str, Any]) -> None:
    """Insert the item row in a savepoint: an IntegrityError (another transaction won) leaves the transaction
    usable for finding out who holds the SKU or the barcode."""
    with session.begin_nested():
        session.execute(items.insert().values(**record))


def fill_item_balances(session: Session, record: Mapping[str, Any]) -> None:
    """A zero balance row for the new item in every warehouse."""
    _fill_balances(
        session,
        select(literal(record["sku"], String()), warehouses.c.code, *_zero_row_values(record["created_at"])).where(
            true()
        ),
    )  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT


def update_item_row(session: Session, sku: str, changes: Mapping[str, Any], version: int, now: datetime) -> None:
    """Write ``changes`` and the new version (in a savepoint, as a barcode change may collide)."""
    with session.begin_nested():
        session.execute(update(items).where(items.c.sku == sku).values(**changes, version=version, updated_at=now))


def insert_warehouse(session: Session, record: Mapping[str, Any]) -> None:
    """Insert the warehouse row (in a savepoint) and a zero balance row for every item."""
    with session.begin_nested():
        session.execute(warehouses.insert().values(**record))
    _fill_balances(
        session,
        select(items.c.sku, literal(record["code"], String()), *_zero_row_values(record["created_at"])).where(true()),
    )


def update_warehouse_row(session: Session, code: str, changes: Mapping[str, Any], version: int, now: datetime) -> None:
    session.execute(
        update(warehouses).where(warehouses.c.code == code).values(**changes, version=version, updated_at=now)
    )


def warehouses_stocking(session: Session, sku: str) -> list[str]:
    """The warehouses with a balance row of ``sku``, in code order (the order the ledger locks them in)."""
    return list(
        session.execute(
            select(stock_balances.c.warehouse_code)
            .where(stock_balances.c.sku == sku)
            .order_by(stock_balances.c.warehouse_code)
        )
        .scalars()
        .all()
    )
