"""Approval policy (审批, 采购额度控制): /api/v1/purchasing/approval-tiers and /api/v1/purchasing/budgets."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.api_schemas import page_of
from psi_chassis.app import current_db
from psi_purchasing.adapters import approvals as policy
from psi_purchasing.api.schemas import (
    BudgetPage,
    BudgetPutSchema,
    BudgetQueryArgs,
    BudgetSchema,
    TiersListSchema,
    TiersPutSchema,
    TiersSchema,
)
from psi_purchasing.domain.approval import Tier
from psi_purchasing.service import approvals

blp = Blueprint("approval_policy", __name__, url_prefix="/api/v1/purchasing", description="Approval tiers and budgets")


@blp.route("/approval-tiers")
class ApprovalTiers(MethodView):
    @blp.response(200, TiersListSchema)
    def get(self) -> dict[str, Any]:
        """The amount tiers per document type (base currency, total including tax); the defaults (up to 5,000
        automatic, up to 50,000 purchasing_manager, above that admin) while a type has none configured."""
        with current_db().unit_of_work() as session:
            return {"items": policy.list_tiers(session)}

    @blp.arguments(TiersPutSchema)
    @blp.response(200, TiersSchema)
    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        """Replace one document type's tiers. Exactly one tier has ``up_to_amount: null`` (no bound);
        ``approver_role: null`` approves automatically."""
        tiers = [Tier(t["up_to_amount"], t["approver_role"]) for t in body["tiers"]]
        return approvals.replace_tiers(current_db(), body["document_type"], tiers)


@blp.route("/budgets")
class Budgets(MethodView):
    @blp.arguments(BudgetQueryArgs, location="query")
    @blp.response(200, BudgetPage)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Monthly department budgets with what approved orders have committed against them."""
        with current_db().unit_of_work() as session:
            items, total = policy.list_budgets(
                session,
                department=args.get("department"),
                period=args.get("period"),
                page=args["page"],
                page_size=args["page_size"],
            )
        return page_of(items, args, total)

    @blp.arguments(BudgetPutSchema)
    @blp.response(200, BudgetSchema)
    @blp.alt_response(409, description="BUDGET_BELOW_COMMITTED")
    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        """Set a department's budget for a month (created or changed; never below what is committed)."""
        return approvals.set_budget(current_db(), body["department"], body["period"], body["amount"])
