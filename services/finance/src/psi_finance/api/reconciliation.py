"""Inventory reconciliation: /api/v1/finance/reconciliation/inventory."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.app import current_db
from psi_finance.api.schemas import InventoryReconciliationArgs, InventoryReconciliationSchema
from psi_finance.service.reconciliation import inventory_reconciliation

blp = Blueprint(
    "inventory_reconciliation",
    __name__,
    url_prefix="/api/v1/finance/reconciliation",
    description="The books' Inventory against inventory's valuation (存货对账)",
)


@blp.route("/inventory")
class InventoryReconciliation(MethodView):
    @blp.arguments(InventoryReconciliationArgs, location="query")
    @blp.response(200, InventoryReconciliationSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Per warehouse: inventory's valuation as its events state it, what the books posted for them, the
        difference and the events behind it; in all, the books' Inventory and in-transit balance (`as_of`: up to
        that business time; default now)."""
        return inventory_reconciliation(current_db(), args.get("as_of"))
