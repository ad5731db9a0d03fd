"""The chart of accounts (会计科目表): account types, which side each normally sits on, and the standard chart a
small trading business starts with (after China's 小企业会计准则 numbering, so an accountant recognises the codes).

The posting rules name accounts by role (:class:`Role`), never by code: a business that renumbers its chart keeps
the rules. The migration seeds :data:`STANDARD_CHART`; an accountant edits names and adds accounts; an account with
postings is never deleted (deactivated instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"


#: Types whose balance normally sits on the debit side; the others on the credit side.
DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.EXPENSE})
#: Types that close into retained earnings at year end (the profit and loss).
PROFIT_AND_LOSS = frozenset({AccountType.REVENUE, AccountType.EXPENSE})


class Role(StrEnum):
    """What an account is for, as the posting rules see it."""

    CASH = "cash"
    BANK = "bank"
    RECEIVABLES = "receivables"
    SUPPLIER_ADVANCES = "supplier_advances"
    INVENTORY = "inventory"
    INVENTORY_IN_TRANSIT = "inventory_in_transit"
    VAT_INPUT = "vat_input"
    PAYABLES = "payables"
    GRNI = "grni"
    CUSTOMER_ADVANCES = "customer_advances"
    VAT_OUTPUT = "vat_output"
    CAPITAL = "capital"
    RETAINED_EARNINGS = "retained_earnings"
    REVENUE = "revenue"
    SALES_RETURNS = "sales_returns"
    COGS = "cogs"
    INVENTORY_GAINS_LOSSES = "inventory_gains_losses"
    PURCHASE_PRICE_VARIANCE = "purchase_price_variance"
    FX_GAINS_LOSSES = "fx_gains_losses"
    SELLING_EXPENSES = "selling_expenses"
    ADMIN_EXPENSES = "admin_expenses"
    FINANCIAL_EXPENSES = "financial_expenses"


@dataclass(frozen=True)
class Account:
    code: str
    name: str
    type: AccountType
    role: Role | None = None

    @property
    def debit_normal(self) -> bool:
        return self.type in DEBIT_NORMAL


A, L, E, R, X = AccountType.ASSET, AccountType.LIABILITY, AccountType.EQUITY, AccountType.REVENUE, AccountType.EXPENSE

STANDARD_CHART: tuple[Account, ...] = (
    Account("1001", "Cash 库存现金", A, Role.CASH),
    Account("1002", "Bank 银行存款", A, Role.BANK),
    Account("1122", "Accounts receivable 应收账款", A, Role.RECEIVABLES),
    Account("1123", "Advances to suppliers 预付账款", A, Role.SUPPLIER_ADVANCES),
    Account("1405", "Inventory 库存商品", A, Role.INVENTORY),
    Account("1406", "Inventory in transit 在途物资", A, Role.INVENTORY_IN_TRANSIT),
    Account("2202", "Accounts payable 应付账款", L, Role.PAYABLES),
    Account("2203", "Advances from customers 预收账款", L, Role.CUSTOMER_ADVANCES),
    Account("2204", "Goods received not invoiced 暂估应付", L, Role.GRNI),
    Account("2221.01", "VAT input 应交税费-进项税额", L, Role.VAT_INPUT),  # a debit balance: it reduces VAT due
    Account("2221.02", "VAT output 应交税费-销项税额", L, Role.VAT_OUTPUT),
    Account("3001", "Paid-in capital 实收资本", E, Role.CAPITAL),
    Account("3104", "Retained earnings 未分配利润", E, Role.RETAINED_EARNINGS),
    Account("5001", "Revenue 主营业务收入", R, Role.REVENUE),
    Account("5002", "Sales returns 销售退回", R, Role.SALES_RETURNS),
    Account("5401", "Cost of goods sold 主营业务成本", X, Role.COGS),
    Account("5402", "Inventory gains and losses 存货盘盈盘亏", X, Role.INVENTORY_GAINS_LOSSES),
    Account("5403", "Purchase price variance 采购价差", X, Role.PURCHASE_PRICE_VARIANCE),
    Account("5603.01", "FX gains and losses 汇兑损益", X, Role.FX_GAINS_LOSSES),
    Account("5601", "Selling expenses 销售费用", X, Role.SELLING_EXPENSES),
    Account("5602", "Administrative expenses 管理费用", X, Role.ADMIN_EXPENSES),
    Account("5603", "Financial expenses 财务费用", X, Role.FINANCIAL_EXPENSES),
)
