"""Item master and warehouses: the handlers, one transaction each (the SQL is in ``adapters/catalog.py``).

Every (item, warehouse) pair has a balance row from the moment both exist: creating an item adds a zero row in
every warehouse, creating a warehouse adds one for every item (``INSERT ... SELECT ... ON CONFLICT DO NOTHING``,
so a row the ledger already made is left alone). Reservations rely on that row existing. Item and warehouse
creation take one transaction-scoped lock (PostgreSQL advisory lock; SQLite's ``BEGIN IMMEDIATE`` already
serialises writers), so an item and a warehouse created at the same moment cannot both miss their shared row.

Item changes publish the whole record (``inventory.ItemCreated.v1`` / ``inventory.ItemUpdated.v1``) through the
outbox in the same transaction, with the item's ``version`` as the envelope ``sequence``; warehouse changes do
the same (``inventory.WarehouseCreated.v1`` / ``inventory.WarehouseUpdated.v1``), so purchasing and sales keep
replicas and refuse documents for a warehouse inventory does not list or lists as inactive.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.outbox import record_event
from psi_chassis.types import utcnow
from psi_contracts.events.inventory import (
    ITEM_CREATED_V1,
    ITEM_UPDATED_V1,
    WAREHOUSE_CREATED_V1,
    WAREHOUSE_UPDATED_V1,
)
from psi_inventory.adapters.catalog import (
    ITEM_COLUMNS,
    barcode_owner,
    catalog_lock,
    fill_item_balances,
    get_item,
    get_warehouse,
    insert_item,
    insert_warehouse,
    lock_item,
    lock_warehouse,
    update_item_row,
    update_warehouse_row,
    warehouses_stocking,
)
from psi_inventory.config import SERVICE_NAME
from psi_inventory.domain.catalog import (
    DEFAULT_VALUATION_METHOD,
    ITEM_MUTABLE_FIELDS,
    REORDER_FIELDS,
    WAREHOUSE_MUTABLE_FIELDS,
    ReorderSettings,
    changed_fields,
    check_reorder_settings,
    item_version_after,
    reorder_point_changed,
    unlisted_warehouse_name,
    warehouse_version_after,
)
from psi_inventory.domain.commands import NewItem, NewWarehouse
from psi_inventory.domain.errors import (
    BarcodeTaken,
    ItemNotFound,
    SkuTaken,
    WarehouseCodeTaken,
    WarehouseNotFound,
)
from psi_inventory.service.ledger import Ledger

_log = logging.getLogger(__name__)


def _barcode_taken(barcode: str, owner: str) -> BarcodeTaken:
    return BarcodeTaken(
        f"barcode {barcode} already belongs to item {owner}", errors={"barcode": [f"already used by item {owner}"]}
    )


def _reevaluate_low_stock(session: Session, sku: str) -> None:
    """Apply the low-stock rule to every balance row of ``sku`` (in warehouse order, as the ledger locks)."""
    codes = warehouses_stocking(session, sku)
    ledger = Ledger(session)
    ledger.preload([(sku, code) for code in codes], layers=False)
    for code in codes:
        ledger.recheck_reorder_point(sku, code)


def _publish(session: Session, event_type: str, item: Mapping[str, Any]) -> None:
    data = {name: item[name] for name in ITEM_COLUMNS if name not in ("created_at", "updated_at")}
    data["changed_at"] = item["updated_at"]
    record_event(session, event_type, data, source=SERVICE_NAME, subject=item["sku"], sequence=item["version"])


def _locked_item(session: Session, sku: str) -> dict[str, Any]:
    item = lock_item(session, sku)
    if item is None:
        raise ItemNotFound(f"item {sku} does not exist")
    return item


# --- items ---------------------------------------------------------------------------------------------------


def find_item(db: Database, sku: str) -> dict[str, Any]:
    """One item; ``404 ITEM_NOT_FOUND`` when the item master has no such SKU."""
    with db.unit_of_work() as session:
        item = get_item(session, sku)
    if item is None:
        raise ItemNotFound(f"item {sku} does not exist")
    return item


def create_item(db: Database, cmd: NewItem) -> dict[str, Any]:
    """Add an item (version 1) with a zero balance row in every warehouse, and publish ItemCreated.

    The SKU is unique exactly as given (SKUs are case-sensitive); the barcode is unique in every GTIN spelling.
    When the item has a reorder point its new rows are put through the low-stock rule at once (they hold
    nothing, so each announces StockBelowReorderPoint), exactly as if the reorder point had been set later.
    """
    check_reorder_settings(cmd.reorder)
    return run_command(db, lambda session: _create_item(session, cmd))


def _create_item(session: Session, cmd: NewItem) -> dict[str, Any]:
    taken = SkuTaken(f"SKU {cmd.sku} is already taken", errors={"sku": ["already taken"]})
    catalog_lock(session)
    if get_item(session, cmd.sku) is not None:
        raise taken
    if cmd.barcode is not None and (owner := barcode_owner(session, cmd.barcode)) is not None:
        raise _barcode_taken(cmd.barcode, owner)
    now = utcnow()
    record = {
        "sku": cmd.sku,
        "name": cmd.name,
        "unit_of_measure": cmd.unit_of_measure,
        "category": cmd.category,
        "barcode": cmd.barcode,
        "reorder_point": cmd.reorder_point,
        "reorder_quantity": cmd.reorder_quantity,
        "safety_stock": cmd.safety_stock,
        "active": True,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }
    try:
        insert_item(session, record)
    except IntegrityError:
        if get_item(session, cmd.sku) is not None:
            raise taken from None
        if cmd.barcode is not None and (owner := barcode_owner(session, cmd.barcode)) is not None:
            raise _barcode_taken(cmd.barcode, owner) from None
        raise
    fill_item_balances(session, record)
    item = get_item(session, cmd.sku)
    assert item is not None
    _publish(session, ITEM_CREATED_V1, item)
    if cmd.reorder_point is not None:
        _reevaluate_low_stock(session, cmd.sku)
    return item


def update_item(db: Database, sku: str, requested: Mapping[str, Any]) -> dict[str, Any]:
    """Change any of the item's master data; publishes ItemUpdated with the whole record and the new version.

    Only values that differ count: a request that changes nothing answers the item as it is, with the same
    version and no event. The reorder settings are checked as they will be after the change. A new reorder
    point re-evaluates the low-stock flag of each of the item's balance rows (StockBelowReorderPoint once per
    crossing).
    """
    return run_command(db, lambda session: _update_item(session, sku, requested))


def _update_item(session: Session, sku: str, requested: Mapping[str, Any]) -> dict[str, Any]:
    if requested.get("barcode") is not None:
        catalog_lock(session)  # before the item row: always the same lock order
    current = _locked_item(session, sku)
    changes = changed_fields(current, requested, ITEM_MUTABLE_FIELDS)
    if not changes:
        return current
    after = {**current, **changes}
    if any(name in changes for name in REORDER_FIELDS):
        check_reorder_settings(ReorderSettings(*(after[name] for name in REORDER_FIELDS)))
    barcode = changes.get("barcode")
    if barcode is not None and (owner := barcode_owner(session, barcode, other_than=sku)) is not None:
        raise _barcode_taken(barcode, owner)
    item = _apply(session, current, changes)
    if reorder_point_changed(changes):
        _reevaluate_low_stock(session, sku)
    return item


def deactivate_item(db: Database, sku: str) -> dict[str, Any]:
    """Mark the item inactive (it is never deleted). Already inactive: answered as it is, no new version."""
    return run_command(db, lambda session: _deactivate_item(session, sku))


def _deactivate_item(session: Session, sku: str) -> dict[str, Any]:
    current = _locked_item(session, sku)
    if not current["active"]:
        return current
    return _apply(session, current, {"active": False})


def _apply(session: Session, current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``changes`` with the next version and publish ItemUpdated (inside the caller's transaction)."""
    version = item_version_after(current["version"], changes)
    try:
        update_item_row(session, current["sku"], changes, version, utcnow())
    except IntegrityError:
        barcode = changes.get("barcode")
        if barcode is not None and (owner := barcode_owner(session, barcode, other_than=current["sku"])):
            raise _barcode_taken(barcode, owner) from None
        raise
    item = get_item(session, current["sku"])
    assert item is not None
    _publish(session, ITEM_UPDATED_V1, item)
    return item


