"""Financial statements (财务报表) from the journal's sums: the profit and loss (利润表), the balance sheet (资产负债表)
and a party's statement of account (对账单). Pure: the caller sums the lines of a window, this module lays them out.

Every input is ``{account code: (debits, credits)}`` in the base currency; an account shows when it has a line in the
window (a movement that nets to 0 shows as 0), by code. Figures are shown the way each section reads, positive in
its usual direction: revenue and equity credit positive, costs and assets debit positive.

**Profit and loss**, for a window of business dates (or of periods posted into). Each revenue or expense account is
in one section, found by its role, else by the account its code extends (5603.02 falls under 5603), else by type:

* revenue (``revenue``; any other revenue account), less sales returns (``sales_returns``) = net revenue;
* less cost of goods sold (``cogs``) = gross profit;
* less the operating expenses, each account (any other expense account: selling, administrative, inventory gains
  and losses, purchase price variance) = operating result;
* less the FX and financial items (``fx_gains_losses``, ``financial_expenses``; a gain shows negative) = net
  profit.

So net profit is minus the sum of every revenue and expense account's signed balance (debit positive) in the window.
Example: revenue Cr 1000, returns Dr 100, COGS Dr 500, selling expenses Dr 120, FX gain Cr 30: net revenue 900,
gross profit 400, operating result 280, financial items -30, net profit 310.

**Balance sheet**, at a date (or at the end of a period as posted): assets (debit positive) = liabilities + equity
(credit positive). No year-end closing entry is made (revenue and expense accounts carry their balances on), so the
result not closed into retained earnings is shown in equity in two lines of its own: the **current-year result**
(the year of the balance sheet's date, a calendar year) and the **earlier years' result not closed**. Because every
entry balances, assets = liabilities + equity always; ``balanced`` says so rather than assumes it.

**Statement of account**: a party's documents in a window, each raising what is owed (a customer's invoice, a
supplier's bill) or lowering it (a credit note, a payment), with the balance after each (what is owed, customer to
us or us to the supplier) from the opening balance (the documents before the window). A customer's statement shows
a raise as a debit and a lowering as a credit, a supplier's the other way round, as the books post them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from psi_chassis.decimals import ZERO, q6
from psi_chassis.errors import NotFound
from psi_finance.domain.chart import PROFIT_AND_LOSS, Account, AccountType, Role
from psi_finance.domain.ledger import running_balances

Sides = Mapping[str, tuple[Decimal, Decimal]]


class Section(StrEnum):
    """Where a revenue or expense account shows in the profit and loss."""

    REVENUE = "revenue"
    SALES_RETURNS = "sales_returns"
    COST_OF_GOODS_SOLD = "cost_of_goods_sold"
    OPERATING_EXPENSES = "operating_expenses"
    FINANCIAL_ITEMS = "financial_items"


_SECTION_OF_ROLE = {
    Role.REVENUE: Section.REVENUE,
    Role.SALES_RETURNS: Section.SALES_RETURNS,
    Role.COGS: Section.COST_OF_GOODS_SOLD,
    Role.FX_GAINS_LOSSES: Section.FINANCIAL_ITEMS,
    Role.FINANCIAL_EXPENSES: Section.FINANCIAL_ITEMS,
}
#: Sections read credit positive; the others debit positive.
_CREDIT_POSITIVE = frozenset({Section.REVENUE})


def _parents(code: str) -> Iterable[str]:
    """``5603.02.01`` → ``5603.02``, ``5603``."""
    while "." in code:
        code = code.rsplit(".", 1)[0]
        yield code


def section_of(account: Account, chart: Mapping[str, Account]) -> Section:
    """The account's section by its role, else the nearest account its code extends that has one of those roles,
    else by type: revenue accounts in revenue, expense accounts in operating expenses."""
    for code in (account.code, *_parents(account.code)):
        found = chart.get(code)
        if found is not None and found.role in _SECTION_OF_ROLE:
            return _SECTION_OF_ROLE[found.role]
    return Section.REVENUE if account.type is AccountType.REVENUE else Section.OPERATING_EXPENSES


@dataclass(frozen=True)
class StatementLine:
    account: Account
    amount: Decimal


@dataclass(frozen=True)
class Block:
    """A section's account lines and their total."""

    lines: tuple[StatementLine, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


@dataclass(frozen=True)
class ProfitAndLoss:
    revenue: Block
    sales_returns: Block
    cost_of_goods_sold: Block
    operating_expenses: Block
    financial_items: Block

    @property
    def net_revenue(self) -> Decimal:
        return self.revenue.total - self.sales_returns.total

    @property
    def gross_profit(self) -> Decimal:
        return self.net_revenue - self.cost_of_goods_sold.total

    @property
    def operating_result(self) -> Decimal:
        return self.gross_profit - self.operating_expenses.total

    @property
    def net_profit(self) -> Decimal:
        return self.operating_result - self.financial_items.total


def _moved(sides: Sides, code: str) -> tuple[Decimal, Decimal] | None:
    debit, credit = sides.get(code, (ZERO, ZERO))
    return None if debit == ZERO and credit == ZERO else (debit, credit)


def profit_and_loss(chart: Sequence[Account], movements: Sides) -> ProfitAndLoss:
    """The profit and loss of a window from each account's (debits, credits) in it."""
    by_code = {a.code: a for a in chart}
    lines: dict[Section, list[StatementLine]] = {s: [] for s in Section}
    for account in sorted(chart, key=lambda a: a.code):
        moved = _moved(movements, account.code)
        if account.type not in PROFIT_AND_LOSS or moved is None:
            continue
        section = section_of(account, by_code)
        debit, credit = moved
        amount = credit - debit if section in _CREDIT_POSITIVE else debit - credit
        lines[section].append(StatementLine(account, amount))
    return ProfitAndLoss(*(Block(tuple(lines[s])) for s in Section))


@dataclass(frozen=True)
class BalanceSheet:
    assets: Block
    liabilities: Block
    equity: Block
    """The equity accounts; the two results below are added to them."""
    earlier_years_result: Decimal
    """The result of the years before the balance sheet's year, not closed into retained earnings."""
    current_year_result: Decimal
    """The net profit of the balance sheet's year up to its date."""

    @property
    def equity_total(self) -> Decimal:
        return self.equity.total + self.earlier_years_result + self.current_year_result

    @property
    def liabilities_and_equity(self) -> Decimal:
        return self.liabilities.total + self.equity_total

    @property
    def balanced(self) -> bool:
        return self.assets.total == self.liabilities_and_equity


def _result(chart: Sequence[Account], sides: Sides) -> Decimal:
    """Minus the signed balance of the revenue and expense accounts: the profit they hold."""
    profit = ZERO
    for account in chart:
        if account.type in PROFIT_AND_LOSS:
            debit, credit = sides.get(account.code, (ZERO, ZERO))
            profit += credit - debit
    return profit


def balance_sheet(chart: Sequence[Account], to_date: Sides, before_year: Sides) -> BalanceSheet:
    """The balance sheet from every account's (debits, credits) up to its date (``to_date``) and before the first
    day of its year (``before_year``: only its revenue and expense accounts are read)."""
    blocks: dict[AccountType, list[StatementLine]] = {t: [] for t in AccountType}
    for account in sorted(chart, key=lambda a: a.code):
        moved = _moved(to_date, account.code)
        if account.type in PROFIT_AND_LOSS or moved is None:
            continue
        debit, credit = moved
        amount = debit - credit if account.debit_normal else credit - debit
        blocks[account.type].append(StatementLine(account, amount))
    earlier = _result(chart, before_year)
    return BalanceSheet(
        assets=Block(tuple(blocks[AccountType.ASSET])),
        liabilities=Block(tuple(blocks[AccountType.LIABILITY])),
        equity=Block(tuple(blocks[AccountType.EQUITY])),
        earlier_years_result=earlier,
        current_year_result=_result(chart, to_date) - earlier,
    )


def year_start(day: date) -> date:
    """The first day of ``day``'s year: the current-year result runs from it."""
    return date(day.year, 1, 1)


def first_period_of_year(period: str) -> str:
    """``2026-10`` → ``2026-01``: the current-year result of a period's balance sheet runs from it."""
    return f"{period[:4]}-01"


def in_base(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount in a document's currency at its rate, in the base currency rounded to six places."""
    return q6(amount * rate)


@dataclass(frozen=True)
class PartyDocument:
    """A document of a party's statement in the base currency: it raises what is owed (an invoice, a bill) or lowers
    it (a credit note, a payment: no due date)."""

    issued_on: date
    number: str
    kind: str
    document_ref: str | None
    order_ref: str | None
    due_on: date | None
    increase: Decimal
    decrease: Decimal


@dataclass(frozen=True)
class PartyStatement:
    opening: Decimal
    documents: tuple[PartyDocument, ...]
    balances: tuple[Decimal, ...]
    """The balance after each document."""

    @property
    def increase(self) -> Decimal:
        return sum((d.increase for d in self.documents), ZERO)

    @property
    def decrease(self) -> Decimal:
        return sum((d.decrease for d in self.documents), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.increase - self.decrease


def party_statement(opening: Decimal, documents: Iterable[PartyDocument]) -> PartyStatement:
    """The window's documents by date (within a day in the order given) with the balance after each, from
    ``opening``.

    Example: opening 500, an invoice of 226 then a credit note of 113 give 726, 613; closing 613.
    """
    ordered = tuple(sorted(documents, key=lambda d: d.issued_on))
    balances = running_balances(opening, [(d.increase, d.decrease) for d in ordered])
    return PartyStatement(opening, ordered, tuple(balances))


class KeptKind(StrEnum):
    """The statements kept when a period is closed."""

    TRIAL_BALANCE = "trial_balance"
    PROFIT_AND_LOSS = "profit_and_loss"
    BALANCE_SHEET = "balance_sheet"


class StatementNotFound(NotFound):
    """No kept statement has that id (kept here beside the statements rather than in errors.py)."""

    default_code = "STATEMENT_NOT_FOUND"
