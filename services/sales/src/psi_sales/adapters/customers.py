"""Every statement about customers and customer classes: writes, the views the API answers with, the lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from psi_chassis.paging import fetch_page
from psi_sales.adapters.tables import customer_classes, customer_status_changes, customers

# --- customer classes ---------------------------------------------------------------------------------------


def class_view(row: Any) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def customer_class(session: Session, code: str) -> dict[str, Any] | None:
    row = session.execute(select(customer_classes).where(customer_classes.c.code == code)).first()
    return None if row is None else class_view(row)


def add_class(session: Session, values: dict[str, Any]) -> bool:
    """Insert a class; False when its code is taken (checked by the primary key, so a race cannot pass)."""
    try:
        with session.begin_nested():
            session.execute(insert(customer_classes).values(**values))
    except IntegrityError:
        if customer_class(session, values["code"]) is not None:
            return False
        raise
    return True


def update_class(session: Session, code: str, values: dict[str, Any]) -> bool:
    result = session.execute(update(customer_classes).where(customer_classes.c.code == code).values(**values))
    return bool(result.rowcount)


def list_classes(session: Session, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    rows, total = fetch_page(session, select(customer_classes), customer_classes.c.code, page, page_size)
    return [class_view(r) for r in rows], total


# --- customers ----------------------------------------------------------------------------------------------


def customer_view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "code": row.code,
        "name": row.name,
        "class_code": row.class_code,
        "channel": row.channel,
        "currency": row.currency,
        "payment_terms_days": row.payment_terms_days,
        "credit_limit": row.credit_limit,
        "salesperson": row.salesperson,
        "status": row.status,
        "contacts": row.contacts,
        "billing_address": row.billing_address,
        "shipping_address": row.shipping_address,
        "version": row.version,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def customer(session: Session, customer_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    query = select(customers).where(customers.c.id == customer_id)
    row = session.execute(query.with_for_update() if lock else query).first()
    return None if row is None else customer_view(row)


def add_customer(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a customer; None when its code is taken (the unique index decides, so a race cannot pass)."""
    try:
        with session.begin_nested():
            return int(session.execute(insert(customers).values(**values).returning(customers.c.id)).scalar_one())
    except IntegrityError:
        if session.execute(select(customers.c.id).where(customers.c.code == values["code"])).first() is not None:
            return None
        raise


def update_customer(session: Session, customer_id: int, values: dict[str, Any]) -> None:
    session.execute(
        update(customers).where(customers.c.id == customer_id).values(**values, version=customers.c.version + 1)
    )


def log_status_change(
    session: Session,
    customer_id: int,
    from_status: str | None,
    to_status: str,
    reason: str | None,
    actor: str,
    at: datetime,
) -> None:
    session.execute(
        insert(customer_status_changes).values(
            customer_id=customer_id,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            actor=actor,
            changed_at=at,
        )
    )


def status_changes(session: Session, customer_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(customer_status_changes)
        .where(customer_status_changes.c.customer_id == customer_id)
        .order_by(customer_status_changes.c.id)
    ).all()
    return [
        {
            "from_status": r.from_status,
            "to_status": r.to_status,
            "reason": r.reason,
            "actor": r.actor,
            "changed_at": r.changed_at,
        }
        for r in rows
    ]


def _filtered(filters: dict[str, Any]) -> Select[Any]:
    query = select(customers)
    for name in ("status", "class_code", "channel", "salesperson", "currency"):
        if filters.get(name) is not None:
            query = query.where(customers.c[name] == filters[name])
    if filters.get("q"):
        # A search box: the code or the name contains the text, case-insensitively (LIKE's wildcards escaped).
        needle = "%" + filters["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(customers.c.code.ilike(needle, escape="\\"), customers.c.name.ilike(needle, escape="\\"))
        )
    return query


def list_customers(
    session: Session, filters: dict[str, Any], page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Customers by code, filtered by status, class, channel, salesperson and currency, searched by ``q``."""
    rows, total = fetch_page(session, _filtered(filters), customers.c.code, page, page_size)
    return [customer_view(r) for r in rows], total
