"""The chart of accounts' commands: each one transaction through ``psi_chassis.db.run_command``.

A code names one account for ever (the primary key: never renamed, never given to another account while the
account exists; an account with postings is never deleted, it is deactivated). A role is held by one account; an
account given a role takes it from the account that held it, in the same transaction, so the posting rules
always find one (``account_for``). An account holding a role is neither deactivated nor deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.types import utcnow
from psi_finance.adapters import accounts as store
from psi_finance.domain.commands import CreateAccount
from psi_finance.domain.errors import AccountCodeTaken, AccountHasRole, AccountInUse, AccountNotFound


def _account(session: Session, code: str, *, lock: bool = False) -> dict[str, Any]:
    found = store.account(session, code, lock=lock)
    if found is None:
        raise AccountNotFound(f"account {code} does not exist")
    return found


def create_account(db: Database, cmd: CreateAccount) -> dict[str, Any]:
    """Add an active account; with a role, it takes the role from the account that held it."""

    def work(session: Session) -> dict[str, Any]:
        now = utcnow()
        if cmd.role is not None:
            store.release_role(session, cmd.role.value, now)
        values = {
            "code": cmd.code,
            "name": cmd.name,
            "type": cmd.type.value,
            "role": cmd.role.value if cmd.role else None,
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        if not store.add_account(session, values):
            raise AccountCodeTaken(f"account code {cmd.code} is taken", errors={"code": ["already taken"]})
        return _account(session, cmd.code)

    return run_command(db, work)


#: What PATCH /accounts/<code> may change (the code and the type are the account's identity).
EDITABLE = frozenset({"name", "active", "role"})


def update_account(db: Database, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Rename, (de)activate or give a role to an account; a deactivated account takes no new postings."""
    assert set(changes) <= EDITABLE

    def work(session: Session) -> dict[str, Any]:
        current = _account(session, code, lock=True)
        now = utcnow()
        role = changes.get("role", current["role"])
        if not changes.get("active", current["active"]) and role is not None:
            raise AccountHasRole(
                f"account {code} holds the role {role}: give the role to another account before deactivating it",
                errors={"active": [f"holds the role {role}"]},
            )
        if "role" in changes and changes["role"] != current["role"]:
            store.release_role(session, changes["role"], now)
        store.update_account(session, code, {**changes, "updated_at": now})
        return _account(session, code)

    return run_command(db, work)


def delete_account(db: Database, code: str) -> None:
    """Delete an account nothing was ever posted to (a typing mistake); one with postings is deactivated instead.

    The account's row is locked first: a posting naming it waits (its line's foreign key), so none slips in
    between the check and the delete.
    """

    def work(session: Session) -> None:
        current = _account(session, code, lock=True)
        if current["role"] is not None:
            raise AccountHasRole(f"account {code} holds the role {current['role']}: give it to another account first")
        if store.has_lines(session, code):
            raise AccountInUse(f"account {code} has postings: it is never deleted (deactivate it instead)")
        store.delete_account(session, code)

    run_command(db, work)


def get_account(db: Database, code: str) -> dict[str, Any]:
    with db.unit_of_work() as session:
        return _account(session, code)
