"""The three-way match and a bill's figures and entry, by hand (no I/O).

The order line used throughout unless a test says otherwise: 100 ordered at 10.00, 80 received, nothing billed.
Default tolerances: price 2 % of the line and at most 1.00 per line, quantity 0 %.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from psi_chassis.errors import RuleViolation
from psi_finance.domain.chart import Role
from psi_finance.domain.payables import (
    BillHeader,
    EnterSupplierBill,
    GrniPool,
    bill_entry,
    bill_figures,
    check_bill,
    check_figures,
    due_date,
    grni_cleared,
    payable_number,
)
from psi_finance.domain.three_way_match import (
    BilledLine,
    MatchReason,
    OrderLine,
    OverBilled,
    Tolerances,
    match_bill,
    match_line,
    matched,
)

D = Decimal
DEFAULT = Tolerances()
LINE = OrderLine(1, D(100), D("10.00"), received_quantity=D(80))
PRICE, QUANTITY, NO_RECEIPT, NO_ORDER = (
    MatchReason.PRICE,
    MatchReason.QUANTITY,
    MatchReason.NO_RECEIPT,
    MatchReason.NO_ORDER,
)


def billed(quantity: str, price: str, line_no: int = 1, tax: str = "0.13") -> BilledLine:
    return BilledLine(line_no, D(quantity), D(price), D(tax))


def reasons(line: BilledLine, order_line: OrderLine | None = LINE, order_open: bool = True, **tol: str) -> tuple:
    tolerances = Tolerances(**{k: D(v) for k, v in tol.items()}) if tol else DEFAULT
    return match_line(line, order_line, order_open, tolerances).reasons


def test_a_bill_at_the_order_price_for_what_was_received_matches() -> None:
    assert reasons(billed("80", "10.00")) == ()
    assert reasons(billed("30", "10.00")) == ()  # a partial bill is no exception


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("10.01", ()),  # 80 x 0.01 = 0.80 <= min(2 % of 800.00 = 16.00, 1.00)
        ("10.0125", ()),  # 80 x 0.0125 = 1.00: on the limit
        ("10.02", (PRICE,)),  # 80 x 0.02 = 1.60 > 1.00
        ("9.98", (PRICE,)),  # cheaper by 1.60: an exception too
        ("10.50", (PRICE,)),  # 40.00 over
    ],
)
def test_the_price_tolerance_is_the_smaller_of_percent_and_amount(price: str, expected: tuple) -> None:
    assert reasons(billed("80", price)) == expected


def test_on_a_small_line_the_percent_decides() -> None:
    bolts = OrderLine(2, D(2), D("0.30"), received_quantity=D(2))
    # the line is 0.60: 2 % of it is 0.012 below the 1.00 limit
    assert reasons(billed("2", "0.303", 2), bolts) == ()  # 2 x 0.003 = 0.006 <= 0.012
    assert reasons(billed("2", "0.32", 2), bolts) == (PRICE,)  # 2 x 0.02 = 0.04 > 0.012
    assert reasons(billed("2", "0.32", 2), bolts, price_percent="10", price_amount="1") == ()  # 0.04 <= 0.06


def test_more_than_received_and_not_billed_is_a_quantity_exception() -> None:
    assert reasons(billed("81", "10.00")) == (QUANTITY,)  # 81 > 80 with 0 %
    assert reasons(billed("81", "10.00"), quantity_percent="2") == ()  # 81 <= 80 x 1.02 = 81.6
    assert reasons(billed("82", "10.00"), quantity_percent="2") == (QUANTITY,)
    half_billed = OrderLine(1, D(100), D("10.00"), received_quantity=D(80), billed_quantity=D(50))
    assert reasons(billed("30", "10.00"), half_billed) == ()  # open: 80 - 50 = 30
    assert reasons(billed("31", "10.00"), half_billed) == (QUANTITY,)


def test_nothing_received_is_no_receipt_and_the_price_is_still_checked() -> None:
    nothing = OrderLine(1, D(100), D("10.00"))
    assert reasons(billed("10", "10.00"), nothing) == (NO_RECEIPT,)
    assert reasons(billed("10", "11.00"), nothing) == (NO_RECEIPT, PRICE)  # 10 x 1.00 = 10.00 > 1.00
    returned = OrderLine(1, D(100), D("10.00"), received_quantity=D(0))  # 20 received, 20 sent back
    assert reasons(billed("10", "10.00"), returned) == (NO_RECEIPT,)


def test_a_line_not_on_the_order_or_a_cancelled_order_is_no_order() -> None:
    assert reasons(billed("1", "10.00", 9), None) == (NO_ORDER,)
    dropped = OrderLine(1, None, None, received_quantity=D(80))  # a later revision no longer has it
    assert reasons(billed("1", "10.00"), dropped) == (NO_ORDER,)
    assert reasons(billed("80", "10.00"), LINE, order_open=False) == (NO_ORDER,)


def test_a_bill_matches_when_every_line_does() -> None:
    lines = {1: LINE, 2: OrderLine(2, D(50), D("4.00"), received_quantity=D(50))}
    good = match_bill([billed("80", "10.00"), billed("50", "4.00", 2)], lines, True, DEFAULT)
    assert matched(good)
    one_off = match_bill([billed("80", "10.00"), billed("50", "4.10", 2)], lines, True, DEFAULT)  # 5.00 over
    assert not matched(one_off) and [m.reasons for m in one_off] == [(), (PRICE,)]
    assert one_off[1].detail == "billed at 4.1, ordered at 4"


def test_billing_beyond_what_the_order_line_can_still_be_billed_for_is_refused() -> None:
    billed_already = OrderLine(1, D(100), D("10.00"), received_quantity=D(98), billed_quantity=D(98))
    with pytest.raises(OverBilled) as refused:
        match_bill([billed("10", "10.00")], {1: billed_already}, True, DEFAULT)  # 100 - 98 = 2 left
    assert refused.value.code == "OVER_BILLED" and list(refused.value.errors["lines"]["0"]) == ["quantity"]
    waiting = OrderLine(1, D(100), D("10.00"), received_quantity=D(80), pending_quantity=D(60))
    with pytest.raises(OverBilled):
        match_bill([billed("50", "10.00")], {1: waiting}, True, DEFAULT)  # 100 - 60 = 40 left
    over_received = OrderLine(1, D(100), D("10.00"), received_quantity=D(105))  # purchasing's receipt tolerance
    (result,) = match_bill([billed("105", "10.00")], {1: over_received}, True, DEFAULT)
    assert result.matched
    (ahead,) = match_bill([billed("100", "10.00")], {1: LINE}, True, DEFAULT)  # 20 not received yet: may come
    assert ahead.reasons == (QUANTITY,)


def test_grni_cleared_is_what_the_receipts_credited() -> None:
    pool = GrniPool(D(80), D("800.00"))  # 80 received at 10.00
    assert grni_cleared(pool, D(80)) == (D(80), D("800.00"))
    assert grni_cleared(pool, D(30)) == (D(30), D("300.000000"))
    assert grni_cleared(pool, D(100)) == (D(80), D("800.00"))  # only what was received
    two_costs = GrniPool(D(80), D("815.00"))  # 50 x 10.00 + 30 x 10.50 = 500.00 + 315.00
    assert grni_cleared(two_costs, D(40)) == (D(40), D("407.500000"))  # 815.00 x 40 / 80
    assert grni_cleared(GrniPool(D(0), D(0)), D(5)) == (D(0), D(0))


ACCOUNTS = {
    Role.GRNI: "2204",
    Role.PURCHASE_PRICE_VARIANCE: "5403",
    Role.VAT_INPUT: "2221.01",
    Role.PAYABLES: "2202",
}


def _sides(entry: object) -> dict[str, tuple[Decimal, Decimal]]:
    return {ln.account: (ln.debit, ln.credit) for ln in entry.lines}  # type: ignore[attr-defined]


def test_a_bill_posts_grni_variance_vat_and_payables() -> None:
    lines = [billed("80", "10.01"), billed("50", "4.00", 2)]
    pools = {1: GrniPool(D(80), D("800.00")), 2: GrniPool(D(50), D("200.00"))}
    figures = bill_figures(lines, pools, D(1))
    # net 80 x 10.01 = 800.80 and 50 x 4.00 = 200.00: 1000.80; VAT 13 %: 104.104 + 26.00 = 130.104
    assert (figures.net, figures.tax, figures.gross) == (D("1000.80"), D("130.104"), D("1130.904"))
    assert (figures.grni, figures.variance) == (D("1000.00"), D("0.80"))
    header = BillHeader(7, "INV-88", "3", "PO-000042", date(2026, 3, 10), "CNY")
    entry = bill_entry(header, figures, ACCOUNTS, "CNY")
    assert _sides(entry) == {
        "2204": (D("1000.00"), D(0)),
        "5403": (D("0.80"), D(0)),
        "2221.01": (D("130.104"), D(0)),
        "2202": (D(0), D("1130.904")),  # 1000.00 + 0.80 + 130.104
    }
    (ap,) = [ln for ln in entry.lines if ln.account == "2202"]
    assert (ap.party, ap.currency, entry.source.kind, entry.source.ref) == ("supplier:3", None, "supplier_bill", "7")


def test_a_cheaper_bill_credits_the_variance() -> None:
    figures = bill_figures([billed("80", "9.99", tax="0")], {1: GrniPool(D(80), D("800.00"))}, D(1))
    entry = bill_entry(BillHeader(1, "B-1", "3", "PO-1", date(2026, 3, 10), "CNY"), figures, ACCOUNTS, "CNY")
    # 80 x 9.99 = 799.20 against 800.00 received: 0.80 to the credit of the variance; no VAT line
    assert _sides(entry) == {"2204": (D("800.00"), D(0)), "5403": (D(0), D("0.80")), "2202": (D(0), D("799.20"))}


def test_a_foreign_bill_converts_at_the_orders_rate() -> None:
    # 98 received at 12.50 USD, valued at 88.75 CNY (12.50 x 7.1): 8697.50
    figures = bill_figures([billed("98", "12.50")], {1: GrniPool(D(98), D("8697.50"))}, D("7.1"))
    # net 1225.00 USD = 8697.50 CNY; VAT 159.25 USD = 1130.675 CNY; gross 1384.25 USD = 9828.175 CNY
    assert (figures.gross, figures.base_net, figures.base_tax, figures.base_gross) == (
        D("1384.25"),
        D("8697.500000"),
        D("1130.675000"),
        D("9828.175000"),
    )
    entry = bill_entry(BillHeader(1, "B-1", "7", "PO-42", date(2025, 3, 20), "USD"), figures, ACCOUNTS, "CNY")
    assert "5403" not in _sides(entry)  # no variance at the order's price and rate
    (ap,) = [ln for ln in entry.lines if ln.account == "2202"]
    assert (ap.credit, ap.currency, ap.amount_currency) == (D("9828.175"), "USD", D("1384.25"))


def test_an_accepted_bill_beyond_its_receipts_charges_the_rest_to_the_variance() -> None:
    figures = bill_figures([billed("100", "10.00", tax="0")], {1: GrniPool(D(80), D("800.00"))}, D(1))
    assert (figures.grni, figures.variance) == (D("800.00"), D("200.00"))  # 20 not received: 200.00
    nothing = bill_figures([billed("5", "10.00", 9, tax="0")], {}, D(1))  # a line not on the order
    assert (nothing.grni, nothing.variance) == (D(0), D("50.00"))


def test_due_dates_and_numbers() -> None:
    day = date(2026, 3, 10)
    assert due_date(day, None, None) == date(2026, 4, 9)  # 30 days
    assert due_date(day, None, 45) == date(2026, 4, 24)
    assert due_date(day, date(2026, 3, 31), None) == date(2026, 3, 31)
    with pytest.raises(RuleViolation):
        due_date(day, date(2026, 3, 9), None)
    with pytest.raises(RuleViolation):
        due_date(day, date(2026, 3, 31), 30)
    assert payable_number(1) == "AP-000001" and payable_number(1234567) == "AP-1234567"


def test_a_bill_is_its_orders_supplier_in_its_currency_each_line_once() -> None:
    cmd = EnterSupplierBill(
        "3", None, "PO-1", "B-1", date(2026, 3, 10), None, None, "USD", (billed("1", "1"), billed("2", "1"))
    )
    with pytest.raises(RuleViolation) as refused:
        check_bill(cmd, "4", "CNY")
    assert refused.value.code == "INVALID_BILL"
    assert set(refused.value.errors) == {"supplier_id", "currency", "lines"}
    with pytest.raises(RuleViolation) as twice:
        check_bill(cmd, "3", "USD")
    assert twice.value.errors == {"lines": {"1": {"po_line_no": ["each order line once per bill"]}}}
    check_bill(replace(cmd, lines=(billed("1", "1"), billed("2", "1", 2))), "3", "USD")


def test_a_bill_too_large_for_the_ledger_is_refused() -> None:
    check_figures(bill_figures([billed("1000", "1000", tax="0")], {}, D(1)))  # 1 000 000.00
    huge = bill_figures([billed("999999999", "999999999", tax="0")], {}, D(1))  # about 10 ** 18
    with pytest.raises(RuleViolation) as refused:
        check_figures(huge)
    assert refused.value.code == "INVALID_BILL"
