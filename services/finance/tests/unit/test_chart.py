"""The standard chart (domain/chart.py): every role once, codes in 小企业会计准则 numbering, the normal sides."""

from __future__ import annotations

import re

from psi_finance.domain.chart import DEBIT_NORMAL, PROFIT_AND_LOSS, STANDARD_CHART, AccountType, Role


def test_every_role_is_held_by_exactly_one_account() -> None:
    held = [a.role for a in STANDARD_CHART if a.role is not None]
    assert sorted(held) == sorted(Role) and len(held) == len(set(held))


def test_codes_are_unique_and_numbered_by_type() -> None:
    codes = [a.code for a in STANDARD_CHART]
    assert len(codes) == len(set(codes)) == 22
    first_digit = {"1": AccountType.ASSET, "3": AccountType.EQUITY}
    for account in STANDARD_CHART:
        assert re.fullmatch(r"[0-9]{4}(\.[0-9]{2})?", account.code)
        if account.code[0] in first_digit:
            assert account.type is first_digit[account.code[0]]


def test_normal_sides_and_profit_and_loss() -> None:
    by_role = {a.role: a for a in STANDARD_CHART}
    assert by_role[Role.BANK].debit_normal and by_role[Role.COGS].debit_normal
    assert not by_role[Role.PAYABLES].debit_normal and not by_role[Role.REVENUE].debit_normal
    assert DEBIT_NORMAL == {AccountType.ASSET, AccountType.EXPENSE}
    assert PROFIT_AND_LOSS == {AccountType.REVENUE, AccountType.EXPENSE}
