"""What the replicas of inventory's item master and warehouses allow: only known, active SKUs and warehouses.

Orders, requisitions and conversions name SKUs and warehouses; both must be known to the replica and active
(422 UNKNOWN_SKU / INACTIVE_SKU, UNKNOWN_WAREHOUSE / INACTIVE_WAREHOUSE), so stock never lands where inventory
cannot use it. The replicas are read as ``{key: active}``; a key that is missing is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping

from psi_purchasing.domain.errors import RuleViolation


def item_problem(known: Mapping[str, bool], sku: str) -> tuple[str, str] | None:
    """(problem code, message) when ``sku`` is not an active item of the replica, else None (order lines;
    requisitions word it their own way, domain/requisition.py)."""
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
