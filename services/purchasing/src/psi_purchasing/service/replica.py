"""The replica of inventory's item master, kept from ``inventory.ItemCreated.v1`` and
``inventory.ItemUpdated.v1``.

Every event carries the whole record with a ``version`` one higher per change. The newest version wins: an
event whose version is not higher than the stored one (a redelivery, or a late arrival after a retry) changes
nothing. The upsert carries that rule in its ``WHERE``, so two deliveries racing each other cannot regress it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from psi_chassis.db import is_sqlite
from psi_chassis.types import utcnow
from psi_purchasing.adapters.tables import items


def apply_item_snapshot(session: Session, data: Mapping[str, Any]) -> bool:
    """Upsert one item snapshot; True when it was newer than what the replica held (and so was stored)."""
    values = {
        "sku": data["sku"],
        "name": data["name"],
        "unit_of_measure": data["unit_of_measure"],
        "active": bool(data["active"]),
        "reorder_quantity": data.get("reorder_quantity"),
        "version": int(data["version"]),
        "updated_at": data.get("changed_at") or utcnow(),
    }
    module: Any = sqlite if is_sqlite(session.get_bind()) else postgresql
    stmt = module.insert(items).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["sku"],
        set_={name: stmt.excluded[name] for name in values if name != "sku"},
        where=items.c.version < stmt.excluded.version,
    )
    return bool(session.execute(stmt).rowcount)


def item_status(session: Session, skus: list[str]) -> dict[str, bool]:
    """``{sku: active}`` for the SKUs the replica knows (unknown ones are missing)."""
    if not skus:
        return {}
    rows = session.execute(select(items.c.sku, items.c.active).where(items.c.sku.in_(set(skus)))).all()
    return {row.sku: bool(row.active) for row in rows}
