"""The SQL of a replica of another service's master data (the rules: :mod:`psi_chassis.replica`)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Column, Table, select
from sqlalchemy.orm import Session

from psi_chassis.db import insert_on_conflict


def upsert_newest(session: Session, table: Table, key: str, values: dict[str, Any]) -> bool:
    """INSERT, or UPDATE only when the stored ``version`` is older; True when the row was written."""
    stmt = insert_on_conflict(session, table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[key],
        set_={name: stmt.excluded[name] for name in values if name != key},
        where=table.c.version < stmt.excluded.version,
    )
    return bool(session.execute(stmt).rowcount)


def active_by_key(session: Session, table: Table, key: Column[Any], keys: Collection[str]) -> dict[str, bool]:
    """``{key: active}`` for the keys the replica ``table`` holds (unknown ones are missing), in one statement."""
    if not keys:
        return {}
    rows = session.execute(select(key, table.c.active).where(key.in_(set(keys)))).all()
    return {row[0]: bool(row[1]) for row in rows}


class MasterDataReplica:
    """A service's replicas of inventory's items (keyed by ``sku``) and warehouses (keyed by ``code``).

    Each service declares its own two tables (with the columns it needs beside ``active`` and ``version``) and
    gets the four statements every replica needs from one place.
    """

    def __init__(self, items: Table, warehouses: Table) -> None:
        self.items, self.warehouses = items, warehouses

    def upsert_item(self, session: Session, values: dict[str, Any]) -> bool:
        """Store an item snapshot unless the replica holds a newer one; True when it was stored."""
        return upsert_newest(session, self.items, "sku", values)

    def upsert_warehouse(self, session: Session, values: dict[str, Any]) -> bool:
        """Store a warehouse snapshot unless the replica holds a newer one; True when it was stored."""
        return upsert_newest(session, self.warehouses, "code", values)

    def item_status(self, session: Session, skus: Collection[str]) -> dict[str, bool]:
        """``{sku: active}`` for the SKUs the replica knows (unknown ones are missing)."""
        return active_by_key(session, self.items, self.items.c.sku, skus)

    def warehouse_status(self, session: Session, codes: Collection[str]) -> dict[str, bool]:
        """``{code: active}`` for the warehouses the replica knows (unknown ones are missing)."""
        return active_by_key(session, self.warehouses, self.warehouses.c.code, codes)
