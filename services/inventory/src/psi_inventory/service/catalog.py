"""Item master and warehouses: the handlers (one unit of work each) and the reads behind the API.

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
from datetime import datetime
from typing import Any

from sqlalchemy import String, false, literal, or_, select, text, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from psi_chassis.db import Database, insert_on_conflict, is_sqlite
from psi_chassis.decimals import ZERO
from psi_chassis.outbox import record_event
from psi_chassis.paging import fetch_page
from psi_chassis.types import ExactDecimal, UTCDateTime, utcnow
from psi_contracts.events.inventory import ITEM_CREATED_V1, ITEM_UPDATED_V1, WAREHOUSE_CREATED_V1, WAREHOUSE_UPDATED_V1
from psi_inventory.adapters.tables import items, stock_balances, warehouses
from psi_inventory.config import SERVICE_NAME
from psi_inventory.domain.catalog import (
    DEFAULT_VALUATION_METHOD,
    ITEM_MUTABLE_FIELDS,
    REORDER_FIELDS,
    WAREHOUSE_MUTABLE_FIELDS,
    BarcodeTaken,
    ItemNotFound,
    NewItem,
    NewWarehouse,
    ReorderSettings,
    SkuTaken,
    WarehouseCodeTaken,
    WarehouseNotFound,
    changed_fields,
    check_reorder_settings,
    gtin_forms,
    item_version_after,
    reorder_point_changed,
    unlisted_warehouse_name,
    warehouse_version_after,
)
from psi_inventory.service.ledger import Ledger

_log = logging.getLogger(__name__)

#: pg_advisory_xact_lock key taken by item and warehouse creation and by barcode changes ("psi-catl").
CATALOG_LOCK = int.from_bytes(b"psi-catl", "big")

_ITEM_COLUMNS = (
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
_WAREHOUSE_COLUMNS = ("code", "name", "active", "valuation_method", "version", "created_at", "updated_at")
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


# --- reads ---------------------------------------------------------------------------------------------------


def _item(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _ITEM_COLUMNS}


def _warehouse(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _WAREHOUSE_COLUMNS}


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


# --- shared pieces -------------------------------------------------------------------------------------------


def _catalog_lock(session: Session) -> None:
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


def _barcode_owner(session: Session, barcode: str, other_than: str | None = None) -> str | None:
    """The SKU already holding ``barcode`` in any of its GTIN spellings, if any."""
    query = select(items.c.sku).where(items.c.barcode.in_(gtin_forms(barcode)))
    if other_than is not None:
        query = query.where(items.c.sku != other_than)
    return session.execute(query.limit(1)).scalar()


def _barcode_taken(barcode: str, owner: str) -> BarcodeTaken:
    return BarcodeTaken(
        f"barcode {barcode} already belongs to item {owner}", errors={"barcode": [f"already used by item {owner}"]}
    )


def _reevaluate_low_stock(session: Session, sku: str) -> None:
    """Apply the low-stock rule to every balance row of ``sku`` (in warehouse order, as the ledger locks)."""
    codes = (
        session.execute(
            select(stock_balances.c.warehouse_code)
            .where(stock_balances.c.sku == sku)
            .order_by(stock_balances.c.warehouse_code)
        )
        .scalars()
        .all()
    )
    ledger = Ledger(session)
    ledger.preload([(sku, code) for code in codes], layers=False)
    for code in codes:
        ledger.recheck_reorder_point(sku, code)


def _publish(session: Session, event_type: str, item: Mapping[str, Any]) -> None:
    data = {name: item[name] for name in _ITEM_COLUMNS if name not in ("created_at", "updated_at")}
    data["changed_at"] = item["updated_at"]
    record_event(session, event_type, data, source=SERVICE_NAME, subject=item["sku"], sequence=item["version"])


def _locked_item(session: Session, sku: str) -> dict[str, Any]:
    row = session.execute(select(items).where(items.c.sku == sku).with_for_update()).first()
    if row is None:
        raise ItemNotFound(f"item {sku} does not exist")
    return _item(row)


# --- items ---------------------------------------------------------------------------------------------------


def create_item(db: Database, cmd: NewItem) -> dict[str, Any]:
    """Add an item (version 1) with a zero balance row in every warehouse, and publish ItemCreated.

    The SKU is unique exactly as given (SKUs are case-sensitive); the barcode is unique in every GTIN spelling.
    When the item has a reorder point its new rows are put through the low-stock rule at once (they hold
    nothing, so each announces StockBelowReorderPoint), exactly as if the reorder point had been set later.
    """
    check_reorder_settings(cmd.reorder)
    taken = SkuTaken(f"SKU {cmd.sku} is already taken", errors={"sku": ["already taken"]})
    with db.unit_of_work() as session:
        _catalog_lock(session)
        if get_item(session, cmd.sku) is not None:
            raise taken
        if cmd.barcode is not None and (owner := _barcode_owner(session, cmd.barcode)) is not None:
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
            with session.begin_nested():
                session.execute(items.insert().values(**record))
        except IntegrityError:
            if get_item(session, cmd.sku) is not None:
                raise taken from None
            if cmd.barcode is not None and (owner := _barcode_owner(session, cmd.barcode)) is not None:
                raise _barcode_taken(cmd.barcode, owner) from None
            raise
        _fill_balances(
            session, select(literal(cmd.sku, String()), warehouses.c.code, *_zero_row_values(now)).where(true())
        )  # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT
        item = get_item(session, cmd.sku)
        assert item is not None
        _publish(session, ITEM_CREATED_V1, item)
        if cmd.reorder_point is not None:
            _reevaluate_low_stock(session, cmd.sku)
        session.commit()
    return item


def update_item(db: Database, sku: str, requested: Mapping[str, Any]) -> dict[str, Any]:
    """Change any of the item's master data; publishes ItemUpdated with the whole record and the new version.

    Only values that differ count: a request that changes nothing answers the item as it is, with the same
    version and no event. The reorder settings are checked as they will be after the change. A new reorder
    point re-evaluates the low-stock flag of each of the item's balance rows (StockBelowReorderPoint once per
    crossing).
    """
    with db.unit_of_work() as session:
        if requested.get("barcode") is not None:
            _catalog_lock(session)  # before the item row: always the same lock order
        current = _locked_item(session, sku)
        changes = changed_fields(current, requested, ITEM_MUTABLE_FIELDS)
        if not changes:
            return current
        after = {**current, **changes}
        if any(name in changes for name in REORDER_FIELDS):
            check_reorder_settings(ReorderSettings(*(after[name] for name in REORDER_FIELDS)))
        barcode = changes.get("barcode")
        if barcode is not None and (owner := _barcode_owner(session, barcode, other_than=sku)) is not None:
            raise _barcode_taken(barcode, owner)
        item = _apply(session, current, changes)
        if reorder_point_changed(changes):
            _reevaluate_low_stock(session, sku)
        session.commit()
    return item


def deactivate_item(db: Database, sku: str) -> dict[str, Any]:
    """Mark the item inactive (it is never deleted). Already inactive: answered as it is, no new version."""
    with db.unit_of_work() as session:
        current = _locked_item(session, sku)
        if not current["active"]:
            return current
        item = _apply(session, current, {"active": False})
        session.commit()
    return item


def _apply(session: Session, current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``changes`` with the next version and publish ItemUpdated (inside the caller's transaction)."""
    version = item_version_after(current["version"], changes)
    try:
        with session.begin_nested():
            session.execute(
                update(items)
                .where(items.c.sku == current["sku"])
                .values(**changes, version=version, updated_at=utcnow())
            )
    except IntegrityError:
        barcode = changes.get("barcode")
        if barcode is not None and (owner := _barcode_owner(session, barcode, other_than=current["sku"])):
            raise _barcode_taken(barcode, owner) from None
        raise
    item = get_item(session, current["sku"])
    assert item is not None
    _publish(session, ITEM_UPDATED_V1, item)
    return item


