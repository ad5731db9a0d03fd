"""The trial balance and the ledger's running balance (domain/trial_balance.py, domain/ledger.py), pure."""

from __future__ import annotations

from decimal import Decimal

from psi_finance.domain.chart import STANDARD_CHART
from psi_finance.domain.ledger import running_balances
from psi_finance.domain.trial_balance import trial_balance

D = Decimal
Z = D(0)


def test_rows_for_accounts_with_a_balance_or_a_movement_and_totals_that_balance() -> None:
    # opening: capital paid into the bank 1000; the month: a cash sale of 200 (Dr bank, Cr revenue)
    tb = trial_balance(STANDARD_CHART, {"1002": D(1000), "3001": D(-1000)}, {"1002": (D(200), Z), "5001": (Z, D(200))})
    assert [(r.account.code, r.opening, r.debit, r.credit, r.closing) for r in tb.rows] == [
        ("1002", D(1000), D(200), Z, D(1200)),  # 1000 + 200 - 0
        ("3001", D(-1000), Z, Z, D(-1000)),
        ("5001", Z, Z, D(200), D(-200)),  # 0 + 0 - 200
    ]
    assert (tb.opening, tb.debit, tb.credit, tb.closing, tb.balanced) == (Z, D(200), D(200), Z, True)


def test_an_account_whose_movements_cancel_out_still_shows() -> None:
    tb = trial_balance(STANDARD_CHART, {}, {"1122": (D(113), D(113)), "5001": (D(100), D(100))})
    assert [(r.account.code, r.closing) for r in tb.rows] == [("1122", Z), ("5001", Z)]
    assert tb.balanced


def test_books_that_do_not_balance_say_so() -> None:
    tb = trial_balance(STANDARD_CHART, {"1002": D(5)}, {})
    assert (tb.opening, tb.balanced) == (D(5), False)


def test_running_balance() -> None:
    # opening 100: +50 = 150, -30 = 120, -120 = 0
    assert running_balances(D(100), [(D(50), Z), (Z, D(30)), (Z, D(120))]) == [D(150), D(120), Z]
    assert running_balances(D(7), []) == []
