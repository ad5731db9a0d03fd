"""The books through the finance API (Flask test client, real PostgreSQL): manual entries, the trial balance and
the ledger with figures by hand, closed periods, reversals, and bad input that gets a problem and changes nothing.

The books of these tests (all dated before today, 2026-12-01 when written):

    2026-10-01  capital paid into the bank       Dr 1002 bank 10000           Cr 3001 capital 10000
    2026-10-15  goods bought on credit           Dr 1405 inventory 2000
                                                 Dr 2221.01 VAT input 260     Cr 2202 payables 2260
    2026-11-03  a cash sale                      Dr 1002 bank 1130            Cr 5001 revenue 1000
                                                                              Cr 2221.02 VAT output 130
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from psi_finance.service.journal import post_entry

pytestmark = pytest.mark.integration


def _lines(*sides: tuple[str, str, str]) -> list[dict[str, str]]:
    out = []
    for account, debit, credit in sides:
        line = {"account": account}
        if debit != "0":
            line["debit"] = debit
        if credit != "0":
            line["credit"] = credit
        out.append(line)
    return out


def _manual(api: Any, on: str, description: str, *sides: tuple[str, str, str], role: str = "accountant") -> Any:
    return api.ok(
        "POST", "/journal-entries", {"entry_date": on, "description": description, "lines": _lines(*sides)}, role
    )


def _books(api: Any) -> list[Any]:
    return [
        _manual(api, "2026-10-01", "capital", ("1002", "10000", "0"), ("3001", "0", "10000")),
        _manual(
            api, "2026-10-15", "goods on credit", ("1405", "2000", "0"), ("2221.01", "260", "0"), ("2202", "0", "2260")
        ),
        _manual(api, "2026-11-03", "cash sale", ("1002", "1130", "0"), ("5001", "0", "1000"), ("2221.02", "0", "130")),
    ]


def _rows(tb: dict[str, Any]) -> dict[str, tuple[str, str, str, str]]:
    return {r["account"]: (r["opening"], r["debit"], r["credit"], r["closing"]) for r in tb["rows"]}


def _closings(tb: dict[str, Any]) -> dict[str, str]:
    return {r["account"]: r["closing"] for r in tb["rows"] if r["closing"] != "0.000000"}


Z = "0.000000"


def test_manual_entries_post_and_show_in_the_trial_balance(api: Any) -> None:
    capital, goods, sale = _books(api)
    assert (capital["number"], capital["period"], capital["source_kind"], capital["posted_by"]) == (
        f"JE-{capital['id']:06d}",
        "2026-10",
        "manual",
        "accountant",
    )
    assert len(capital["source_ref"]) == 36 and capital["amount"] == "10000.000000"  # a uuid; Dr 10000 = Cr 10000
    assert [(ln["line_no"], ln["account"], ln["debit"], ln["credit"]) for ln in goods["lines"]] == [
        (1, "1405", "2000.000000", Z),
        (2, "2221.01", "260.000000", Z),
        (3, "2202", Z, "2260.000000"),
    ]
    october = api.ok("GET", "/trial-balance?period=2026-10", role="viewer")
    assert (october["currency"], october["period"], october["as_of"]) == ("CNY", "2026-10", None)
    assert _rows(october) == {
        "1002": (Z, "10000.000000", Z, "10000.000000"),
        "1405": (Z, "2000.000000", Z, "2000.000000"),
        "2202": (Z, Z, "2260.000000", "-2260.000000"),
        "2221.01": (Z, "260.000000", Z, "260.000000"),
        "3001": (Z, Z, "10000.000000", "-10000.000000"),
    }
    # debits 10000 + 2000 + 260 = 12260 = credits 10000 + 2260
    assert october["totals"] == {"opening": Z, "debit": "12260.000000", "credit": "12260.000000", "closing": Z}
    assert october["balanced"] is True
    november = api.ok("GET", "/trial-balance?period=2026-11", role="sales_manager")
    assert _rows(november)["1002"] == ("10000.000000", "1130.000000", Z, "11130.000000")  # 10000 + 1130
    assert _rows(november)["5001"] == (Z, Z, "1000.000000", "-1000.000000")
    assert _rows(november)["2202"] == ("-2260.000000", Z, Z, "-2260.000000")  # carried from October
    assert november["totals"] == {"opening": Z, "debit": "1130.000000", "credit": "1130.000000", "closing": Z}
    # as of 2026-11-02: October's balances as the opening, nothing yet in November
    as_of = api.ok("GET", "/trial-balance?as_of=2026-11-02")
    assert as_of["period"] is None and as_of["as_of"] == "2026-11-02"
    assert _closings(as_of) == {a: row[3] for a, row in _rows(october).items()}
    assert as_of["totals"]["debit"] == Z and as_of["balanced"]
    status, problem = api.call("GET", "/trial-balance?period=2026-11&as_of=2026-11-02")
    assert (status, problem["code"]) == (422, "VALIDATION_FAILED")


def test_the_ledger_runs_a_balance_over_pages(api: Any) -> None:
    _books(api)
    ledger = api.ok("GET", "/accounts/1002/ledger", role="purchasing_manager")
    assert (ledger["account"]["code"], ledger["opening"], ledger["closing"], ledger["total"]) == (
        "1002",
        Z,
        "11130.000000",  # 10000 + 1130
        2,
    )
    assert [(i["entry_date"], i["debit"], i["balance"]) for i in ledger["items"]] == [
        ("2026-10-01", "10000.000000", "10000.000000"),
        ("2026-11-03", "1130.000000", "11130.000000"),
    ]
    second = api.ok("GET", "/accounts/1002/ledger?page=2&page_size=1")
    assert [i["balance"] for i in second["items"]] == ["11130.000000"]  # the first page's 10000 carried in
    november = api.ok("GET", "/accounts/1002/ledger?date_from=2026-11-01&date_to=2026-11-30")
    assert (november["opening"], november["debit"], november["closing"]) == (
        "10000.000000",
        "1130.000000",
        "11130.000000",
    )
    payables = api.ok("GET", "/accounts/2202/ledger")
    assert [i["balance"] for i in payables["items"]] == ["-2260.000000"]  # a credit balance is negative
    assert api.call("GET", "/accounts/0000/ledger")[0] == 404


def test_refused_entries_change_nothing(api: Any) -> None:
    _books(api)
    before = api.rows()
    cases = [
        ((("1002", "100", "0"), ("5001", "0", "99.99")), 422, "UNBALANCED_ENTRY"),
        ((("9999", "100", "0"), ("5001", "0", "100")), 422, "UNKNOWN_ACCOUNT"),
        ((("1002", "100", "100"), ("5001", "0", "0")), 422, "INVALID_ENTRY"),
        ((("1002", "100", "0"),), 422, "INVALID_ENTRY"),
    ]
    for sides, status, code in cases:
        body = {"entry_date": "2026-11-05", "description": "bad", "lines": _lines(*sides)}
        answer = api.call("POST", "/journal-entries", body)
        assert (answer[0], answer[1]["code"]) == (status, code), (sides, answer)
    unbalanced = api.call(
        "POST",
        "/journal-entries",
        {"entry_date": "2026-11-05", "description": "x", "lines": _lines(("1002", "100", "0"), ("5001", "0", "99.99"))},
    )
    assert "differ by 0.01" in unbalanced[1]["detail"]
    number = {"description": "x", "lines": [{"account": "1002", "debit": 100}, {"account": "5001", "credit": "100"}]}
    status, problem = api.call("POST", "/journal-entries", number)
    assert (status, problem["code"]) == (422, "VALIDATION_FAILED") and "lines" in problem["errors"]
    future = {"entry_date": "2099-01-01", "description": "x", "lines": _lines(("1002", "1", "0"), ("5001", "0", "1"))}
    assert api.call("POST", "/journal-entries", future)[1]["code"] == "FUTURE_DATE"
    assert api.call("POST", "/journal-entries", {**future, "entry_date": "2026-11-05"}, role="sales")[0] == 403
    assert api.call("POST", "/journal-entries", {**future, "entry_date": "2026-11-05", "extra": 1})[0] == 422
    assert api.rows() == before


def test_a_closed_period_refuses_people_and_moves_late_events_on(api: Any, make_entry: Any) -> None:
    _books(api)
    october_before = api.ok("GET", "/trial-balance?period=2026-10")
    assert api.call("POST", "/periods/2026-10/close", role="accountant")[0] == 403  # an administrator's
    closed = api.ok("POST", "/periods/2026-10/close", role="admin")
    assert (closed["period"], closed["status"], closed["closed_by"]) == ("2026-10", "closed", "admin")
    before = api.rows()
    body = {
        "entry_date": "2026-10-20",
        "description": "late",
        "lines": _lines(("5602", "50", "0"), ("1001", "0", "50")),
    }
    status, problem = api.call("POST", "/journal-entries", body)
    assert (status, problem["code"], problem["errors"]) == (
        409,
        "PERIOD_CLOSED",
        {"entry_date": ["period 2026-10 is closed"]},
    )
    assert api.rows() == before
    # an event dated in October (a goods receipt booked late) moves on to November, its date kept
    late = make_entry(date(2026, 10, 20), ("1405", "300", "0"), ("2204", "0", "300"), ref="grn-late")
    entry_id = api.in_session(lambda s: post_entry(s, late, posted_by="finance-consumer"))
    moved = api.ok("GET", f"/journal-entries/{entry_id}", role="viewer")
    assert (moved["entry_date"], moved["period"], moved["moved_from_period"]) == ("2026-10-20", "2026-11", "2026-10")
    assert api.ok("GET", "/trial-balance?period=2026-10") == october_before  # a closed period's figures are final
    assert _rows(api.ok("GET", "/trial-balance?period=2026-11"))["2204"] == (Z, Z, "300.000000", "-300.000000")
    assert api.call("POST", "/periods/2026-10/close", role="admin")[1]["code"] == "PERIOD_ALREADY_CLOSED"
    assert api.call("POST", "/periods/2099-01/close", role="admin")[1]["code"] == "PERIOD_NOT_STARTED"
    assert api.call("POST", "/periods/2026-13/close", role="admin")[1]["code"] == "INVALID_PERIOD"
    assert api.call("POST", "/periods/2026-11/reopen", role="admin")[1]["code"] == "PERIOD_NOT_CLOSED"
    listed = api.ok("GET", "/periods", role="viewer")
    assert [(p["period"], p["status"]) for p in listed["items"]] == [("2026-11", "open"), ("2026-10", "closed")]
    reopened = api.ok("POST", "/periods/2026-10/reopen", role="admin")
    assert (reopened["status"], reopened["reopened_by"], reopened["closed_by"]) == ("open", "admin", "admin")
    assert (
        _manual(api, "2026-10-20", "late, after the reopening", ("5602", "50", "0"), ("1001", "0", "50"))["period"]
        == "2026-10"
    )


def test_a_reversal_restores_every_balance_exactly_and_only_once(api: Any) -> None:
    capital, goods, _sale = _books(api)
    before = _closings(api.ok("GET", "/trial-balance?period=2026-12"))
    wrong = _manual(api, "2026-11-20", "rent booked twice", ("5602", "3333.33", "0"), ("1002", "0", "3333.33"))
    after_wrong = _closings(api.ok("GET", "/trial-balance?period=2026-12"))
    assert after_wrong["1002"] == "7796.670000"  # 11130 - 3333.33
    status, problem = api.call("POST", f"/journal-entries/{wrong['id']}/reverse", {"entry_date": "2026-11-19"})
    assert (status, problem["code"]) == (422, "REVERSAL_BEFORE_ORIGINAL")
    reversal = api.ok("POST", f"/journal-entries/{wrong['id']}/reverse", {"entry_date": "2026-11-21"})
    assert (reversal["reverses"], reversal["source_kind"], reversal["source_ref"], reversal["document_ref"]) == (
        wrong["id"],
        "reversal",
        str(wrong["id"]),
        wrong["number"],
    )
    assert [(ln["account"], ln["debit"], ln["credit"]) for ln in reversal["lines"]] == [
        ("5602", Z, "3333.330000"),
        ("1002", "3333.330000", Z),
    ]
    assert reversal["description"] == f"reversal of entry {wrong['id']}: rent booked twice"
    assert _closings(api.ok("GET", "/trial-balance?period=2026-12")) == before  # every balance as it was
    assert api.ok("GET", f"/journal-entries/{wrong['id']}")["reversed_by"] == reversal["id"]
    unchanged = api.rows()
    assert api.call("POST", f"/journal-entries/{wrong['id']}/reverse", {})[1]["code"] == "ALREADY_REVERSED"
    assert api.call("POST", f"/journal-entries/{reversal['id']}/reverse", {})[1]["code"] == "REVERSAL_NOT_REVERSIBLE"
    assert api.call("POST", "/journal-entries/999999/reverse", {})[1]["code"] == "JOURNAL_ENTRY_NOT_FOUND"
    assert api.call("POST", f"/journal-entries/{goods['id']}/reverse", {}, role="viewer")[0] == 403
    assert api.rows() == unchanged
    # a reversal dated today (the default) posts into the current period
    today = api.ok("POST", f"/journal-entries/{capital['id']}/reverse", {"description": "capital never paid"})
    assert today["period"] == today["entry_date"][:7] and today["description"] == "capital never paid"


def test_the_journal_list_filters_and_pages(api: Any, make_entry: Any) -> None:
    capital, goods, sale = _books(api)
    event = make_entry(
        date(2026, 11, 4),
        ("1122", "113", "0"),
        ("5001", "0", "100"),
        ("2221.02", "0", "13"),
        kind="sales.OrderShipped.v1",
        ref="ev-1",
    )
    event_id = api.in_session(lambda s: post_entry(s, event, posted_by="finance-consumer"))

    def ids(query: str) -> list[int]:
        return [e["id"] for e in api.ok("GET", f"/journal-entries{query}", role="viewer")["items"]]

    assert ids("") == [event_id, sale["id"], goods["id"], capital["id"]]  # newest first
    assert ids("?period=2026-10") == [goods["id"], capital["id"]]
    assert ids("?account=1002") == [sale["id"], capital["id"]]
    assert ids("?source_kind=sales.OrderShipped.v1") == [event_id]
    assert ids("?date_from=2026-10-02&date_to=2026-11-03") == [sale["id"], goods["id"]]
    page = api.ok("GET", "/journal-entries?page=2&page_size=3")
    assert (page["total"], [e["id"] for e in page["items"]]) == (4, [capital["id"]])
    assert api.call("GET", "/journal-entries?period=2026-1")[0] == 422
    assert api.call("GET", "/journal-entries/999999")[1]["code"] == "JOURNAL_ENTRY_NOT_FOUND"


def test_the_chart_of_accounts(api: Any) -> None:
    chart = api.ok("GET", "/accounts?page_size=200", role="viewer")
    assert chart["total"] == 22 and chart["items"][0]["code"] == "1001"
    assert api.ok("GET", "/accounts?type=equity")["total"] == 2  # paid-in capital, retained earnings
    assert (
        api.call(
            "POST", "/accounts", {"code": "5603.02", "name": "Bank fees", "type": "expense"}, role="sales_manager"
        )[0]
        == 403
    )
    fees = api.ok("POST", "/accounts", {"code": "5603.02", "name": "Bank fees 手续费", "type": "expense"})
    assert (fees["code"], fees["active"], fees["role"]) == ("5603.02", True, None)
    assert (
        api.call("POST", "/accounts", {"code": "5603.02", "name": "Again", "type": "expense"})[1]["code"]
        == "ACCOUNT_CODE_TAKEN"
    )
    assert api.call("POST", "/accounts", {"code": "56", "name": "Short", "type": "expense"})[0] == 422
    assert api.ok("PATCH", "/accounts/5603.02", {"name": "Bank charges"})["name"] == "Bank charges"
    # the role moves: the new bank account takes it from 1002
    second_bank = api.ok(
        "POST", "/accounts", {"code": "1002.01", "name": "Bank, second", "type": "asset", "role": "bank"}
    )
    assert second_bank["role"] == "bank" and api.ok("GET", "/accounts/1002")["role"] is None
    status, problem = api.call("PATCH", "/accounts/1002.01", {"active": False})
    assert (status, problem["code"]) == (409, "ACCOUNT_HAS_ROLE")
    assert api.ok("PATCH", "/accounts/1002", {"role": "bank"})["role"] == "bank"  # and back
    # a deactivated account keeps its balance and its code, and takes no postings
    _manual(api, "2026-11-10", "fees", ("5603.02", "5", "0"), ("1001", "0", "5"))
    assert api.ok("PATCH", "/accounts/5603.02", {"active": False})["active"] is False
    body = {
        "entry_date": "2026-11-11",
        "description": "more fees",
        "lines": _lines(("5603.02", "5", "0"), ("1001", "0", "5")),
    }
    assert api.call("POST", "/journal-entries", body)[1]["code"] == "UNKNOWN_ACCOUNT"
    assert _rows(api.ok("GET", "/trial-balance?period=2026-11"))["5603.02"][3] == "5.000000"
    assert api.call("POST", "/accounts", {"code": "5603.02", "name": "Reused?", "type": "expense"})[0] == 409
    # deleted only when nothing was ever posted to it
    assert api.call("DELETE", "/accounts/5603.02")[1]["code"] == "ACCOUNT_IN_USE"
    assert api.call("DELETE", "/accounts/1002.01")[0] == 204
    assert api.call("GET", "/accounts/1002.01")[1]["code"] == "ACCOUNT_NOT_FOUND"
    assert api.call("DELETE", "/accounts/1002")[1]["code"] == "ACCOUNT_HAS_ROLE"
    assert api.call("DELETE", "/accounts/5603.02", role="viewer")[0] == 403
    assert (
        api.call("PATCH", "/accounts/1001", {})[0] == 422
        and api.call("PATCH", "/accounts/0000", {"name": "x"})[0] == 404
    )
