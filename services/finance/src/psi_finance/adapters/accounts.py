"""Every statement about the chart of accounts: the codes that take postings, roles, writes and the list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from psi_chassis.db import insert_on_conflict
from psi_chassis.paging import fetch_page
from psi_finance.adapters.tables import accounts, journal_lines
from psi_finance.domain.chart import Account, AccountType, Role


def account_view(row: Any) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "type": row.type,
        "role": row.role,
        "active": row.active,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
    }


def account(session: Session, code: str, *, lock: bool = False) -> dict[str, Any] | None:
    query = select(accounts).where(accounts.c.code == code)
    row = session.execute(query.with_for_update() if lock else query).first()
    return None if row is None else account_view(row)


def existing_codes(session: Session, codes: Iterable[str], *, active_only: bool) -> set[str]:
    """Which of ``codes`` name an account (an active one, with ``active_only``)."""
    query = select(accounts.c.code).where(accounts.c.code.in_(set(codes)))
    if active_only:
        query = query.where(accounts.c.active.is_(True))
    return set(session.execute(query).scalars())


def code_for_role(session: Session, role: Role) -> str | None:
    query = select(accounts.c.code).where(accounts.c.role == role.value, accounts.c.active.is_(True))
    return session.execute(query).scalar()


def all_accounts(session: Session) -> list[Account]:
    rows = session.execute(select(accounts).order_by(accounts.c.code)).all()
    return [Account(r.code, r.name, AccountType(r.type), Role(r.role) if r.role else None) for r in rows]


def add_account(session: Session, values: dict[str, Any]) -> bool:
    """Insert an account; False when its code is taken (the primary key decides, so a race cannot pass)."""
    stmt = insert_on_conflict(session, accounts).values(**values).on_conflict_do_nothing(index_elements=["code"])
    return bool(session.execute(stmt.returning(accounts.c.code)).scalar())


def release_role(session: Session, role: str, now: Any) -> None:
    """The account holding ``role`` gives it up (another account is about to take it)."""
    session.execute(update(accounts).where(accounts.c.role == role).values(role=None, updated_at=now))


def update_account(session: Session, code: str, values: dict[str, Any]) -> None:
    session.execute(update(accounts).where(accounts.c.code == code).values(**values))


def has_lines(session: Session, code: str) -> bool:
    return bool(session.execute(select(exists().where(journal_lines.c.account == code))).scalar())


def delete_account(session: Session, code: str) -> None:
    session.execute(delete(accounts).where(accounts.c.code == code))


def list_accounts(
    session: Session, filters: dict[str, Any], page: int, page_size: int
) -> tuple[list[dict[str, Any]], int]:
    """Accounts by code; by type, active, role held or not."""
    query = select(accounts)
    for name in ("type", "active"):
        if filters.get(name) is not None:
            query = query.where(accounts.c[name] == filters[name])
    if filters.get("has_role") is not None:
        query = query.where(accounts.c.role.is_not(None) if filters["has_role"] else accounts.c.role.is_(None))
    rows, total = fetch_page(session, query, accounts.c.code, page, page_size)
    return [account_view(r) for r in rows], total
