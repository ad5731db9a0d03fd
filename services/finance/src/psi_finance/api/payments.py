"""Customer payments: /api/v1/finance/customer-payments (收款与核销)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.app import current_db
from psi_chassis.web import current_actor
from psi_finance.api.schemas import CustomerPaymentCreateSchema, CustomerPaymentSchema
from psi_finance.service import payments as service

blp = Blueprint(
    "customer_payments",
    __name__,
    url_prefix="/api/v1/finance/customer-payments",
    description="Customer payments and their allocation to invoices (收款、核销)",
)


@blp.route("")
class CustomerPayments(MethodView):
    @blp.arguments(CustomerPaymentCreateSchema)
    @blp.response(201, CustomerPaymentSchema)
    @blp.alt_response(422, description="OVER_ALLOCATION, UNKNOWN_INVOICE, PAYMENT_RULE_VIOLATION, NO_EXCHANGE_RATE")
    def post(self, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Receive a payment, allocated to the customer's open invoices in its currency (partial allowed); the
        rest is kept as an advance. The realised FX difference is posted with it."""
        allocations = [(a["invoice_number"], a["amount"]) for a in body.pop("allocations")]
        found = service.receive_payment(
            current_db(), service.ReceivePayment(allocations=allocations, **body), current_actor()
        )
        return found, {"Location": url_for("customer_payments.CustomerPaymentById", payment_id=found["id"])}


@blp.route("/<int:payment_id>")
class CustomerPaymentById(MethodView):
    @blp.response(200, CustomerPaymentSchema)
    @blp.alt_response(404, description="PAYMENT_NOT_FOUND")
    def get(self, payment_id: int) -> dict[str, Any]:
        return service.get_payment(current_db(), payment_id)
