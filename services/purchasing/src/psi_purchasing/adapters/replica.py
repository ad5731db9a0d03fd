"""The SQL of the replicas of inventory's item master and warehouses (tables ``items`` and ``warehouses``).

Every snapshot carries a ``version`` one higher per change; the upsert keeps the newest in its ``WHERE``, so two
deliveries racing each other cannot regress a row. What the replicas allow is psi_chassis/replica.py.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.replica_store import active_by_key, upsert_newest
from psi_purchasing.adapters.tables import items, warehouses


def upsert_item(session: Session, values: dict[str, Any]) -> bool:
    """Store an item snapshot unless the replica holds a newer one; True when it was stored."""
    return upsert_newest(session, items, "sku", values)


def upsert_warehouse(session: Session, values: dict[str, Any]) -> bool:
    """Store a warehouse snapshot unless the replica holds a newer one; True when it was stored."""
    return upsert_newest(session, warehouses, "code", values)


def item_status(session: Session, skus: Collection[str]) -> dict[str, bool]:
    """``{sku: active}`` for the SKUs the replica knows (unknown ones are missing)."""
    return active_by_key(session, items, items.c.sku, skus)


def warehouse_status(session: Session, codes: Collection[str]) -> dict[str, bool]:
    """``{code: active}`` for the warehouses the replica knows (unknown ones are missing)."""
    return active_by_key(session, warehouses, warehouses.c.code, codes)
