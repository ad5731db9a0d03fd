"""The SQL of the replicas of inventory's item master and warehouses (tables ``items`` and ``warehouses``).

Every snapshot carries a ``version`` one higher per change; the upsert keeps the newest in its ``WHERE``, so two
deliveries racing each other cannot regress a row. What the replicas allow is domain/replica.py.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from psi_chassis.db import insert_on_conflict
from psi_purchasing.adapters.tables import items, warehouses


def _upsert_newest(session: Session, table: Table, key: str, values: dict[str, Any]) -> bool:
    """INSERT, or UPDATE only when the stored version is older; True when the row was written."""
    stmt = insert_on_conflict(session, table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[key],
        set_={name: stmt.excluded[name] for name in values if name != key},
        where=table.c.version < stmt.excluded.version,
    )
    return bool(session.execute(stmt).rowcount)


def upsert_item(session: Session, values: dict[str, Any]) -> bool:
    """Store an item snapshot unless the replica holds a newer one; True when it was stored."""
    return _upsert_newest(session, items, "sku", values)


def upsert_warehouse(session: Session, values: dict[str, Any]) -> bool:
    """Store a warehouse snapshot unless the replica holds a newer one; True when it was stored."""
    return _upsert_newest(session, warehouses, "code", values)


def item_status(session: Session, skus: Collection[str]) -> dict[str, bool]:
    """``{sku: active}`` for the SKUs the replica knows (unknown ones are missing)."""
    if not skus:
        return {}
    rows = session.execute(select(items.c.sku, items.c.active).where(items.c.sku.in_(set(skus)))).all()
    return {row.sku: bool(row.active) for row in rows}


def warehouse_status(session: Session, codes: Collection[str]) -> dict[str, bool]:
    """``{code: active}`` for the warehouses the replica knows (unknown ones are missing)."""
    if not codes:
        return {}
    rows = session.execute(
        select(warehouses.c.code, warehouses.c.active).where(warehouses.c.code.in_(set(codes)))
    ).all()
    return {row.code: bool(row.active) for row in rows}
