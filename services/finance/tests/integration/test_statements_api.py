"""The financial statements through the finance API (real PostgreSQL), figures by hand: the profit and loss and the
balance sheet of scripted books, the same figures in CSV and XLSX, the three statements kept at period close; AR
aging and a customer's statement from the invoices and credit notes sales' events create (further down).

The books (posted as events would be, through post_entry; today is 2026-12-01 when written):

    2025-12-10  capital into the bank         Dr 1002 10000                       Cr 3001 10000
    2025-12-15  goods on credit               Dr 1405 2000, Dr 2221.01 260        Cr 2202 2260
    2025-12-20  a sale on credit              Dr 1122 1130                        Cr 5001 1000, Cr 2221.02 130
    2025-12-20  its cost                      Dr 5401 600                         Cr 1405 600
    2026-10-05  a cash sale                   Dr 1002 565                         Cr 5001 500, Cr 2221.02 65
    2026-10-05  its cost                      Dr 5401 300                         Cr 1405 300
    2026-10-12  a refund for goods returned   Dr 5002 50, Dr 2221.02 6.5          Cr 1002 56.5
    2026-10-20  office costs                  Dr 5602 40                          Cr 1002 40
    2026-10-25  advertising                   Dr 5601 30                          Cr 1002 30
    2026-10-28  an FX gain on the bank        Dr 1002 8                           Cr 5603.01 8
    2026-10-30  bank charges                  Dr 5603 2                           Cr 1002 2
    2026-11-03  a cash sale                   Dr 1002 226                         Cr 5001 200, Cr 2221.02 26

October 2026's profit and loss: revenue 500 - returns 50 = net revenue 450; - COGS 300 = gross profit 150;
- selling 30 - administrative 40 = operating result 80; FX and financial items: charges 2, FX gain -8 = -6; net
profit 80 + 6 = 86.

The balance sheet at 2026-10-31: bank 10000 + 565 - 56.5 - 40 - 30 + 8 - 2 = 10444.5, receivables 1130, inventory
2000 - 600 - 300 = 1100: assets 12674.5. Payables 2260, VAT input -260, VAT output 130 + 65 - 6.5 = 188.5:
liabilities 2188.5. Capital 10000, 2025's result not closed 1000 - 600 = 400, 2026's result 86: equity 10486.
2188.5 + 10486 = 12674.5.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from psi_contracts.events.sales import ORDER_SHIPPED_V1, RETURN_RECEIVED_V1
from psi_contracts.examples import load_example
from psi_finance.service.journal import post_entry

pytestmark = pytest.mark.integration
D = Decimal
Z = "0.000000"

BOOKS: tuple[tuple[date, tuple[tuple[str, str, str], ...]], ...] = (
    (date(2025, 12, 10), (("1002", "10000", "0"), ("3001", "0", "10000"))),
    (date(2025, 12, 15), (("1405", "2000", "0"), ("2221.01", "260", "0"), ("2202", "0", "2260"))),
    (date(2025, 12, 20), (("1122", "1130", "0"), ("5001", "0", "1000"), ("2221.02", "0", "130"))),
    (date(2025, 12, 20), (("5401", "600", "0"), ("1405", "0", "600"))),
    (date(2026, 10, 5), (("1002", "565", "0"), ("5001", "0", "500"), ("2221.02", "0", "65"))),
    (date(2026, 10, 5), (("5401", "300", "0"), ("1405", "0", "300"))),
    (date(2026, 10, 12), (("5002", "50", "0"), ("2221.02", "6.5", "0"), ("1002", "0", "56.5"))),
    (date(2026, 10, 20), (("5602", "40", "0"), ("1002", "0", "40"))),
    (date(2026, 10, 25), (("5601", "30", "0"), ("1002", "0", "30"))),
    (date(2026, 10, 28), (("1002", "8", "0"), ("5603.01", "0", "8"))),
    (date(2026, 10, 30), (("5603", "2", "0"), ("1002", "0", "2"))),
    (date(2026, 11, 3), (("1002", "226", "0"), ("5001", "0", "200"), ("2221.02", "0", "26"))),
)


def _post(api: Any, make_entry: Any, on: date, lines: tuple[tuple[str, str, str], ...], ref: str) -> Any:
    return api.in_session(lambda s: post_entry(s, make_entry(on, *lines, ref=ref), posted_by="test"))


def _books(api: Any, make_entry: Any) -> None:
    for i, (on, lines) in enumerate(BOOKS):
        assert _post(api, make_entry, on, lines, f"e-{i}") is not None


def _m(value: str) -> str:
    """A figure as the API writes it: six decimals."""
    return f"{D(value):.6f}"


def _block(block: dict[str, Any]) -> tuple[list[tuple[str, str]], str]:
    return [(ln["account"], ln["amount"]) for ln in block["lines"]], block["total"]


OCTOBER_PL = {
    "revenue": ([("5001", _m("500"))], _m("500")),
    "sales_returns": ([("5002", _m("50"))], _m("50")),
    "cost_of_goods_sold": ([("5401", _m("300"))], _m("300")),
    "operating_expenses": ([("5601", _m("30")), ("5602", _m("40"))], _m("70")),
    "financial_items": ([("5603", _m("2")), ("5603.01", _m("-8"))], _m("-6")),
}
OCTOBER_RESULTS = {
    "net_revenue": _m("450"),
    "gross_profit": _m("150"),
    "operating_result": _m("80"),
    "net_profit": _m("86"),
}


def _assert_october_pl(pl: dict[str, Any]) -> None:
    assert {name: _block(pl[name]) for name in OCTOBER_PL} == OCTOBER_PL
    assert {name: pl[name] for name in OCTOBER_RESULTS} == OCTOBER_RESULTS


def test_profit_and_loss_for_a_date_range_and_for_a_period(api: Any, make_entry: Any) -> None:
    _books(api, make_entry)
    pl = api.ok("GET", "/statements/profit-and-loss?date_from=2026-10-01&date_to=2026-10-31", role="viewer")
    assert (pl["currency"], pl["basis"], pl["period"], pl["date_from"], pl["date_to"]) == (
        "CNY",
        "dated",
        None,
        "2026-10-01",
        "2026-10-31",
    )
    _assert_october_pl(pl)
    assert pl["revenue"]["lines"][0]["name"] == "Revenue 主营业务收入"
    posted = api.ok("GET", "/statements/profit-and-loss?period=2026-10", role="sales_manager")
    assert (posted["basis"], posted["period"], posted["date_from"]) == ("posted", "2026-10", None)
    _assert_october_pl(posted)
    # 2025 to 2026-11-03: revenue 1000 + 500 + 200 = 1700, returns 50, COGS 600 + 300 = 900: gross profit 750;
    # operating expenses 70, financial items -6: net profit 750 - 70 + 6 = 686
    everything = api.ok("GET", "/statements/profit-and-loss?date_from=2025-01-01&date_to=2026-11-30")
    assert (everything["net_revenue"], everything["gross_profit"], everything["net_profit"]) == (
        _m("1650"),
        _m("750"),
        _m("686"),
    )
    # a window with nothing in it: every section empty, every result 0
    empty = api.ok("GET", "/statements/profit-and-loss?date_from=2026-09-01&date_to=2026-09-30")
    assert empty["revenue"] == {"lines": [], "total": Z} and empty["net_profit"] == Z
    # the default: the current month to today (2026-12: nothing dated yet)
    today = api.ok("GET", "/statements/profit-and-loss")
    assert today["date_to"] >= "2026-12-01" and today["date_from"] == today["date_to"][:8] + "01"


def _bs_figures(bs: dict[str, Any]) -> dict[str, Any]:
    equity = bs["equity"]
    return {
        "assets": _block(bs["assets"]),
        "liabilities": _block(bs["liabilities"]),
        "equity": _block(equity),
        "results": (equity["earlier_years_result"], equity["current_year_result"]),
        "liabilities_and_equity": bs["liabilities_and_equity"],
        "balanced": bs["balanced"],
    }


OCTOBER_BS = {
    "assets": ([("1002", _m("10444.5")), ("1122", _m("1130")), ("1405", _m("1100"))], _m("12674.5")),
    "liabilities": ([("2202", _m("2260")), ("2221.01", _m("-260")), ("2221.02", _m("188.5"))], _m("2188.5")),
    "equity": ([("3001", _m("10000"))], _m("10486")),  # 10000 + 400 + 86
    "results": (_m("400"), _m("86")),
    "liabilities_and_equity": _m("12674.5"),  # 2188.5 + 10486 = the assets
    "balanced": True,
}


def test_balance_sheet_as_of_a_date_balances_with_the_year_s_result_in_equity(api: Any, make_entry: Any) -> None:
    _books(api, make_entry)
    bs = api.ok("GET", "/statements/balance-sheet?as_of=2026-10-31", role="purchasing_manager")
    assert (bs["currency"], bs["basis"], bs["as_of"], bs["period"]) == ("CNY", "dated", "2026-10-31", None)
    assert _bs_figures(bs) == OCTOBER_BS
    assert _bs_figures(api.ok("GET", "/statements/balance-sheet?period=2026-10")) == OCTOBER_BS
    # debits = credits: the trial balance of the same books balances, and its closings are the balance sheet's
    tb = api.ok("GET", "/trial-balance?as_of=2026-10-31")
    assert tb["balanced"] is True and tb["totals"]["debit"] == tb["totals"]["credit"]
    closings = {r["account"]: D(r["closing"]) for r in tb["rows"] if r["type"] == "asset"}
    assert {a: D(v) for a, v in OCTOBER_BS["assets"][0]} == closings
    # 2025-12-31: the 2025 result is this year's result then: 400, nothing earlier
    year_end = api.ok("GET", "/statements/balance-sheet?as_of=2025-12-31")
    assert (year_end["equity"]["earlier_years_result"], year_end["equity"]["current_year_result"]) == (Z, _m("400"))
    # assets 10000 + 1130 + 1400 = 12530; liabilities 2260 - 260 + 130 = 2130; equity 10000 + 400
    assert (year_end["assets"]["total"], year_end["liabilities"]["total"], year_end["equity"]["total"]) == (
        _m("12530"),
        _m("2130"),
        _m("10400"),
    )
    assert year_end["balanced"] is True
    # 2026-11-30: + the November sale: bank 10670.5, VAT output 214.5, the year's result 86 + 200 = 286
    november = api.ok("GET", "/statements/balance-sheet?as_of=2026-11-30")
    assert (november["assets"]["total"], november["equity"]["current_year_result"]) == (_m("12900.5"), _m("286"))
    assert november["liabilities_and_equity"] == _m("12900.5") and november["balanced"] is True  # 2214.5 + 10686


def test_bad_windows_are_refused(api: Any) -> None:
    cases = [
        "/statements/profit-and-loss?date_from=2026-10-31&date_to=2026-10-01",
        "/statements/profit-and-loss?period=2026-10&date_from=2026-10-01",
        "/statements/profit-and-loss?period=2026-13",
        "/statements/profit-and-loss?date_from=2099-01-01",  # after date_to, today
        "/statements/balance-sheet?period=2026-10&as_of=2026-10-31",
        "/statements/balance-sheet?format=pdf",
        "/statements/customers/1042?date_from=2026-11-30&date_to=2026-11-01",
        "/statements/kept?kind=ledger",
    ]
    for path in cases:
        status, problem = api.call("GET", path)
        assert (status, problem["code"]) == (422, "VALIDATION_FAILED"), path
    assert api.call("GET", "/statements/kept/999999")[1]["code"] == "STATEMENT_NOT_FOUND"
    # the first day a date can name: empty statements, not an error
    assert api.ok("GET", "/statements/balance-sheet?as_of=0001-01-01")["balanced"] is True
    assert api.ok("GET", "/statements/profit-and-loss?date_to=0001-01-31")["net_profit"] == Z
    assert api.call("GET", "/statements/balance-sheet", role="sales")[0] == 403  # not a finance reader


def download(api: Any, monkeypatch: pytest.MonkeyPatch, path: str, role: str = "viewer") -> Any:
    """The raw response of ``api.call`` (a file is not JSON): the test client's answer, caught on its way."""
    caught: list[Any] = []
    original = api.client.open

    def open_and_keep(*args: Any, **kwargs: Any) -> Any:
        caught.append(original(*args, **kwargs))
        return caught[-1]

    with monkeypatch.context() as patch:
        patch.setattr(api.client, "open", open_and_keep)
        status, _ = api.call("GET", path, role=role)
    assert status == 200, (status, caught[-1].data[:500])
    return caught[-1]


