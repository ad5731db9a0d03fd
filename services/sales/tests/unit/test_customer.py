"""Customer rules: who sets credit terms, what a status change needs."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from psi_sales.domain.customer import (
    CASH_ONLY,
    CustomerStatus,
    check_credit_terms_change,
    check_status_change,
    initial_credit_limit,
    may_set_credit_terms,
)
from psi_sales.domain.errors import CreditTermsForbidden, CustomerRuleViolation


def test_only_a_sales_manager_or_admin_sets_credit_terms() -> None:
    assert may_set_credit_terms({"sales_manager"}) and may_set_credit_terms({"admin", "viewer"})
    assert not may_set_credit_terms({"sales"}) and not may_set_credit_terms(set())
    check_credit_terms_change({"name": "x", "payment_terms_days": 10}, {"sales"})  # not credit terms: fine
    with pytest.raises(CreditTermsForbidden) as refused:
        check_credit_terms_change({"credit_limit": D(1), "status": "on_hold"}, {"sales"})
    assert refused.value.errors == {
        "credit_limit": ["needs the sales_manager role"],
        "status": ["needs the sales_manager role"],
    }


def test_a_new_customer_starts_cash_only_unless_a_manager_says_otherwise() -> None:
    assert initial_credit_limit(None, {"sales"}) == CASH_ONLY == D(0)
    assert initial_credit_limit(None, {"sales_manager"}) is None  # a manager's choice: no credit check
    assert initial_credit_limit(D("5000"), {"sales_manager"}) == D("5000")
    with pytest.raises(CreditTermsForbidden):
        initial_credit_limit(D("5000"), {"sales"})


def test_a_status_change_changes_something_and_holding_needs_a_reason() -> None:
    check_status_change(CustomerStatus.ACTIVE, CustomerStatus.ON_HOLD, "late payer")
    check_status_change(CustomerStatus.BLOCKED, CustomerStatus.ACTIVE, None)  # lifting needs no reason
    with pytest.raises(CustomerRuleViolation) as same:
        check_status_change(CustomerStatus.ACTIVE, CustomerStatus.ACTIVE, None)
    assert same.value.errors == {"status": ["the customer is already active"]}
    with pytest.raises(CustomerRuleViolation) as no_reason:
        check_status_change(CustomerStatus.ACTIVE, CustomerStatus.BLOCKED, "")
    assert no_reason.value.errors == {"reason": ["a reason is required to make a customer blocked"]}
