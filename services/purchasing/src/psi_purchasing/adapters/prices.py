"""The SQL of supplier price lists: which entries are candidates for a price (the choice is domain/pricing.py)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from psi_purchasing.adapters.tables import supplier_prices, suppliers
from psi_purchasing.domain.pricing import PriceEntry

_sp = supplier_prices.c
_ENTRY = (
    _sp.id,
    _sp.supplier_id,
    _sp.sku,
    _sp.currency,
    _sp.unit_price,
    _sp.min_quantity,
    _sp.valid_from,
    _sp.valid_to,
    _sp.preferred,
)


def _entry(row: Any) -> PriceEntry:
    return PriceEntry(
        id=row.id,
        supplier_id=row.supplier_id,
        sku=row.sku,
        currency=row.currency,
        unit_price=row.unit_price,
        min_quantity=row.min_quantity,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        preferred=bool(row.preferred),
    )


def applicable_prices(
    session: Session,
    sku: str,
    on: date,
    quantity: Decimal,
    *,
    supplier_id: int | None = None,
    currency: str | None = None,
    active_suppliers: bool = False,
) -> list[PriceEntry]:
    """The entries for ``sku`` valid on ``on`` whose minimum ``quantity`` reaches (domain/pricing.applies),
    optionally of one supplier, in one currency, or of active suppliers only; oldest first."""
    query = select(*_ENTRY).where(
        _sp.sku == sku,
        _sp.valid_from <= on,
        or_(_sp.valid_to.is_(None), _sp.valid_to >= on),
        _sp.min_quantity <= quantity,
    )
    if active_suppliers:
        query = query.join(suppliers, suppliers.c.id == _sp.supplier_id).where(suppliers.c.status == "active")
    if supplier_id is not None:
        query = query.where(_sp.supplier_id == supplier_id)
    if currency is not None:
        query = query.where(_sp.currency == currency)
    return [_entry(row) for row in session.execute(query.order_by(_sp.id))]


def prices_by_supplier_and_sku(
    session: Session, supplier_ids: Collection[int], skus: Collection[str]
) -> dict[tuple[int, str], list[PriceEntry]]:
    """Every entry of these suppliers for these SKUs, whatever its validity (the scorecard picks per line)."""
    found: dict[tuple[int, str], list[PriceEntry]] = {}
    if not skus:
        return found
    rows = session.execute(select(*_ENTRY).where(_sp.supplier_id.in_(supplier_ids), _sp.sku.in_(skus))).all()
    for row in rows:
        found.setdefault((row.supplier_id, row.sku), []).append(_entry(row))
    return found


def add_price(session: Session, values: dict[str, Any]) -> int:
    return int(session.execute(insert(supplier_prices).values(**values)).inserted_primary_key[0])