def read_csv(response: Any) -> list[list[str]]:
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"), newline="")))


def read_xlsx(response: Any) -> dict[str, list[list[Any]]]:
    assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def _figure(value: Any) -> str:
    """An XLSX number (a float or an int) as the API writes the figure."""
    return f"{D(str(value)):.6f}"


def _statement_rows(rows: list[list[Any]]) -> dict[tuple[str, str], str]:
    """``section, account, name, amount`` rows keyed by section and account (or name, on a total or result)."""
    header, *body = rows
    assert header == ["section", "account", "name", "amount"]
    return {(r[0], r[1] or r[2]): _figure(r[3]) for r in body}


def _expected_pl_rows() -> dict[tuple[str, str], str]:
    rows = {}
    for section, (lines, total) in OCTOBER_PL.items():
        rows.update({(section, account): amount for account, amount in lines})
        name = "Total FX and financial items" if section == "financial_items" else None
        rows[(section, name or "Total " + section.replace("_", " "))] = total
    labels = {"net_revenue": "Net revenue", "gross_profit": "Gross profit", "operating_result": "Operating result"}
    rows.update({(key, labels.get(key, "Net profit")): value for key, value in OCTOBER_RESULTS.items()})
    return rows


def test_csv_and_xlsx_hold_the_json_s_figures(api: Any, make_entry: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _books(api, make_entry)
    window = "date_from=2026-10-01&date_to=2026-10-31"
    as_csv = download(api, monkeypatch, f"/statements/profit-and-loss?{window}&format=csv")
    assert as_csv.headers["Content-Disposition"] == ('attachment; filename="profit-and-loss_2026-10-01_2026-10-31.csv"')
    csv_rows = read_csv(as_csv)
    assert csv_rows[1] == ["revenue", "5001", "Revenue 主营业务收入", "500.000000"]
    assert _statement_rows(csv_rows) == _expected_pl_rows()
    book = read_xlsx(download(api, monkeypatch, f"/statements/profit-and-loss?{window}&format=xlsx"))
    assert list(book) == ["Profit and loss", "About"]
    assert _statement_rows(book["Profit and loss"]) == _expected_pl_rows()
    assert ["currency", "CNY"] in book["About"] and ["basis", "dated"] in book["About"]

    bs = api.ok("GET", "/statements/balance-sheet?as_of=2026-10-31")
    expected = {(s, ln["account"]): ln["amount"] for s in ("assets", "liabilities", "equity") for ln in bs[s]["lines"]}
    expected |= {
        ("assets", "Total assets"): _m("12674.5"),
        ("liabilities", "Total liabilities"): _m("2188.5"),
        ("equity", "Earlier years' result not closed"): _m("400"),
        ("equity", "Current-year result"): _m("86"),
        ("equity", "Total equity"): _m("10486"),
        ("liabilities_and_equity", "Total liabilities and equity"): _m("12674.5"),
    }
    bs_csv = read_csv(download(api, monkeypatch, "/statements/balance-sheet?as_of=2026-10-31&format=csv"))
    assert _statement_rows(bs_csv) == expected
    bs_xlsx = read_xlsx(download(api, monkeypatch, "/statements/balance-sheet?as_of=2026-10-31&format=xlsx"))
    assert _statement_rows(bs_xlsx["Balance sheet"]) == expected


def test_closing_a_period_keeps_its_three_statements_and_a_reclose_keeps_both(
    api: Any, make_entry: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _books(api, make_entry)
    tb_then = api.ok("GET", "/trial-balance?period=2026-10")
    pl_then = api.ok("GET", "/statements/profit-and-loss?period=2026-10")
    bs_then = api.ok("GET", "/statements/balance-sheet?period=2026-10")
    assert api.ok("GET", "/statements/kept") == {"items": [], "page": 1, "page_size": 50, "total": 0}
    api.ok("POST", "/periods/2026-10/close", role="admin")
    first = api.ok("GET", "/statements/kept?period=2026-10", role="viewer")
    assert first["total"] == 3
    assert [(k["period"], k["kind"], k["version"], k["kept_by"]) for k in first["items"]] == [
        ("2026-10", "balance_sheet", 1, "admin"),
        ("2026-10", "profit_and_loss", 1, "admin"),
        ("2026-10", "trial_balance", 1, "admin"),
    ]
    kept = {k["kind"]: api.ok("GET", f"/statements/kept/{k['id']}") for k in first["items"]}
    assert kept["trial_balance"]["body"] == tb_then  # as the routes showed them at close
    assert kept["profit_and_loss"]["body"] == pl_then
    assert kept["balance_sheet"]["body"] == bs_then
    assert kept["profit_and_loss"]["body"]["net_profit"] == _m("86")
    assert kept["balance_sheet"]["body"]["equity"]["current_year_result"] == _m("86")
    # as files: the kept P&L is laid out as the route lays out the same period's; the trial balance row by row
    pl_id, tb_id = (k["id"] for k in first["items"][1:])
    kept_csv = download(api, monkeypatch, f"/statements/kept/{pl_id}?format=csv")
    assert kept_csv.headers["Content-Disposition"] == 'attachment; filename="profit-and-loss-kept-v1_2026-10.csv"'
    live_csv = download(api, monkeypatch, "/statements/profit-and-loss?period=2026-10&format=csv")
    assert read_csv(kept_csv) == read_csv(live_csv)
    tb_sheet = read_xlsx(download(api, monkeypatch, f"/statements/kept/{tb_id}?format=xlsx"))["Trial balance"]
    assert tb_sheet[0] == ["account", "name", "type", "opening", "debit", "credit", "closing"]
    assert {r[0]: _figure(r[6]) for r in tb_sheet[1:-1]} == {r["account"]: r["closing"] for r in tb_then["rows"]}
    # the total row: debits 565 + 300 + 56.5 + 40 + 30 + 8 + 2 = 1001.5 = credits; openings and closings 0
    assert tb_sheet[-1][0] == "total" and [_figure(v) for v in tb_sheet[-1][3:]] == [Z, _m("1001.5"), _m("1001.5"), Z]

    # a late event dated in October moves into November: the October kept (and posted) stays, the dated one moves
    late = ((("5602", "5", "0"), ("1002", "0", "5")),)
    _post(api, make_entry, date(2026, 10, 15), late[0], "late")
    assert api.ok("GET", "/statements/profit-and-loss?period=2026-10")["net_profit"] == _m("86")
    dated = api.ok("GET", "/statements/profit-and-loss?date_from=2026-10-01&date_to=2026-10-31")
    assert dated["net_profit"] == _m("81")  # 86 - 5
    assert api.ok("GET", f"/statements/kept/{first['items'][1]['id']}")["body"] == pl_then

    # reopened, a correction posted into October, closed again: version 2 beside version 1
    api.ok("POST", "/periods/2026-10/reopen", role="admin")
    api.ok(
        "POST",
        "/journal-entries",
        {
            "entry_date": "2026-10-31",
            "description": "office costs found late",
            "lines": [{"account": "5602", "debit": "10"}, {"account": "1002", "credit": "10"}],
        },
    )
    api.ok("POST", "/periods/2026-10/close", role="admin")
    both = api.ok("GET", "/statements/kept?period=2026-10&kind=profit_and_loss")
    assert [k["version"] for k in both["items"]] == [2, 1]
    second, original = (api.ok("GET", f"/statements/kept/{k['id']}")["body"] for k in both["items"])
    assert (second["net_profit"], original["net_profit"]) == (_m("76"), _m("86"))  # 86 - 10; the first unchanged
    assert api.ok("GET", "/statements/kept")["total"] == 6
    page = api.ok("GET", "/statements/kept?page=2&page_size=4")
    assert [(k["kind"], k["version"]) for k in page["items"]] == [("profit_and_loss", 1), ("trial_balance", 1)]


# --- receivables: AR aging and a customer's statement -----------------------------------------------------
#
# AR aging and a customer's statement through the finance API (real PostgreSQL), from invoices and credit notes
# that sales' events create (golden examples with scripted dates and prices), figures by hand.
#
# Every shipment and return has one line at 100.00 a unit, VAT 13 %: a unit is 100 net + 13 tax = 113 gross.
# Aged on 2026-11-30:
#
#     customer 1042 (CUST-ACME)
#       INV  shipped 2026-11-30, terms 0   due 2026-11-30   0 days     current   1 unit    113
#       INV  shipped 2026-10-01, terms 30  due 2026-10-31   30 days    1-30      2 units   226
#       INV  shipped 2026-10-01, terms 29  due 2026-10-30   31 days    31-60     3 units   339
#       INV  shipped 2026-08-01, terms 31  due 2026-09-01   90 days    61-90     4 units   452
#       INV  shipped 2026-08-01, terms 30  due 2026-08-31   91 days    over 90   5 units   565
#       CN   received 2026-11-10                                       credit    1 unit   -113
#       total 113 + 226 + 339 + 452 + 565 - 113 = 1582
#     customer 2001 (CUST-BETA)
#       INV  shipped 2026-11-20, no terms (30)  due 2026-12-20  -20 days  current  1 unit  113
#     totals: current 226, 1-30 226, 31-60 339, 61-90 452, over 90 565, credit notes -113, total 1695
#
# (Sep 1 to Nov 30: 29 days to Sep 30, 31 in October, 30 in November = 90.) An invoice shipped 2026-12-01 is after
# the aging date and left out.


def _line(units: int) -> dict[str, Any]:
    return {
        "line_no": 1,
        "sku": "WIDGET-RED-M",
        "quantity": f"{units}.0000",
        "unit_price": "100.000000",
        "tax_rate": "0.130000",
    }


def _ship(api: Any, name: str, customer: tuple[str, str], shipped: str, units: int, terms: int | None) -> None:
    data = {
        **load_example(ORDER_SHIPPED_V1)["data"],
        "shipment_number": f"SHP-{name}",
        "order_number": f"SO-{name}",
        "customer_id": customer[0],
        "customer_code": customer[1],
        "shipped_at": f"{shipped}T02:00:00Z",
        "lines": [{**_line(units), "list_price": "100.000000", "discount_percent": "0.000000"}],
    }
    if terms is None:
        data.pop("payment_terms_days")
    else:
        data["payment_terms_days"] = terms
    assert api.deliver(ORDER_SHIPPED_V1, data, event_id=str(uuid.uuid4())) == ["ack"]


def _return(api: Any, name: str, customer_id: str, received: str, units: int) -> None:
    data = {
        **load_example(RETURN_RECEIVED_V1)["data"],
        "return_number": f"RMA-{name}",
        "order_number": f"SO-{name}",
        "customer_id": customer_id,
        "received_at": f"{received}T02:00:00Z",
        "lines": [{**_line(units), "order_line_no": 1, "condition": "resaleable"}],
    }
    assert api.deliver(RETURN_RECEIVED_V1, data, event_id=str(uuid.uuid4())) == ["ack"]


ACME, BETA = ("1042", "CUST-ACME"), ("2001", "CUST-BETA")


def _documents(api: Any) -> None:
    _ship(api, "A1", ACME, "2026-11-30", 1, 0)
    _ship(api, "A2", ACME, "2026-10-01", 2, 30)
    _ship(api, "A3", ACME, "2026-10-01", 3, 29)
    _ship(api, "A4", ACME, "2026-08-01", 4, 31)
    _ship(api, "A5", ACME, "2026-08-01", 5, 30)
    _return(api, "A1", ACME[0], "2026-11-10", 1)
    _ship(api, "B1", BETA, "2026-11-20", 1, None)
    _ship(api, "A6", ACME, "2026-12-01", 7, 30)  # after the aging date


def _columns(row: dict[str, Any]) -> tuple[str, ...]:
    keys = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90", "credit_notes", "total")
    return tuple(row[k] for k in keys)


def test_ar_aging_buckets_match_the_hand_figures(api: Any) -> None:
    _documents(api)
    aging = api.ok("GET", "/statements/ar-aging?as_of=2026-11-30", role="sales_manager")
    assert (aging["currency"], aging["as_of"]) == ("CNY", "2026-11-30")
    acme, beta = aging["customers"]
    assert (acme["customer_id"], acme["customer_code"]) == ACME
    assert _columns(acme) == (
        "113.000000",
        "226.000000",
        "339.000000",
        "452.000000",
        "565.000000",
        "-113.000000",
        "1582.000000",
    )
    # the documents by due date, each with its days past due and bucket; the credit note unaged
    assert [(d["kind"], d["due_on"], d["days_past_due"], d["bucket"], d["open_amount"]) for d in acme["documents"]] == [
        ("invoice", "2026-08-31", 91, "over_90", "565.000000"),
        ("invoice", "2026-09-01", 90, "61-90", "452.000000"),
        ("invoice", "2026-10-30", 31, "31-60", "339.000000"),
        ("invoice", "2026-10-31", 30, "1-30", "226.000000"),
        ("credit_note", "2026-11-10", 20, None, "113.000000"),
        ("invoice", "2026-11-30", 0, "current", "113.000000"),
    ]
    assert (beta["customer_id"], _columns(beta)) == ("2001", ("113.000000", Z, Z, Z, Z, Z, "113.000000"))
    assert beta["documents"][0]["days_past_due"] == -20
    assert _columns(aging["totals"]) == (
        "226.000000",
        "226.000000",
        "339.000000",
        "452.000000",
        "565.000000",
        "-113.000000",
        "1695.000000",
    )
    # a day later each of ACME's invoices is a day older, and the 7-unit one of 2026-12-01 (791) is current:
    later = api.ok("GET", "/statements/ar-aging?as_of=2026-12-01")["customers"][0]
    # current 791; 1-30 113 (1 day); 31-60 226 + 339 (31, 32 days); over 90 452 + 565 (91, 92 days)
    assert _columns(later) == ("791.000000", "113.000000", "565.000000", Z, "1017.000000", "-113.000000", "2373.000000")
    # before anything was invoiced: nothing open
    assert api.ok("GET", "/statements/ar-aging?as_of=2026-07-31")["customers"] == []


def test_ar_aging_as_csv_and_xlsx(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _documents(api)
    rows = read_csv(download(api, monkeypatch, "/statements/ar-aging?as_of=2026-11-30&format=csv"))
    assert rows == [
        [
            "customer_id",
            "customer_code",
            "current",
            "days_1_30",
            "days_31_60",
            "days_61_90",
            "over_90",
            "credit_notes",
            "total",
        ],
        [
            "1042",
            "CUST-ACME",
            "113.000000",
            "226.000000",
            "339.000000",
            "452.000000",
            "565.000000",
            "-113.000000",
            "1582.000000",
        ],
        ["2001", "CUST-BETA", "113.000000", Z, Z, Z, Z, Z, "113.000000"],
        [
            "total",
            "",
            "226.000000",
            "226.000000",
            "339.000000",
            "452.000000",
            "565.000000",
            "-113.000000",
            "1695.000000",
        ],
    ]
    book = read_xlsx(download(api, monkeypatch, "/statements/ar-aging?as_of=2026-11-30&format=xlsx"))
    assert list(book) == ["AR aging", "Documents", "About"]
    sheet = book["AR aging"]
    assert [[c if isinstance(c, str) or c is None else f"{c:.6f}" for c in row] for row in sheet[1:]] == [
        [c or None for c in row] for row in rows[1:]
    ]
    assert len(book["Documents"]) == 1 + 7  # the header, ACME's six and BETA's one


def _payments(api: Any) -> None:
    """ACME pays 100 on 2026-10-20 and 300 on 2026-11-15 (as service/payments.py keeps payments; in CNY, rate 1)."""
    for i, (on, amount) in enumerate((("2026-10-20", "100"), ("2026-11-15", "300")), start=1):
        api.execute(
            "INSERT INTO customer_payments (number, customer_id, currency, amount, rate, unallocated, received_on,"
            " reference, entry_id, created_by, created_at) VALUES (:number, '1042', 'CNY', :amount, 1, :amount,"
            " :on, :ref, 0, 'test', now())",
            number=f"PAY-{i:06d}",
            amount=D(amount),
            on=date.fromisoformat(on),
            ref=f"bank {i}",
        )


def test_a_customer_statement_with_opening_running_and_closing_balance(api: Any) -> None:
    _documents(api)
    _payments(api)
    # November for ACME: opening = Aug 113 x (4 + 5) + Oct 113 x (2 + 3) = 1017 + 565 = 1582, less October's
    # payment 100 = 1482; 11-10 credit note 113: 1369; 11-15 payment 300: 1069; 11-30 invoice 113: 1182
    statement = api.ok("GET", "/statements/customers/1042?date_from=2026-11-01&date_to=2026-11-30", role="viewer")
    assert (statement["customer_id"], statement["customer_code"], statement["currency"]) == ("1042", "CUST-ACME", "CNY")
    assert (statement["opening"], statement["debit"], statement["credit"], statement["closing"]) == (
        "1482.000000",
        "113.000000",
        "413.000000",  # 113 + 300
        "1182.000000",
    )
    assert [(ln["issued_on"], ln["kind"], ln["debit"], ln["credit"], ln["balance"]) for ln in statement["lines"]] == [
        ("2026-11-10", "credit_note", Z, "113.000000", "1369.000000"),
        ("2026-11-15", "payment", Z, "300.000000", "1069.000000"),
        ("2026-11-30", "invoice", "113.000000", Z, "1182.000000"),
    ]
    assert [(ln["number"], ln["document_ref"], ln["order_number"], ln["due_on"]) for ln in statement["lines"]][1:] == [
        ("PAY-000002", "bank 2", None, None),
        (statement["lines"][2]["number"], "SHP-A1", "SO-A1", "2026-11-30"),
    ]
    assert statement["lines"][0]["document_ref"] == "RMA-A1" and statement["lines"][0]["due_on"] == "2026-11-10"
    # from the first document: opening 0, the August pair 452 + 565 = 1017, October 226 + 339: 1582, ...
    whole = api.ok("GET", "/statements/customers/1042?date_from=2026-01-01&date_to=2026-12-31")
    assert whole["opening"] == Z and [ln["balance"] for ln in whole["lines"]] == [
        "452.000000",
        "1017.000000",
        "1243.000000",
        "1582.000000",
        "1482.000000",  # 10-20 paid 100
        "1369.000000",
        "1069.000000",
        "1182.000000",
        "1973.000000",  # + 7 x 113 = 791 on 12-01
    ]
    unknown = api.ok("GET", "/statements/customers/nobody?date_from=2026-11-01&date_to=2026-11-30")
    assert (unknown["customer_code"], unknown["opening"], unknown["closing"], unknown["lines"]) == (None, Z, Z, [])


def test_a_customer_statement_as_csv(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _documents(api)
    _payments(api)
    response = download(
        api, monkeypatch, "/statements/customers/1042?date_from=2026-11-01&date_to=2026-11-30&format=csv"
    )
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="customer-statement_1042_2026-11-01_2026-11-30.csv"'
    )
    rows = read_csv(response)
    number_cn, number_inv = rows[2][1], rows[4][1]
    assert rows == [
        ["issued_on", "number", "kind", "document_ref", "order_number", "due_on", "debit", "credit", "balance"],
        ["2026-11-01", "", "opening", "", "", "", "", "", "1482.000000"],
        ["2026-11-10", number_cn, "credit_note", "RMA-A1", "SO-A1", "2026-11-10", Z, "113.000000", "1369.000000"],
        ["2026-11-15", "PAY-000002", "payment", "bank 2", "", "", Z, "300.000000", "1069.000000"],
        ["2026-11-30", number_inv, "invoice", "SHP-A1", "SO-A1", "2026-11-30", "113.000000", Z, "1182.000000"],
        ["2026-11-30", "", "closing", "", "", "", "113.000000", "413.000000", "1182.000000"],
    ]
    assert number_cn.startswith("CN-") and number_inv.startswith("INV-")
    # a customer id of control characters and quotes: an empty workbook, a file name without them
    odd = download(api, monkeypatch, "/statements/customers/a%1B%22b?format=xlsx")
    assert odd.headers["Content-Disposition"].startswith('attachment; filename="customer-statement_a-b_')
    assert ["customer_id", 'a\ufffd"b'] in read_xlsx(odd)["About"]


# --- payables: AP aging and a supplier's statement -----------------------------------------------------------
#
# Bills in the payables subledger (written straight into it as service/bills.py posts them), aged on 2026-11-30:
#
#     supplier 3 (SUP-3, as its order names it)
#       AP-000001  issued 2026-11-01  due 2026-12-01   -1 day    current   1130, open 1130
#       AP-000002  issued 2026-09-15  due 2026-10-31   30 days   1-30       565, open 200 (part paid)
#       AP-000003  issued 2026-08-01  due 2026-09-01   90 days   61-90      452
#       AP-000004  issued 2026-07-01  due 2026-08-01   121 days  over 90    339
#       AP-000005  issued 2026-06-01  due 2026-07-01   paid: open 0, left out of the aging      113
#       total 1130 + 200 + 452 + 339 = 2121
#     supplier 7 (no code known)
#       AP-000006  USD 100 at 7.1 = 710, open 40: 40 x 7.1 = 284; issued 2026-11-20, due 2026-11-29: 1 day, 1-30
#     totals: current 1130, 1-30 200 + 284 = 484, 31-60 0, 61-90 452, over 90 339, total 2405

BILLS = (
    # supplier, number, issued, due, total, open, currency, rate
    ("3", "AP-000001", "2026-11-01", "2026-12-01", "1130", "1130", "CNY", "1"),
    ("3", "AP-000002", "2026-09-15", "2026-10-31", "565", "200", "CNY", "1"),
    ("3", "AP-000003", "2026-08-01", "2026-09-01", "452", "452", "CNY", "1"),
    ("3", "AP-000004", "2026-07-01", "2026-08-01", "339", "339", "CNY", "1"),
    ("3", "AP-000005", "2026-06-01", "2026-07-01", "113", "0", "CNY", "1"),
    ("7", "AP-000006", "2026-11-20", "2026-11-29", "100", "40", "USD", "7.1"),
)


def _bills(api: Any) -> None:
    api.execute(
        "INSERT INTO payable_orders (po_id, po_number, revision, supplier_id, supplier_code, currency, exchange_rate,"
        " status, approved_at, updated_at) VALUES ('po-1', 'PO-1', 1, '3', 'SUP-3', 'CNY', 1, 'open', now(), now())"
    )
    for i, (supplier, number, issued, due, total, open_, currency, rate) in enumerate(BILLS, start=1):
        api.execute(
            "INSERT INTO payables (number, kind, supplier_id, bill_id, po_number, document_ref, currency, rate,"
            " net_amount, tax_amount, total_amount, base_total_amount, open_amount, issued_on, due_on, entry_id,"
            " created_at) VALUES (:number, 'bill', :supplier, :i, 'PO-1', :ref, :currency, :rate, 0, 0, :total,"
            " :base, :open, :issued, :due, :i, now())",
            number=number,
            supplier=supplier,
            i=i,
            ref=f"B-{i}",
            currency=currency,
            rate=D(rate),
            total=D(total),
            base=D(total) * D(rate),
            open=D(open_),
            issued=date.fromisoformat(issued),
            due=date.fromisoformat(due),
        )


def _ap_columns(row: dict[str, Any]) -> tuple[str, ...]:
    keys = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90", "debit_notes", "total")
    return tuple(row[k] for k in keys)


def test_ap_aging_buckets_match_the_hand_figures(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _bills(api)
    aging = api.ok("GET", "/statements/ap-aging?as_of=2026-11-30", role="purchasing_manager")
    usd, sup3 = aging["suppliers"]  # a supplier without a code first
    assert (usd["supplier_id"], usd["supplier_code"], _ap_columns(usd)) == (
        "7",
        None,
        (Z, "284.000000", Z, Z, Z, Z, "284.000000"),
    )
    assert (sup3["supplier_id"], sup3["supplier_code"]) == ("3", "SUP-3")
    assert _ap_columns(sup3) == ("1130.000000", "200.000000", Z, "452.000000", "339.000000", Z, "2121.000000")
    assert [(d["number"], d["days_past_due"], d["bucket"]) for d in sup3["documents"]] == [
        ("AP-000004", 121, "over_90"),
        ("AP-000003", 90, "61-90"),
        ("AP-000002", 30, "1-30"),
        ("AP-000001", -1, "current"),
    ]
    assert _ap_columns(aging["totals"]) == (
        "1130.000000",
        "484.000000",
        Z,
        "452.000000",
        "339.000000",
        Z,
        "2405.000000",
    )
    rows = read_csv(download(api, monkeypatch, "/statements/ap-aging?as_of=2026-11-30&format=csv"))
    assert rows[0][:2] == ["supplier_id", "supplier_code"] and rows[0][-2:] == ["debit_notes", "total"]
    assert [r[0] for r in rows[1:]] == ["7", "3", "total"] and rows[-1][-1] == "2405.000000"


def test_a_supplier_statement_with_opening_running_and_closing_balance(
    api: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _bills(api)
    # November: opening = the bills before it, 565 + 452 + 339 + 113 = 1469 (what was billed; payments are not
    # lines yet); AP-000001 1130: 2599
    statement = api.ok("GET", "/statements/suppliers/3?date_from=2026-11-01&date_to=2026-11-30")
    assert (statement["supplier_id"], statement["supplier_code"]) == ("3", "SUP-3")
    assert (statement["opening"], statement["debit"], statement["credit"], statement["closing"]) == (
        "1469.000000",
        Z,
        "1130.000000",
        "2599.000000",
    )
    assert [(ln["number"], ln["po_number"], ln["credit"], ln["balance"]) for ln in statement["lines"]] == [
        ("AP-000001", "PO-1", "1130.000000", "2599.000000")
    ]
    year = api.ok("GET", "/statements/suppliers/3?date_from=2026-01-01&date_to=2026-12-31")
    # 113, + 339 = 452, + 452 = 904, + 565 = 1469, + 1130 = 2599
    assert [ln["balance"] for ln in year["lines"]] == [
        "113.000000",
        "452.000000",
        "904.000000",
        "1469.000000",
        "2599.000000",
    ]
    # the USD bill in the base currency: 100 x 7.1 = 710
    assert api.ok("GET", "/statements/suppliers/7?date_from=2026-11-01&date_to=2026-11-30")["closing"] == "710.000000"
    rows = read_csv(
        download(api, monkeypatch, "/statements/suppliers/3?date_from=2026-11-01&date_to=2026-11-30&format=csv")
    )
    assert rows[0] == [
        "issued_on",
        "number",
        "kind",
        "document_ref",
        "po_number",
        "due_on",
        "debit",
        "credit",
        "balance",
    ]
    assert rows[1] == ["2026-11-01", "", "opening", "", "", "", "", "", "1469.000000"]
    assert rows[-1] == ["2026-11-30", "", "closing", "", "", "", Z, "1130.000000", "2599.000000"]
