"""Supplier commands."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from psi_chassis.db import Database
from psi_chassis.types import utcnow
from psi_purchasing.adapters import repository
from psi_purchasing.domain.commands import CreateSupplier
from psi_purchasing.domain.errors import SupplierCodeTaken
from psi_purchasing.domain.model import SupplierStatus
from psi_purchasing.service import queries


def create_supplier(db: Database, cmd: CreateSupplier) -> dict[str, Any]:
    """Register a supplier; its code is unique (checked first, and again by the unique index under a race)."""
    status = SupplierStatus(cmd.status)
    taken = SupplierCodeTaken(
        f"supplier code {cmd.code} is already taken", errors={"code": ["already taken"]}
    )
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
                        "currency": cmd.currency,
                        "payment_terms_days": cmd.payment_terms_days,
                        "status": str(status),
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
