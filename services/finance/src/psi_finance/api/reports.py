"""The books as read: /api/v1/finance/trial-balance."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from psi_chassis.app import current_db, runtime
from psi_chassis.types import utcnow
from psi_finance.api.schemas import TrialBalanceArgs, TrialBalanceSchema
from psi_finance.service import reports

blp = Blueprint(
    "trial_balance", __name__, url_prefix="/api/v1/finance/trial-balance", description="The trial balance (试算平衡表)"
)


@blp.route("")
class TrialBalance(MethodView):
    @blp.arguments(TrialBalanceArgs, location="query")
    @blp.response(200, TrialBalanceSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Per account: opening, debits, credits and closing in the base currency (signed, debit positive), and
        the totals, which balance. `period`: what was posted into it (a closed period's never change); `as_of`:
        what is dated up to that day, from the first of its month. Default: the current period."""
        found = reports.trial_balance_report(current_db(), args.get("period"), args.get("as_of"), utcnow().date())
        return {**found, "currency": runtime().settings.base_currency}
