"""Customer and customer-class commands: each one transaction through ``psi_chassis.db.run_command``."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from psi_chassis.db import Database, run_command
from psi_chassis.types import utcnow
from psi_sales.adapters import customers as store
from psi_sales.domain.commands import Actor, ChangeCustomerStatus, CreateCustomer, CreateCustomerClass
from psi_sales.domain.customer import (
    CustomerStatus,
    check_credit_terms_change,
    check_status_change,
    initial_credit_limit,
)
from psi_sales.domain.errors import (
    CustomerClassNotFound,
    CustomerClassTaken,
    CustomerCodeTaken,
    CustomerNotFound,
    UnknownCustomerClass,
)


def _require_class(session: Session, class_code: str | None) -> None:
    if class_code is not None and store.customer_class(session, class_code) is None:
        raise UnknownCustomerClass(
            f"customer class {class_code} does not exist", errors={"class_code": [f"unknown class {class_code!r}"]}
        )


def _customer(session: Session, customer_id: int, *, lock: bool = False) -> dict[str, Any]:
    found = store.customer(session, customer_id, lock=lock)
    if found is None:
        raise CustomerNotFound(f"customer {customer_id} does not exist")
    return found


def create_customer(db: Database, cmd: CreateCustomer, actor: Actor, base_currency: str) -> dict[str, Any]:
    """Register an active customer; its code is unique. A ``sales`` user's customer starts cash only."""
    credit_limit = initial_credit_limit(cmd.credit_limit, actor.roles)

    def work(session: Session) -> dict[str, Any]:
        _require_class(session, cmd.class_code)
        now = utcnow()
        values = {**asdict(cmd), "currency": cmd.currency or base_currency, "credit_limit": credit_limit}
        values.update(status=str(CustomerStatus.ACTIVE), version=1, created_at=now, updated_at=now)
        customer_id = store.add_customer(session, values)
        if customer_id is None:
            raise CustomerCodeTaken(f"customer code {cmd.code} is already taken", errors={"code": ["already taken"]})
        store.log_status_change(session, customer_id, None, str(CustomerStatus.ACTIVE), None, actor.username, now)
        return _customer(session, customer_id)

    return run_command(db, work)


#: What PATCH /customers/<id> may change (the code is the customer's identity; the status has its own route).
EDITABLE = frozenset(
    {
        "name",
        "class_code",
        "channel",
        "currency",
        "payment_terms_days",
        "credit_limit",
        "salesperson",
        "contacts",
        "billing_address",
        "shipping_address",
    }
)


def update_customer(db: Database, customer_id: int, changes: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Change a customer's details; the credit limit only by a sales manager."""
    assert set(changes) <= EDITABLE
    check_credit_terms_change(changes, actor.roles)

    def work(session: Session) -> dict[str, Any]:
        _customer(session, customer_id, lock=True)
        if "class_code" in changes:
            _require_class(session, changes["class_code"])
        store.update_customer(session, customer_id, {**changes, "updated_at": utcnow()})
        return _customer(session, customer_id)

    return run_command(db, work)


def change_customer_status(db: Database, cmd: ChangeCustomerStatus, actor: Actor) -> dict[str, Any]:
    """Activate, hold or block a customer (a sales manager's decision), logged with who, when and why."""
    new = CustomerStatus(cmd.status)
    check_credit_terms_change({"status": new}, actor.roles)

    def work(session: Session) -> dict[str, Any]:
        current = CustomerStatus(_customer(session, cmd.customer_id, lock=True)["status"])
        check_status_change(current, new, cmd.reason)
        now = utcnow()
        store.update_customer(session, cmd.customer_id, {"status": str(new), "updated_at": now})
        store.log_status_change(session, cmd.customer_id, str(current), str(new), cmd.reason, actor.username, now)
        return _customer(session, cmd.customer_id)

    return run_command(db, work)


def customer_with_history(db: Database, customer_id: int) -> dict[str, Any]:
    with db.unit_of_work() as session:
        found = _customer(session, customer_id)
        return {**found, "status_history": store.status_changes(session, customer_id)}


def create_customer_class(db: Database, cmd: CreateCustomerClass) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        now = utcnow()
        if not store.add_class(session, {**asdict(cmd), "created_at": now, "updated_at": now}):
            raise CustomerClassTaken(f"customer class {cmd.code} already exists", errors={"code": ["already taken"]})
        found = store.customer_class(session, cmd.code)
        assert found is not None
        return found

    return run_command(db, work)


def update_customer_class(db: Database, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    def work(session: Session) -> dict[str, Any]:
        if not store.update_class(session, code, {**changes, "updated_at": utcnow()}):
            raise CustomerClassNotFound(f"customer class {code} does not exist")
        found = store.customer_class(session, code)
        assert found is not None
        return found

    return run_command(db, work)
