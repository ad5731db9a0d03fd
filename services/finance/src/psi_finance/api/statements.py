"""Financial statements (财务报表): /api/v1/finance/statements/... as JSON, CSV (``?format=csv``) or XLSX
(``?format=xlsx``), and the statements kept at period close (also as files)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import filters_of, page_of
from psi_chassis.app import current_db
from psi_chassis.types import utcnow
from psi_finance.api import exports
from psi_finance.api.schemas import (
    AgingArgs,
    ApAgingSchema,
    ArAgingSchema,
    BalanceSheetArgs,
    BalanceSheetSchema,
    CustomerStatementSchema,
    KeptStatementArgs,
    KeptStatementDetailSchema,
    KeptStatementFileArgs,
    KeptStatementPage,
    PartyStatementArgs,
    ProfitAndLossArgs,
    ProfitAndLossSchema,
    SupplierStatementSchema,
    TrialBalanceSchema,
)
from psi_finance.domain.statements import KeptKind
from psi_finance.service import statements as service

blp = Blueprint(
    "statements",
    __name__,
    url_prefix="/api/v1/finance/statements",
    description="Financial statements (财务报表): P&L, balance sheet, AR and AP aging, customer and supplier accounts",
)

Answer = dict[str, Any] | Response


@blp.route("/profit-and-loss")
class ProfitAndLoss(MethodView):
    @blp.arguments(ProfitAndLossArgs, location="query")
    @blp.response(200, ProfitAndLossSchema)
    @blp.doc(responses=exports.FILE_RESPONSES)
    def get(self, args: dict[str, Any]) -> Answer:
        """利润表: revenue less sales returns, cost of goods sold, gross profit, each operating expense, the
        operating result, FX and financial items, net profit. `period`: what was posted into that month (as
        closed); else what is dated from `date_from` (default the first of the month) to `date_to` (default
        today)."""
        window = (args.get("period"), args.get("date_from"), args.get("date_to"))
        found = service.profit_and_loss_report(current_db(), *window, utcnow().date())
        return exports.answer(found, args["format"], "profit-and-loss", exports.profit_and_loss_sheets)


@blp.route("/balance-sheet")
class BalanceSheet(MethodView):
    @blp.arguments(BalanceSheetArgs, location="query")
    @blp.response(200, BalanceSheetSchema)
    @blp.doc(responses=exports.FILE_RESPONSES)
    def get(self, args: dict[str, Any]) -> Answer:
        """资产负债表: assets, liabilities and equity, the year's result not closed into retained earnings as an
        equity line of its own (and the earlier years' in another), so assets = liabilities + equity. `as_of`:
        what is dated up to that day (default today); `period`: what was posted into the periods up to it."""
        found = service.balance_sheet_report(current_db(), args.get("period"), args.get("as_of"), utcnow().date())
        return exports.answer(found, args["format"], "balance-sheet", exports.balance_sheet_sheets)


@blp.route("/ar-aging")
class ArAging(MethodView):
    @blp.arguments(AgingArgs, location="query")
    @blp.response(200, ArAgingSchema)
    @blp.doc(responses=exports.FILE_RESPONSES)
    def get(self, args: dict[str, Any]) -> Answer:
        """应收账龄: each customer's open invoices by days past due on `as_of` (default today): current (not yet
        due or due that day), 1-30, 31-60, 61-90, over 90; open credit notes lower the customer's total in a
        column of their own. Each customer's documents and the totals."""
        found = service.ar_aging_report(current_db(), args.get("as_of"), utcnow().date())
        return exports.answer(found, args["format"], "ar-aging", exports.ar_aging_sheets)


@blp.route("/ap-aging")
class ApAging(MethodView):
    @blp.arguments(AgingArgs, location="query")
    @blp.response(200, ApAgingSchema)
    @blp.doc(responses=exports.FILE_RESPONSES)
    def get(self, args: dict[str, Any]) -> Answer:
        """应付账龄: each supplier's open bills by days past due on `as_of` (default today), in the buckets of
        the AR aging; the documents and the totals."""
        found = service.ap_aging_report(current_db(), args.get("as_of"), utcnow().date())
        return exports.answer(found, args["format"], "ap-aging", exports.ap_aging_sheets)


@blp.route("/customers/<string:customer_id>")
class CustomerStatement(MethodView):
    @blp.arguments(PartyStatementArgs, location="query")
    @blp.response(200, CustomerStatementSchema)
    @blp.doc(responses=exports.FILE_RESPONSES)
    def get(self, args: dict[str, Any], customer_id: str) -> Answer:
        """对账单: a customer's invoices and credit notes issued from `date_from` (default the first of the month)
        to `date_to` (default today), the balance before, after each document and at the end. A customer
        finance has no document of has an empty statement."""
        window = (args.get("date_from"), args.get("date_to"))
        found = service.customer_statement(current_db(), customer_id, *window, utcnow().date())
        return exports.answer(found, args["format"], "customer-statement", exports.customer_statement_sheets)


@blp.route("/suppliers/<string:supplier_id>")
class SupplierStatement(MethodView):
    @blp.arguments(PartyStatementArgs, location="query")
    @blp.response(200, SupplierStatementSchema)
    @blp.doc(responses=exports.FILE_RESPONSES)
    def get(self, args: dict[str, Any], supplier_id: str) -> Answer:
        """供应商对账单: a supplier's bills (credits, as the books post them) issued from `date_from` (default the
        first of the month) to `date_to` (default today), the balance before, after each and at the end."""
        window = (args.get("date_from"), args.get("date_to"))
        found = service.supplier_statement(current_db(), supplier_id, *window, utcnow().date())
        return exports.answer(found, args["format"], "supplier-statement", exports.supplier_statement_sheets)


@blp.route("/kept")
class KeptStatements(MethodView):
    @blp.arguments(KeptStatementArgs, location="query")
    @blp.response(200, KeptStatementPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The statements kept when periods were closed (trial balance, profit and loss, balance sheet), newest
        period first; a period closed again after a reopen keeps each close's, numbered by `version`."""
        items, total = service.list_kept(current_db(), filters_of(args), args["page"], args["page_size"])
        return page_of(items, args, total)


@blp.route("/kept/<int:statement_id>")
class KeptStatement(MethodView):
    @blp.arguments(KeptStatementFileArgs, location="query")
    @blp.response(200, KeptStatementDetailSchema)
    @blp.doc(responses=exports.FILE_RESPONSES)
    @blp.alt_response(404, description="STATEMENT_NOT_FOUND")
    def get(self, args: dict[str, Any], statement_id: int) -> Answer:
        """One kept statement with its body as its route showed it when the period was closed; as CSV or XLSX,
        the body laid out as that route lays it out."""
        found = service.kept_statement(current_db(), statement_id)
        if args["format"] == "json":
            return found
        schema, layout = _KEPT_FILES[found["kind"]]
        name = f"{found['kind'].replace('_', '-')}-kept-v{found['version']}"
        return exports.answer(schema().load(found["body"]), args["format"], name, layout)


#: How a kept statement's body is read back (its route's schema) and laid out as a file.
_KEPT_FILES = {
    KeptKind.TRIAL_BALANCE.value: (TrialBalanceSchema, exports.trial_balance_sheets),
    KeptKind.PROFIT_AND_LOSS.value: (ProfitAndLossSchema, exports.profit_and_loss_sheets),
    KeptKind.BALANCE_SHEET.value: (BalanceSheetSchema, exports.balance_sheet_sheets),
}
