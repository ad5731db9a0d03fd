"""The books as people read them: the trial balance and an account's ledger (reads only, no transaction kept).

* ``period``: what was **posted into** the period (the books as closed: a closed period's figures never change);
  opening = every period before it. An entry moved out of a closed period counts in the period it posted into.
* ``as_of``: what is **dated** up to that day (business dates, like inventory's stock as of a time), from the
  first of its month; opening = everything dated before that month. A late entry shows on its own date here.
* No year-end closing is made: revenue and expense accounts carry their balance from year to year.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from psi_chassis.db import Database
from psi_chassis.decimals import q6
from psi_finance.adapters import accounts, queries
from psi_finance.domain.errors import AccountNotFound
from psi_finance.domain.ledger import running_balances
from psi_finance.domain.periods import first_day, parse_period, period_of
from psi_finance.domain.trial_balance import TrialBalance, trial_balance


def trial_balance_report(db: Database, period: str | None, as_of: date | None, today: date) -> dict[str, Any]:
    """The trial balance for ``period`` (default: the current month) or ``as_of`` a date."""
    with db.unit_of_work() as session:
        chart = accounts.all_accounts(session)
        if as_of is not None:
            month = first_day(period_of(as_of))
            before = queries.sides_by_account(session, queries.dated_before(month))
            during = queries.sides_by_account(session, queries.dated(month, as_of))
        else:
            period = parse_period(period or period_of(today))
            before = queries.sides_by_account(session, queries.before_period(period))
            during = queries.sides_by_account(session, queries.in_period(period))
    opening = {code: debit - credit for code, (debit, credit) in before.items()}
    return {"period": None if as_of else period, "as_of": as_of, **_view(trial_balance(chart, opening, during))}


def _view(tb: TrialBalance) -> dict[str, Any]:
    rows = [
        {
            "account": r.account.code,
            "name": r.account.name,
            "type": r.account.type.value,
            "opening": q6(r.opening),
            "debit": q6(r.debit),
            "credit": q6(r.credit),
            "closing": q6(r.closing),
        }
        for r in tb.rows
    ]
    totals = {"opening": q6(tb.opening), "debit": q6(tb.debit), "credit": q6(tb.credit), "closing": q6(tb.closing)}
    return {"rows": rows, "totals": totals, "balanced": tb.balanced}


def account_ledger(db: Database, code: str, filters: dict[str, Any], page: int, page_size: int) -> dict[str, Any]:
    """An account's lines from ``date_from`` to ``date_to`` (business dates, inclusive) with the balance after
    each, starting from its balance before ``date_from``; ``party`` narrows it to one customer or supplier."""
    window = (filters.get("date_from"), filters.get("date_to"))
    with db.unit_of_work() as session:
        account = accounts.account(session, code)
        if account is None:
            raise AccountNotFound(f"account {code} does not exist")
        found = queries.ledger_page(session, code, filters.get("party"), window, page, page_size)
    rows = found["rows"]
    balances = running_balances(found["opening"] + found["before_page"], [(r.debit, r.credit) for r in rows])
    items = [{**_ledger_line(r), "balance": q6(b)} for r, b in zip(rows, balances, strict=True)]
    closing = found["opening"] + found["debit"] - found["credit"]
    return {
        "account": {k: account[k] for k in ("code", "name", "type", "active")},
        "party": filters.get("party"),
        "date_from": window[0],
        "date_to": window[1],
        "opening": q6(found["opening"]),
        "debit": q6(found["debit"]),
        "credit": q6(found["credit"]),
        "closing": q6(closing),
        "items": items,
        "page": page,
        "page_size": page_size,
        "total": found["count"],
    }


def _ledger_line(row: Any) -> dict[str, Any]:
    return {
        "entry_id": row.entry_id,
        "number": row.number,
        "entry_date": row.entry_date,
        "period": row.period,
        "description": row.description,
        "line_no": row.line_no,
        "debit": row.debit,
        "credit": row.credit,
        "memo": row.memo,
        "party": row.party,
        "currency": row.currency,
        "amount_currency": row.amount_currency,
    }
