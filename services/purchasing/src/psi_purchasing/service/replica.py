"""The replicas of inventory's item master and warehouses, kept from ``inventory.ItemCreated.v1`` /
``inventory.ItemUpdated.v1`` and ``inventory.WarehouseCreated.v1`` / ``inventory.WarehouseUpdated.v1``.

Every event carries the whole record with a ``version`` one higher per change. The newest version wins: an
event whose version is not higher than the stored one (a redelivery, or a late arrival after a retry) changes
nothing. The upsert carries that rule in its ``WHERE``, so two deliveries racing each other cannot regress it.

Orders and requisitions name SKUs and warehouses; both must be known here and active (422 UNKNOWN_SKU /
INACTIVE_SKU, UNKNOWN_WAREHOUSE / INACTIVE_WAREHOUSE), so stock never lands where inventory cannot use it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from psi_chassis.db import insert_on_conflict
from psi_chassis.types import utcnow
from psi_purchasing.adapters.tables import items, warehouses
from psi_purchasing.domain.errors import RuleViolation


def _upsert_newest(session: Session, table: Table, key: str, values: dict[str, Any]) -> bool:
    """INSERT, or UPDATE only when the stored version is older; True when the row was written."""
    stmt = insert_on_conflict(session, table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[key],
        set_={name: stmt.excluded[name] for name in values if name != key},
        where=table.c.version < stmt.excluded.version,
    )
    return bool(session.execute(stmt).rowcount)


def apply_item_snapshot(session: Session, data: Mapping[str, Any]) -> bool:
    """Upsert one item snapshot; True when it was newer than what the replica held (and so was stored)."""
    return _upsert_newest(
        session,
        items,
        "sku",
        {
            "sku": data["sku"],
            "name": data["name"],
            "unit_of_measure": data["unit_of_measure"],
            "active": bool(data["active"]),
            "reorder_quantity": data.get("reorder_quantity"),
            "version": int(data["version"]),
            "updated_at": data.get("changed_at") or utcnow(),
        },
    )


def apply_warehouse_snapshot(session: Session, data: Mapping[str, Any]) -> bool:
    """Upsert one warehouse snapshot; True when it was newer than what the replica held."""
    return _upsert_newest(
        session,
        warehouses,
        "code",
        {
            "code": data["code"],
            "name": data["name"],
            "active": bool(data["active"]),
            "valuation_method": data["valuation_method"],
            "version": int(data["version"]),
            "updated_at": data.get("changed_at") or utcnow(),
        },
    )


def item_status(session: Session, skus: list[str]) -> dict[str, bool]:
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


def warehouse_problem(known: Mapping[str, bool], code: str) -> tuple[str, str] | None:
    """(problem code, message) when ``code`` is not an active warehouse of the replica, else None."""
    if code not in known:
        return "UNKNOWN_WAREHOUSE", f"unknown warehouse {code}: inventory has no such warehouse"
    if not known[code]:
        return "INACTIVE_WAREHOUSE", f"warehouse {code} is inactive and cannot take new documents"
    return None


def ensure_active_warehouse(session: Session, code: str, field: str = "warehouse_code") -> None:
    """422 UNKNOWN_WAREHOUSE / INACTIVE_WAREHOUSE on ``field`` unless the replica holds ``code`` as active."""
    problem = warehouse_problem(warehouse_status(session, [code]), code)
    if problem is not None:
        raise RuleViolation(problem[1], code=problem[0], errors={field: [problem[1]]})
