"""Credit control, figures by hand."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from psi_sales.domain.credit import CustomerNotAllowed, CustomerStatus, check_credit, open_order_exposure


def test_open_orders_count_only_what_is_not_invoiced_yet() -> None:
    # 1,000 ordered with 400 shipped (invoiced) -> 600; 300 ordered, nothing shipped -> 300; an over-shipment
    # never makes exposure negative.
    assert open_order_exposure([(D(1000), D(400)), (D(300), D(0)), (D(50), D(60))]) == D(900)


def test_an_order_that_pushes_exposure_over_the_limit_is_held() -> None:
    # receivables 2,000 + open orders 900 = 2,900; + 2,200 = 5,100 > 5,000
    held = check_credit(CustomerStatus.ACTIVE, D(5000), D(2000), D(900), D(2200))
    assert held.held and held.exposure_after == D(5100)
    assert held.reason() == "exposure 2900 + this order 2200 = 5100 is over the credit limit 5000"
    # exactly at the limit is allowed: 2,900 + 2,100 = 5,000
    assert not check_credit(CustomerStatus.ACTIVE, D(5000), D(2000), D(900), D(2100)).held


def test_no_limit_means_no_check_and_a_zero_limit_means_cash_only() -> None:
    assert not check_credit(CustomerStatus.ACTIVE, None, D(10**9), D(0), D(1)).held
    assert check_credit(CustomerStatus.ACTIVE, D(0), D(0), D(0), D("0.01")).held


@pytest.mark.parametrize("status", [CustomerStatus.ON_HOLD, CustomerStatus.BLOCKED])
def test_a_customer_on_hold_or_blocked_cannot_confirm(status: CustomerStatus) -> None:
    with pytest.raises(CustomerNotAllowed):
        check_credit(status, None, D(0), D(0), D(1))
