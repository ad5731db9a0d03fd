"""The SQL of suppliers: existence, insert and change (their price lists are adapters/prices.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from psi_purchasing.adapters.tables import suppliers
from psi_purchasing.domain.model import Supplier


def get_supplier(session: Session, supplier_id: int) -> Supplier | None:
    row = session.execute(
        select(suppliers.c.id, suppliers.c.code, suppliers.c.currency, suppliers.c.status).where(
            suppliers.c.id == supplier_id
        )
    ).first()
    if row is None:
        return None
    return Supplier(id=row.id, code=row.code, currency=row.currency, status=row.status)


def supplier_code_exists(session: Session, code: str) -> bool:
    return session.execute(select(suppliers.c.id).where(suppliers.c.code == code)).first() is not None


def add_supplier(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a supplier; None when its code was taken meanwhile (the unique index decides under a race). Any
    other integrity error is raised."""
    try:
        with session.begin_nested():
            return int(session.execute(insert(suppliers).values(**values)).inserted_primary_key[0])
    except IntegrityError:
        if supplier_code_exists(session, values["code"]):
            return None
        raise


def lock_supplier(session: Session, supplier_id: int) -> bool:
    """Hold the supplier's row lock until the transaction ends; False when there is no such supplier."""
    found = session.execute(select(suppliers.c.id).where(suppliers.c.id == supplier_id).with_for_update()).first()
    return found is not None


def update_supplier(session: Session, supplier_id: int, values: dict[str, Any]) -> None:
    session.execute(update(suppliers).where(suppliers.c.id == supplier_id).values(**values))