# --- warehouses ----------------------------------------------------------------------------------------------


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
    with session.begin_nested():
        session.execute(
            warehouses.insert().values(
                code=code,
                name=name,
                active=active,
                valuation_method=valuation_method,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
    _fill_balances(session, select(items.c.sku, literal(code, String()), *_zero_row_values(now)).where(true()))
    warehouse = get_warehouse(session, code)
    assert warehouse is not None
    _publish_warehouse(session, WAREHOUSE_CREATED_V1, warehouse)
    return warehouse


def create_warehouse(db: Database, cmd: NewWarehouse) -> dict[str, Any]:
    """Add a warehouse with a zero balance row for every item (active or not); the code is unique.

    The new rows are not put through the low-stock rule: an empty new warehouse changes neither an item's
    available stock nor its reorder point; the first move into it does. Publishes WarehouseCreated.
    """
    taken = WarehouseCodeTaken(f"warehouse code {cmd.code} is already taken", errors={"code": ["already taken"]})
    with db.unit_of_work() as session:
        _catalog_lock(session)
        if get_warehouse(session, cmd.code) is not None:
            raise taken
        try:
            warehouse = _insert_warehouse(session, cmd.code, cmd.name, cmd.valuation_method, active=True)
        except IntegrityError:
            if get_warehouse(session, cmd.code) is not None:
                raise taken from None
            raise
        session.commit()
    return warehouse


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
    _catalog_lock(session)
    if get_warehouse(session, code) is not None:
        return False
    _insert_warehouse(
        session, code, unlisted_warehouse_name(code, document_ref), DEFAULT_VALUATION_METHOD, active=False
    )
    _log.warning("warehouse %s is not listed: created it inactive to book %s", code, document_ref)
    return True


def warehouse_is_listed(session: Session, code: str) -> bool:
    return session.execute(select(warehouses.c.code).where(warehouses.c.code == code)).first() is not None


def update_warehouse(db: Database, code: str, requested: Mapping[str, Any]) -> dict[str, Any]:
    """Rename, (de)activate or switch the valuation method of a warehouse; publishes WarehouseUpdated.

    Both moving-average and FIFO values are always kept for every move, balance and layer, so switching the
    method loses nothing and needs no revaluation; it changes which of the two values the books use from now on
    (the unit cost of later issues and the value finance is told about). Moves already posted keep the cost they
    were posted at. A request that changes nothing answers the warehouse as it is, with the same version and
    no event.
    """
    with db.unit_of_work() as session:
        row = session.execute(select(warehouses).where(warehouses.c.code == code).with_for_update()).first()
        if row is None:
            raise WarehouseNotFound(f"warehouse {code} does not exist")
        current = _warehouse(row)
        changes = changed_fields(current, requested, WAREHOUSE_MUTABLE_FIELDS)
        if not changes:
            return current
        session.execute(
            update(warehouses)
            .where(warehouses.c.code == code)
            .values(**changes, version=warehouse_version_after(current["version"], changes), updated_at=utcnow())
        )
        warehouse = get_warehouse(session, code)
        assert warehouse is not None
        _publish_warehouse(session, WAREHOUSE_UPDATED_V1, warehouse)
        session.commit()
    return warehouse


def deactivate_warehouse(db: Database, code: str) -> dict[str, Any]:
    """Mark the warehouse inactive (never deleted): no new document may name it. Already inactive: unchanged."""
    return update_warehouse(db, code, {"active": False})


__all__ = [
    "CATALOG_LOCK",
    "create_item",
    "create_warehouse",
    "deactivate_item",
    "deactivate_warehouse",
    "ensure_warehouse",
    "get_item",
    "get_warehouse",
    "list_items",
    "list_warehouses",
    "update_item",
    "update_warehouse",
]