# --- warehouses ----------------------------------------------------------------------------------------------


def find_warehouse(db: Database, code: str) -> dict[str, Any]:
    """One warehouse; ``404 WAREHOUSE_NOT_FOUND`` when inventory does not list it."""
    with db.unit_of_work() as session:
        warehouse = get_warehouse(session, code)
    if warehouse is None:
        raise WarehouseNotFound(f"warehouse {code} does not exist")
    return warehouse


def _publish_warehouse(session: Session, event_type: str, warehouse: Mapping[str, Any]) -> None:
    data = {name: warehouse[name] for name in ("code", "name", "active", "valuation_method", "version")}
    data["changed_at"] = warehouse["updated_at"]
    record_event(
        session, event_type, data, source=SERVICE_NAME, subject=warehouse["code"], sequence=warehouse["version"]
    )


def _insert_warehouse(session: Session, code: str, name: str, valuation_method: str, active: bool) -> dict[str, Any]:
    """Insert a warehouse (version 1) with a zero balance row for every item, and publish WarehouseCreated.

    Runs under the catalog lock, which the caller holds; an IntegrityError means another transaction won.
    """
    now = utcnow()
    insert_warehouse(
        session,
        {
            "code": code,
            "name": name,
            "active": active,
            "valuation_method": valuation_method,
            "version": 1,
            "created_at": now,
            "updated_at": now,
        },
    )
    warehouse = get_warehouse(session, code)
    assert warehouse is not None
    _publish_warehouse(session, WAREHOUSE_CREATED_V1, warehouse)
    return warehouse


