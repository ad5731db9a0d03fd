"""Keeping the replicas of inventory's item master and warehouses, from ``inventory.ItemCreated.v1`` /
``inventory.ItemUpdated.v1`` and ``inventory.WarehouseCreated.v1`` / ``inventory.WarehouseUpdated.v1``.

Every event carries the whole record with a ``version`` one higher per change. The newest version wins: an
event whose version is not higher than the stored one (a redelivery, or a late arrival after a retry) changes
nothing (adapters/replica.py keeps the rule in the upsert's ``WHERE``). What the replicas allow orders and
requisitions is domain/replica.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.types import utcnow
from psi_purchasing.adapters import replica


def apply_item_snapshot(session: Session, data: Mapping[str, Any]) -> bool:
    """Upsert one item snapshot; True when it was newer than what the replica held (and so was stored)."""
    return replica.upsert_item(
        session,
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
    return replica.upsert_warehouse(
        session,
        {
            "code": data["code"],
            "name": data["name"],
            "active": bool(data["active"]),
            "valuation_method": data["valuation_method"],
            "version": int(data["version"]),
            "updated_at": data.get("changed_at") or utcnow(),
        },
    )
