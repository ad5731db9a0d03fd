"""The profit and loss, the balance sheet and a party's statement (domain/statements.py), pure, figures by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from psi_finance.domain.chart import STANDARD_CHART, Account, AccountType
from psi_finance.domain.statements import (
    PartyDocument,
    Section,
    balance_sheet,
    first_period_of_year,
    in_base,
    party_statement,
    profit_and_loss,
    section_of,
    year_start,
)

D = Decimal
Z = D(0)
CHART = {a.code: a for a in STANDARD_CHART}


def _lines(block: object) -> list[tuple[str, Decimal]]:
    return [(line.account.code, line.amount) for line in block.lines]  # type: ignore[attr-defined]


def test_profit_and_loss_section_by_section() -> None:
    movements = {
        "5001": (Z, D(1000)),  # revenue Cr 1000
        "5002": (D(100), Z),  # sales returns Dr 100
        "5401": (D(500), Z),  # COGS Dr 500
        "5601": (D(120), Z),  # selling expenses Dr 120
        "5603.01": (D(10), D(40)),  # FX: a loss of 10, a gain of 40: a net gain of 30
        "1002": (D(1000), D(500)),  # the bank: not a profit-and-loss account
    }
    pl = profit_and_loss(STANDARD_CHART, movements)
    assert _lines(pl.revenue) == [("5001", D(1000))]
    assert _lines(pl.sales_returns) == [("5002", D(100))]
    assert _lines(pl.cost_of_goods_sold) == [("5401", D(500))]
    assert _lines(pl.operating_expenses) == [("5601", D(120))]
    assert _lines(pl.financial_items) == [("5603.01", D(-30))]  # a gain shows negative: 10 - 40
    assert pl.net_revenue == D(900)  # 1000 - 100
    assert pl.gross_profit == D(400)  # 900 - 500
    assert pl.operating_result == D(280)  # 400 - 120
    assert pl.net_profit == D(310)  # 280 - (-30)
    # = minus every P&L account's signed balance: -(-1000 + 100 + 500 + 120 + 10 - 40) = 310
    assert pl.net_profit == -sum(d - c for code, (d, c) in movements.items() if code >= "5")


def test_every_expense_account_has_its_own_line_and_a_movement_that_nets_to_zero_shows() -> None:
    movements = {
        "5402": (D(7), Z),  # inventory losses
        "5403": (Z, D(2)),  # purchase price variance in our favour: -2
        "5601": (D(20), Z),
        "5602": (D(30), Z),
        "5603": (D(5), D(5)),  # financial expenses charged and refunded: 0, still shown
    }
    pl = profit_and_loss(STANDARD_CHART, movements)
    assert _lines(pl.operating_expenses) == [("5402", D(7)), ("5403", D(-2)), ("5601", D(20)), ("5602", D(30))]
    assert pl.operating_expenses.total == D(55)  # 7 - 2 + 20 + 30
    assert _lines(pl.financial_items) == [("5603", Z)]
    assert (pl.revenue.lines, pl.net_revenue, pl.gross_profit, pl.net_profit) == ((), Z, Z, D(-55))


def test_an_account_without_a_role_takes_its_parent_s_section_else_its_type_s() -> None:
    chart = [
        *STANDARD_CHART,
        Account("5603.02", "Bank charges", AccountType.EXPENSE),  # under 5603 financial expenses
        Account("5603.02.01", "Card fees", AccountType.EXPENSE),  # two levels under it
        Account("5604", "Other expenses", AccountType.EXPENSE),  # no parent: an operating expense
        Account("5051", "Other revenue", AccountType.REVENUE),  # no parent: revenue
    ]
    by_code = {a.code: a for a in chart}
    assert section_of(by_code["5603.02"], by_code) is Section.FINANCIAL_ITEMS
    assert section_of(by_code["5603.02.01"], by_code) is Section.FINANCIAL_ITEMS
    assert section_of(by_code["5604"], by_code) is Section.OPERATING_EXPENSES
    assert section_of(by_code["5051"], by_code) is Section.REVENUE
    assert section_of(CHART["5603.01"], CHART) is Section.FINANCIAL_ITEMS  # its own role: FX
    pl = profit_and_loss(chart, {"5051": (Z, D(50)), "5603.02": (D(3), Z), "5604": (D(4), Z)})
    assert (_lines(pl.revenue), _lines(pl.financial_items), _lines(pl.operating_expenses)) == (
        [("5051", D(50))],
        [("5603.02", D(3))],
        [("5604", D(4))],
    )
    assert pl.net_profit == D(43)  # 50 - 4 - 3


def _add(*books: dict[str, tuple[Decimal, Decimal]]) -> dict[str, tuple[Decimal, Decimal]]:
    out: dict[str, tuple[Decimal, Decimal]] = {}
    for book in books:
        for code, (d, c) in book.items():
            before = out.get(code, (Z, Z))
            out[code] = (before[0] + d, before[1] + c)
    return out


#: Up to 2025-12-31: capital 10000 into the bank; goods 2000 + VAT 260 on credit; a sale of 1000 + 130 VAT on
#: credit; its cost 600.
EARLIER = _add(
    {"1002": (D(10000), Z), "3001": (Z, D(10000))},
    {"1405": (D(2000), Z), "2221.01": (D(260), Z), "2202": (Z, D(2260))},
    {"1122": (D(1130), Z), "5001": (Z, D(1000)), "2221.02": (Z, D(130))},
    {"5401": (D(600), Z), "1405": (Z, D(600))},
)
#: 2026: a cash sale of 500 + 65 VAT, its cost 300, administrative expenses 50 paid from the bank.
THIS_YEAR = _add(
    {"1002": (D(565), Z), "5001": (Z, D(500)), "2221.02": (Z, D(65))},
    {"5401": (D(300), Z), "1405": (Z, D(300))},
    {"5602": (D(50), Z), "1002": (Z, D(50))},
)


def test_balance_sheet_with_the_results_not_closed_in_equity() -> None:
    bs = balance_sheet(STANDARD_CHART, _add(EARLIER, THIS_YEAR), EARLIER)
    # bank 10000 + 565 - 50 = 10515; receivables 1130; inventory 2000 - 600 - 300 = 1100
    assert _lines(bs.assets) == [("1002", D(10515)), ("1122", D(1130)), ("1405", D(1100))]
    assert bs.assets.total == D(12745)
    # payables 2260; VAT input a debit balance: -260 (it lowers the VAT due); VAT output 130 + 65 = 195
    assert _lines(bs.liabilities) == [("2202", D(2260)), ("2221.01", D(-260)), ("2221.02", D(195))]
    assert bs.liabilities.total == D(2195)
    assert _lines(bs.equity) == [("3001", D(10000))]
    assert bs.earlier_years_result == D(400)  # 2025: 1000 - 600
    assert bs.current_year_result == D(150)  # 2026: 500 - 300 - 50
    assert bs.equity_total == D(10550)  # 10000 + 400 + 150
    assert bs.liabilities_and_equity == D(12745)  # 2195 + 10550 = the assets
    assert bs.balanced


def test_a_year_end_closing_entry_leaves_no_result_unclosed() -> None:
    # 2025's result closed into retained earnings on 2025-12-31: Dr 5001 1000 / Cr 5401 600, Cr 3104 400
    closed = _add(EARLIER, {"5001": (D(1000), Z), "5401": (Z, D(600)), "3104": (Z, D(400))})
    bs = balance_sheet(STANDARD_CHART, _add(closed, THIS_YEAR), closed)
    assert _lines(bs.equity) == [("3001", D(10000)), ("3104", D(400))]
    assert (bs.earlier_years_result, bs.current_year_result, bs.equity_total) == (Z, D(150), D(10550))
    assert bs.balanced


def test_books_that_do_not_balance_say_so() -> None:
    bs = balance_sheet(STANDARD_CHART, {"1002": (D(5), Z)}, {})
    assert (bs.assets.total, bs.liabilities_and_equity, bs.balanced) == (D(5), Z, False)


def test_an_amount_in_the_base_currency() -> None:
    # 33.333333 x 7.2345 = 241.1499975885: six places 241.149998; in the base currency (rate 1) as it is
    assert in_base(D("33.333333"), D("7.2345")) == D("241.149998")
    assert in_base(D("300"), D(1)) == D("300.000000")


def test_the_year_of_a_date_and_of_a_period() -> None:
    assert year_start(date(2026, 11, 30)) == date(2026, 1, 1)
    assert first_period_of_year("2026-10") == "2026-01"


def test_party_statement_with_its_running_balance() -> None:
    invoice = PartyDocument(date(2026, 11, 3), "INV-000002", "invoice", "SHP-2", "SO-1", date(2026, 12, 3), D(226), Z)
    credit = PartyDocument(date(2026, 11, 9), "CN-000003", "credit_note", "RET-1", "SO-1", date(2026, 11, 9), Z, D(113))
    late_same_day = PartyDocument(
        date(2026, 11, 9), "INV-000001", "invoice", "SHP-1", "SO-2", date(2026, 12, 9), D(10), Z
    )
    statement = party_statement(D(500), [credit, invoice, late_same_day])
    # by date; on 11-09 in the order given: 500 + 226 = 726, - 113 = 613, + 10 = 623
    assert [d.number for d in statement.documents] == ["INV-000002", "CN-000003", "INV-000001"]
    assert statement.balances == (D(726), D(613), D(623))
    assert (statement.opening, statement.increase, statement.decrease, statement.closing) == (
        D(500),
        D(236),
        D(113),
        D(623),
    )
    empty = party_statement(D(42), [])
    assert (empty.balances, empty.closing) == ((), D(42))
