"""Supplier commands: register, change, add a price-list entry (the SQL is adapters/suppliers.py and
adapters/prices.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.types import utcnow
from psi_purchasing import config
from psi_purchasing.adapters import prices, queries
from psi_purchasing.adapters import suppliers as store
from psi_purchasing.domain.commands import CreateSupplier
from psi_purchasing.domain.errors import RuleViolation, SupplierCodeTaken, SupplierNotFound
from psi_purchasing.domain.model import SupplierStatus


def _view(session: Session, supplier_id: int) -> dict[str, Any]:
    view = queries.supplier(session, supplier_id)
    assert view is not None
    return view


def create_supplier(db: Database, cmd: CreateSupplier) -> dict[str, Any]:
    """Register a supplier; its code is unique (checked first, and again by the unique index under a race)."""
    status = SupplierStatus(cmd.status)
    taken = SupplierCodeTaken(f"supplier code {cmd.code} is already taken", errors={"code": ["already taken"]})

    def work(session: Session) -> dict[str, Any]:
        if store.supplier_code_exists(session, cmd.code):
            raise taken
        now = utcnow()
        values = {
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
        }
        supplier_id = store.add_supplier(session, values)
        if supplier_id is None:
            raise taken
        return _view(session, supplier_id)

    return run_command(db, work)


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

    def work(session: Session) -> dict[str, Any]:
        if not store.lock_supplier(session, supplier_id):
            raise SupplierNotFound(f"supplier {supplier_id} does not exist")
        store.update_supplier(session, supplier_id, {**changes, "updated_at": utcnow()})
        return _view(session, supplier_id)

    return run_command(db, work)


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

    def work(session: Session) -> dict[str, Any]:
        supplier = store.get_supplier(session, supplier_id)
        if supplier is None:
            raise SupplierNotFound(f"supplier {supplier_id} does not exist")
        price_id = prices.add_price(
            session,
            {
                "supplier_id": supplier_id,
                "sku": sku,
                "currency": currency or supplier.currency,
                "unit_price": unit_price,
                "min_quantity": min_quantity,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "preferred": preferred,
                "created_at": utcnow(),
            },
        )
        view = queries.supplier_price(session, price_id)
        assert view is not None
        return view

    return run_command(db, work)
