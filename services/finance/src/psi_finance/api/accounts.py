"""The chart of accounts and each account's ledger: /api/v1/finance/accounts."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import filters_of, page_of
from psi_chassis.app import current_db, runtime
from psi_finance.adapters import accounts as store
from psi_finance.api.schemas import (
    AccountCreateSchema,
    AccountPage,
    AccountQueryArgs,
    AccountSchema,
    AccountUpdateSchema,
    LedgerArgs,
    LedgerSchema,
)
from psi_finance.domain.chart import AccountType, Role
from psi_finance.domain.commands import CreateAccount
from psi_finance.service import accounts as service
from psi_finance.service import reports

blp = Blueprint(
    "accounts", __name__, url_prefix="/api/v1/finance/accounts", description="The chart of accounts (会计科目表)"
)


@blp.route("")
class Accounts(MethodView):
    @blp.arguments(AccountQueryArgs, location="query")
    @blp.response(200, AccountPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Accounts by code; by type, active, and whether they hold a role."""
        with current_db().unit_of_work() as session:
            items, total = store.list_accounts(session, filters_of(args), args["page"], args["page_size"])
        return page_of(items, args, total)

    @blp.arguments(AccountCreateSchema)
    @blp.response(201, AccountSchema)
    @blp.alt_response(409, description="ACCOUNT_CODE_TAKEN (a deactivated account keeps its code)")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Add an active account; with a role, it takes the role from the account that held it."""
        role = Role(body["role"]) if body["role"] else None
        cmd = CreateAccount(body["code"], body["name"], AccountType(body["type"]), role)
        found = service.create_account(current_db(), cmd)
        return found, {"Location": url_for("accounts.AccountByCode", code=found["code"])}


@blp.route("/<string:code>")
class AccountByCode(MethodView):
    @blp.response(200, AccountSchema)
    @blp.alt_response(404, description="ACCOUNT_NOT_FOUND")
    def get(self, code: str) -> dict[str, Any]:
        """One account."""
        return service.get_account(current_db(), code)

    @blp.arguments(AccountUpdateSchema)
    @blp.response(200, AccountSchema)
    @blp.alt_response(404, description="ACCOUNT_NOT_FOUND")
    @blp.alt_response(409, description="ACCOUNT_HAS_ROLE: an account holding a role stays active")
    def patch(self, body: dict[str, Any], code: str) -> dict[str, Any]:
        """Rename, deactivate (no new postings; its balance stays) or reactivate an account, or give it a role."""
        return service.update_account(current_db(), code, body)

    @blp.response(204)
    @blp.alt_response(404, description="ACCOUNT_NOT_FOUND")
    @blp.alt_response(409, description="ACCOUNT_IN_USE: it has postings (deactivate it); ACCOUNT_HAS_ROLE")
    def delete(self, code: str) -> None:
        """Delete an account nothing was ever posted to; one with postings is deactivated instead."""
        service.delete_account(current_db(), code)


@blp.route("/<string:code>/ledger")
class AccountLedger(MethodView):
    @blp.arguments(LedgerArgs, location="query")
    @blp.response(200, LedgerSchema)
    @blp.alt_response(404, description="ACCOUNT_NOT_FOUND")
    def get(self, args: dict[str, Any], code: str) -> dict[str, Any]:
        """The account's lines by business date with the balance after each (debit positive), from its balance
        before `date_from`; `party` narrows it to one customer or supplier."""
        found = reports.account_ledger(current_db(), code, filters_of(args), args["page"], args["page_size"])
        return {**found, "currency": runtime().settings.base_currency}
