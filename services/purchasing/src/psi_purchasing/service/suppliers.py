"""Supplier commands."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from psi_chassis.db import Database
from psi_chassis.types import utcnow
from psi_purchasing import config
from psi_purchasing.adapters import repository
from psi_purchasing.adapters.tables import supplier_prices, suppliers
from psi_purchasing.domain.commands import CreateSupplier
from psi_purchasing.domain.errors import RuleViolation, SupplierCodeTaken, SupplierNotFound
from psi_purchasing.domain.model import SupplierStatus
from psi_purchasing.service import queries


def create_supplier(db: Database, cmd: CreateSupplier) -> dict[str, Any]:
    """Register a supplier; its code is unique (checked first, and again by the unique index under a race)."""
    status = SupplierStatus(cmd.status)
    taken = SupplierCodeTaken(f"supplier code {cmd.code} is already taken", errors={"code": ["already taken"]})
    with db.unit_of_work() as session:
        if repository.supplier_code_exists(session, cmd.code):
            raise taken
        now = utcnow()
        try:
            with session.begin_nested():
                supplier_id = repository.add_supplier(
                    session,
                    {
                        "code": cmd.code,
                        "name": cmd.name,
                        "currency": cmd.currency or config.base_currency(),
                        "payment_terms_days": cmd.payment_terms_days,
                        "status": str(status),
                        "contact_name": cmd.contact_name,
                        "contact_email": cmd.contact_email,
                        "contact_phone": cmd.contact_phone,
                        "lead_time_days": cmd.lead_time_days,
                        "created_at": now,
                        "updated_at": now,
                    },
                )
        except IntegrityError:
            if repository.supplier_code_exists(session, cmd.code):
                raise taken from None
            raise
        view = queries.supplier(session, supplier_id)
        session.commit()
    assert view is not None
    return view


#: What PATCH /suppliers/<id> may change (the code is the supplier's identity and stays).
EDITABLE = frozenset(
    {
        "name",
        "contact_name",
        "contact_email",
        "contact_phone",
        "currency",
        "payment_terms_days",
        "lead_time_days",
        "status",
    }
)


def update_supplier(db: Database, supplier_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a supplier's details or status; a blocked supplier gets no new orders (existing ones go on)."""
    assert set(changes) <= EDITABLE
    if "status" in changes:
        changes["status"] = str(SupplierStatus(changes["status"]))
    with db.unit_of_work() as session:
        found = session.execute(select(suppliers.c.id).where(suppliers.c.id == supplier_id).with_for_update()).first()
        if found is None:
            raise SupplierNotFound(f"supplier {supplier_id} does not exist")
        session.execute(update(suppliers).where(suppliers.c.id == supplier_id).values(**changes, updated_at=utcnow()))
        view = queries.supplier(session, supplier_id)
        session.commit()
    assert view is not None
    return view


def add_price(
    db: Database,
    supplier_id: int,
    *,
    sku: str,
    unit_price: Decimal,
    currency: str | None = None,
    min_quantity: Decimal,
    valid_from: date,
    valid_to: date | None,
    preferred: bool,
) -> dict[str, Any]:
    """Add an entry to a supplier's price list (in the supplier's currency unless another is given)."""
    if valid_to is not None and valid_to < valid_from:
        raise RuleViolation("valid_to is before valid_from", errors={"valid_to": ["must be on or after valid_from"]})
    with db.unit_of_work() as session:
        supplier = repository.get_supplier(session, supplier_id)
        if supplier is None:
            raise SupplierNotFound(f"supplier {supplier_id} does not exist")
        price_id = int(
            session.execute(
                insert(supplier_prices).values(
                    supplier_id=supplier_id,
                    sku=sku,
                    currency=currency or supplier.currency,
                    unit_price=unit_price,
                    min_quantity=min_quantity,
                    valid_from=valid_from,
                    valid_to=valid_to,
                    preferred=preferred,
                    created_at=utcnow(),
                )
            ).inserted_primary_key[0]
        )
        view = queries.supplier_price(session, price_id)
        session.commit()
    assert view is not None
    return view
