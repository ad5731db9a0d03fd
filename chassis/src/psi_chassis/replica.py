"""Replicas of another service's master data (inventory's items and warehouses), kept by version.

A service that names SKUs or warehouses on its documents keeps a replica of inventory's item master and
warehouses from ``inventory.ItemCreated/ItemUpdated/WarehouseCreated/WarehouseUpdated.v1``. Every event carries
the whole record with a ``version`` one higher per change, so:

* ``psi_chassis.replica_store.upsert_newest`` stores a snapshot only when it is newer than the row held (the
  rule sits in the upsert's ``WHERE``): a redelivered or late event changes nothing, and two deliveries racing
  cannot regress a row;
* :func:`item_problem` and :func:`warehouse_problem` are the one rule for what a document may name: a key the
  replica knows and holds as active (422 ``UNKNOWN_SKU`` / ``INACTIVE_SKU``, ``UNKNOWN_WAREHOUSE`` /
  ``INACTIVE_WAREHOUSE``), so goods are never ordered, sold or shipped where inventory cannot use them.
"""

from __future__ import annotations

from collections.abc import Mapping

from psi_chassis.errors import RuleViolation


def item_problem(known: Mapping[str, bool], sku: str) -> tuple[str, str] | None:
    """(problem code, message) when ``sku`` is not an active item of the replica ``{sku: active}``, else None."""
    if sku not in known:
        return "UNKNOWN_SKU", f"unknown SKU {sku}: inventory has no such item"
    if not known[sku]:
        return "INACTIVE_SKU", f"SKU {sku} is inactive and cannot be ordered"
    return None


def warehouse_problem(known: Mapping[str, bool], code: str) -> tuple[str, str] | None:
    """(problem code, message) when ``code`` is not an active warehouse of the replica, else None."""
    if code not in known:
        return "UNKNOWN_WAREHOUSE", f"unknown warehouse {code}: inventory has no such warehouse"
    if not known[code]:
        return "INACTIVE_WAREHOUSE", f"warehouse {code} is inactive and cannot take new documents"
    return None


def ensure_active_warehouse(known: Mapping[str, bool], code: str, field: str = "warehouse_code") -> None:
    """422 UNKNOWN_WAREHOUSE / INACTIVE_WAREHOUSE on ``field`` unless ``known`` holds ``code`` as active."""
    problem = warehouse_problem(known, code)
    if problem is not None:
        raise RuleViolation(problem[1], code=problem[0], errors={field: [problem[1]]})