def create_warehouse(db: Database, cmd: NewWarehouse) -> dict[str, Any]:
    """Add a warehouse with a zero balance row for every item (active or not); the code is unique.

    The new rows are not put through the low-stock rule: an empty new warehouse changes neither an item's
    available stock nor its reorder point; the first move into it does. Publishes WarehouseCreated.
    """
    return run_command(db, lambda session: _create_warehouse(session, cmd))


def _create_warehouse(session: Session, cmd: NewWarehouse) -> dict[str, Any]:
    taken = WarehouseCodeTaken(f"warehouse code {cmd.code} is already taken", errors={"code": ["already taken"]})
    catalog_lock(session)
    if get_warehouse(session, cmd.code) is not None:
        raise taken
    try:
        return _insert_warehouse(session, cmd.code, cmd.name, cmd.valuation_method, active=True)
    except IntegrityError:
        if get_warehouse(session, cmd.code) is not None:
            raise taken from None
        raise


def ensure_warehouse(session: Session, code: str, document_ref: str) -> bool:
    """Make sure a warehouse a fact names exists; create it inactive ("unlisted") if not. True if created.

    A goods receipt or a customer return is a fact from another service: the goods are on a shelf, so they are
    booked even when inventory does not list the warehouse (purchasing refuses such orders since it keeps a
    replica, so this is old data or a mistake). The warehouse is created **inactive**, with a name that says
    so, and announced like any other (WarehouseCreated, ``active`` false): it shows in ``GET /warehouses``,
    its stock in every report, and no new document can name it until someone activates it
    (``PATCH /warehouses/<code>``) to move the stock on or correct it. Runs in the caller's transaction.
    """
    if get_warehouse(session, code) is not None:
        return False
    catalog_lock(session)
    if get_warehouse(session, code) is not None:
        return False
    _insert_warehouse(
        session, code, unlisted_warehouse_name(code, document_ref), DEFAULT_VALUATION_METHOD, active=False
    )
    _log.warning("warehouse %s is not listed: created it inactive to book %s", code, document_ref)
    return True


def update_warehouse(db: Database, code: str, requested: Mapping[str, Any]) -> dict[str, Any]:
    """Rename, (de)activate or switch the valuation method of a warehouse; publishes WarehouseUpdated.

    Both moving-average and FIFO values are always kept for every move, balance and layer, so switching the
    method loses nothing and needs no revaluation; it changes which of the two values the books use from now on
    (the unit cost of later issues and the value finance is told about). Moves already posted keep the cost they
    were posted at. A request that changes nothing answers the warehouse as it is, with the same version and
    no event.
    """
    return run_command(db, lambda session: _update_warehouse(session, code, requested))


def _update_warehouse(session: Session, code: str, requested: Mapping[str, Any]) -> dict[str, Any]:
    current = lock_warehouse(session, code)
    if current is None:
        raise WarehouseNotFound(f"warehouse {code} does not exist")
    changes = changed_fields(current, requested, WAREHOUSE_MUTABLE_FIELDS)
    if not changes:
        return current
    update_warehouse_row(session, code, changes, warehouse_version_after(current["version"], changes), utcnow())
    warehouse = get_warehouse(session, code)
    assert warehouse is not None
    _publish_warehouse(session, WAREHOUSE_UPDATED_V1, warehouse)
    return warehouse


def deactivate_warehouse(db: Database, code: str) -> dict[str, Any]:
    """Mark the warehouse inactive (never deleted): no new document may name it. Already inactive: unchanged."""
    return update_warehouse(db, code, {"active": False})


__all__ = [
    "create_item",
    "create_warehouse",
    "deactivate_item",
    "deactivate_warehouse",
    "ensure_warehouse",
    "find_item",
    "find_warehouse",
    "update_item",
    "update_warehouse",
]
