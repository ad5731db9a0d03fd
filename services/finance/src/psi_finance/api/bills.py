"""Supplier bills and the exception queue: /api/v1/finance/supplier-bills and /api/v1/finance/bill-exceptions."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import filters_of, page_of
from psi_chassis.app import current_db
from psi_chassis.web import current_actor
from psi_finance.api.schemas import (
    BillCreateSchema,
    BillExceptionArgs,
    BillPage,
    BillQueryArgs,
    BillResolveSchema,
    BillSchema,
)
from psi_finance.domain.payables import BillStatus, EnterSupplierBill, ResolveBill
from psi_finance.domain.three_way_match import BilledLine
from psi_finance.service import bills as service

blp = Blueprint(
    "supplier_bills",
    __name__,
    url_prefix="/api/v1/finance",
    description="Supplier bills (供应商发票): the three-way match, the exception queue and the payables (应付)",
)


@blp.route("/supplier-bills")
class SupplierBills(MethodView):
    @blp.arguments(BillQueryArgs, location="query")
    @blp.response(200, BillPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Bills newest first; by status, supplier, order number, bill number and bill date."""
        items, total = service.list_bills(current_db(), filters_of(args), args["page"], args["page_size"])
        return page_of(items, args, total)

    @blp.arguments(BillCreateSchema)
    @blp.response(201, BillSchema)
    @blp.alt_response(409, description="DUPLICATE_BILL_NUMBER: the supplier's bill number is entered already")
    @blp.alt_response(
        422, description="UNKNOWN_PURCHASE_ORDER, OVER_BILLED, INVALID_BILL, FUTURE_DATE, VALIDATION_FAILED"
    )
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Enter a supplier's bill against a purchase order: matched three ways, it posts at once within the
        tolerances (status `posted`, AP-...; finance.BillPosted.v1) or waits in the exception queue (status
        `exception`, the reasons per line, nothing posted)."""
        lines = tuple(BilledLine(**line) for line in body.pop("lines"))
        found = service.enter_bill(current_db(), EnterSupplierBill(**body, lines=lines), current_actor())
        return found, {"Location": url_for("supplier_bills.SupplierBillById", bill_id=found["id"])}


@blp.route("/supplier-bills/<int:bill_id>")
class SupplierBillById(MethodView):
    @blp.response(200, BillSchema)
    @blp.alt_response(404, description="SUPPLIER_BILL_NOT_FOUND")
    def get(self, bill_id: int) -> dict[str, Any]:
        """One bill with its lines, the match's reasons and what it posted."""
        return service.get_bill(current_db(), bill_id)


@blp.route("/supplier-bills/<int:bill_id>/accept")
class AcceptSupplierBill(MethodView):
    @blp.arguments(BillResolveSchema)
    @blp.response(200, BillSchema)
    @blp.alt_response(404, description="SUPPLIER_BILL_NOT_FOUND")
    @blp.alt_response(409, description="BILL_NOT_IN_EXCEPTION")
    def post(self, body: dict[str, Any], bill_id: int) -> dict[str, Any]:
        """Accept a bill from the exception queue: it posts with its variance (against the receipts as they are
        now), with a note saying why."""
        return service.accept_bill(current_db(), ResolveBill(bill_id, body["note"]), current_actor())


@blp.route("/supplier-bills/<int:bill_id>/reject")
class RejectSupplierBill(MethodView):
    @blp.arguments(BillResolveSchema)
    @blp.response(200, BillSchema)
    @blp.alt_response(404, description="SUPPLIER_BILL_NOT_FOUND")
    @blp.alt_response(409, description="BILL_NOT_IN_EXCEPTION")
    def post(self, body: dict[str, Any], bill_id: int) -> dict[str, Any]:
        """Reject a bill from the exception queue: closed with a note, nothing posted; its number may be
        entered again."""
        return service.reject_bill(current_db(), ResolveBill(bill_id, body["note"]), current_actor())


@blp.route("/bill-exceptions")
class BillExceptions(MethodView):
    @blp.arguments(BillExceptionArgs, location="query")
    @blp.response(200, BillPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The exception queue: bills waiting for an accountant, oldest first, each line with its reasons
        (PRICE, QUANTITY, NO_RECEIPT, NO_ORDER)."""
        filters = {**filters_of(args), "status": str(BillStatus.EXCEPTION)}
        items, total = service.list_bills(current_db(), filters, args["page"], args["page_size"], oldest_first=True)
        return page_of(items, args, total)
