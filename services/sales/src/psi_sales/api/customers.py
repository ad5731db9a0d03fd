"""Customers and customer classes: /api/v1/sales/customers, /api/v1/sales/customer-classes."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import PageArgs, filters_of, page_of
from psi_chassis.app import current_db, runtime
from psi_chassis.web import current_actor
from psi_sales.adapters import customers as store
from psi_sales.api.schemas import (
    CustomerClassCreateSchema,
    CustomerClassPage,
    CustomerClassSchema,
    CustomerClassUpdateSchema,
    CustomerCreateSchema,
    CustomerDetailSchema,
    CustomerPage,
    CustomerQueryArgs,
    CustomerSchema,
    CustomerStatusChangeSchema,
    CustomerUpdateSchema,
)
from psi_sales.domain.commands import ChangeCustomerStatus, CreateCustomer, CreateCustomerClass
from psi_sales.domain.errors import CustomerClassNotFound
from psi_sales.service import customers as service

blp = Blueprint("customers", __name__, url_prefix="/api/v1/sales/customers", description="Customers (客户)")
classes_blp = Blueprint(
    "customer_classes",
    __name__,
    url_prefix="/api/v1/sales/customer-classes",
    description="Customer classes (客户分类): the tiers price lists and discount rules are set for",
)


@blp.route("")
class Customers(MethodView):
    @blp.arguments(CustomerQueryArgs, location="query")
    @blp.response(200, CustomerPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Customers by code; filter by status, class, channel, salesperson, currency; search the code or name."""
        filters = filters_of(args)
        with current_db().unit_of_work() as session:
            items, total = store.list_customers(session, filters, args["page"], args["page_size"])
        return page_of(items, args, total)

    @blp.arguments(CustomerCreateSchema)
    @blp.response(201, CustomerSchema)
    @blp.alt_response(403, description="SALES_MANAGER_REQUIRED: only a sales manager sets a credit limit")
    @blp.alt_response(409, description="CUSTOMER_CODE_TAKEN")
    @blp.alt_response(422, description="UNKNOWN_CUSTOMER_CLASS")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Register a customer, active. Created by a `sales` user it starts cash only (credit limit 0)."""
        found = service.create_customer(
            current_db(), CreateCustomer(**body), current_actor(), runtime().settings.base_currency
        )
        return found, {"Location": url_for("customers.CustomerById", customer_id=found["id"])}


@blp.route("/<int:customer_id>")
class CustomerById(MethodView):
    @blp.response(200, CustomerDetailSchema)
    @blp.alt_response(404, description="CUSTOMER_NOT_FOUND")
    def get(self, customer_id: int) -> dict[str, Any]:
        """One customer, with every status change (who, when, why)."""
        return service.customer_with_history(current_db(), customer_id)

    @blp.arguments(CustomerUpdateSchema)
    @blp.response(200, CustomerSchema)
    @blp.alt_response(403, description="SALES_MANAGER_REQUIRED: the credit limit is a sales manager's")
    @blp.alt_response(404, description="CUSTOMER_NOT_FOUND")
    def patch(self, body: dict[str, Any], customer_id: int) -> dict[str, Any]:
        """Change a customer's details (not its code; its status has its own route)."""
        return service.update_customer(current_db(), customer_id, body, current_actor())


@blp.route("/<int:customer_id>/status")
class CustomerStatusChange(MethodView):
    @blp.arguments(CustomerStatusChangeSchema)
    @blp.response(200, CustomerSchema)
    @blp.alt_response(403, description="SALES_MANAGER_REQUIRED")
    @blp.alt_response(404, description="CUSTOMER_NOT_FOUND")
    @blp.alt_response(422, description="CUSTOMER_RULE_VIOLATION: no change, or no reason to hold or block")
    def post(self, body: dict[str, Any], customer_id: int) -> dict[str, Any]:
        """Activate, hold (no new confirmations) or block (no business) a customer; logged with the reason."""
        return service.change_customer_status(
            current_db(), ChangeCustomerStatus(customer_id, body["status"], body["reason"]), current_actor()
        )


@classes_blp.route("")
class CustomerClasses(MethodView):
    @classes_blp.arguments(PageArgs, location="query")
    @classes_blp.response(200, CustomerClassPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Customer classes by code."""
        with current_db().unit_of_work() as session:
            items, total = store.list_classes(session, args["page"], args["page_size"])
        return page_of(items, args, total)

    @classes_blp.arguments(CustomerClassCreateSchema)
    @classes_blp.response(201, CustomerClassSchema)
    @classes_blp.alt_response(409, description="CUSTOMER_CLASS_TAKEN")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Add a customer class (its discounts are discount rules of kind class_discount)."""
        found = service.create_customer_class(current_db(), CreateCustomerClass(**body))
        return found, {"Location": url_for("customer_classes.CustomerClassByCode", code=found["code"])}


@classes_blp.route("/<string:code>")
class CustomerClassByCode(MethodView):
    @classes_blp.response(200, CustomerClassSchema)
    @classes_blp.alt_response(404, description="CUSTOMER_CLASS_NOT_FOUND")
    def get(self, code: str) -> dict[str, Any]:
        """One customer class."""
        with current_db().unit_of_work() as session:
            found = store.customer_class(session, code)
        if found is None:
            raise CustomerClassNotFound(f"customer class {code} does not exist")
        return found

    @classes_blp.arguments(CustomerClassUpdateSchema)
    @classes_blp.response(200, CustomerClassSchema)
    @classes_blp.alt_response(404, description="CUSTOMER_CLASS_NOT_FOUND")
    def patch(self, body: dict[str, Any], code: str) -> dict[str, Any]:
        """Rename a class (its code stays: customers, price lists and rules name it)."""
        return service.update_customer_class(current_db(), code, body)
