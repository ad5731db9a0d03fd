"""The posting rules on the golden examples and on figures worked out by hand: no I/O."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from psi_contracts.events import decode_data
from psi_contracts.examples import load_example
from psi_finance.domain.chart import STANDARD_CHART, Role
from psi_finance.domain.journal import balances, check_entry
from psi_finance.domain.posting_rules import (
    MissingFigures,
    credit_note,
    customer_invoice,
    return_restocked,
    sales_document,
    stock_adjusted,
    stock_issued,
    stock_received,
    supplier_return_issued,
)

D = Decimal
ACCOUNTS = {a.role: a.code for a in STANDARD_CHART if a.role is not None}
CODES = [a.code for a in STANDARD_CHART]


def _example(event_type: str, **changes: Any) -> dict[str, Any]:
    envelope = load_example(event_type)
    return decode_data(event_type, {**envelope["data"], **changes})


def _signed(entry: Any) -> dict[str, Decimal]:
    check_entry(entry, CODES)  # every rule's entry is balanced and names chart accounts only
    return {code: amount for code, amount in balances(entry.lines).items()}


def test_a_receipt_debits_inventory_and_credits_grni_at_its_booked_value() -> None:
    data = _example("inventory.StockReceived.v1")
    entry = stock_received("inventory.StockReceived.v1", "ev-1", data, ACCOUNTS)
    # the golden receipt: 8726.17 + 1139.75 = 9865.92 as booked by inventory
    assert _signed(entry) == {ACCOUNTS[Role.INVENTORY]: D("9865.92"), ACCOUNTS[Role.GRNI]: D("-9865.92")}
    assert (entry.source.kind, entry.source.ref, entry.source.document) == (
        "inventory.StockReceived.v1",
        "ev-1",
        "GRN-2025-0108",
    )
    assert str(entry.entry_date) == "2025-03-14"  # 10:32 at +08:00 is 02:32 UTC the same day


def test_an_issue_posts_cost_of_goods_and_an_adjustment_posts_by_its_sign() -> None:
    issued = _example("inventory.StockIssued.v1")
    entry = stock_issued("inventory.StockIssued.v1", "ev-2", issued, ACCOUNTS)
    assert _signed(entry) == {
        ACCOUNTS[Role.COGS]: issued["total_cost"],
        ACCOUNTS[Role.INVENTORY]: -issued["total_cost"],
    }
    loss = _example("inventory.StockAdjusted.v1", total_value="-16.00")
    assert _signed(stock_adjusted("t", "ev-3", loss, ACCOUNTS)) == {
        ACCOUNTS[Role.INVENTORY_GAINS_LOSSES]: D("16.00"),
        ACCOUNTS[Role.INVENTORY]: D("-16.00"),
    }
    gain = _example("inventory.StockAdjusted.v1", total_value="5.5")
    assert _signed(stock_adjusted("t", "ev-4", gain, ACCOUNTS)) == {
        ACCOUNTS[Role.INVENTORY]: D("5.5"),
        ACCOUNTS[Role.INVENTORY_GAINS_LOSSES]: D("-5.5"),
    }
    assert stock_adjusted("t", "ev-5", _example("inventory.StockAdjusted.v1", total_value="0"), ACCOUNTS) is None


def test_a_supplier_return_takes_inventory_out_against_grni() -> None:
    data = _example("inventory.SupplierReturnIssued.v1")
    entry = supplier_return_issued("inventory.SupplierReturnIssued.v1", "ev-6", data, ACCOUNTS)
    assert _signed(entry) == {ACCOUNTS[Role.GRNI]: data["total_value"], ACCOUNTS[Role.INVENTORY]: -data["total_value"]}


def test_a_shipment_is_invoiced_from_the_prices_on_its_lines() -> None:
    data = _example("sales.OrderShipped.v1")
    document = sales_document(data["lines"], "CNY", D(1))
    # 10 x 78.66 = 786.60 and 150 x 0.76 = 114.00: net 900.60; tax 13 %: 102.258 + 14.82 = 117.078
    assert (document.net, document.tax, document.gross) == (D("900.60"), D("117.078"), D("1017.678"))
    entry = customer_invoice("sales.OrderShipped.v1", "ev-7", data, ACCOUNTS, document)
    assert _signed(entry) == {
        ACCOUNTS[Role.RECEIVABLES]: D("1017.678"),
        ACCOUNTS[Role.REVENUE]: D("-900.60"),
        ACCOUNTS[Role.VAT_OUTPUT]: D("-117.078"),
    }
    assert entry.lines[0].party == "customer:1042" and entry.lines[0].currency is None


def test_a_foreign_invoice_keeps_its_currency_beside_the_base_amounts() -> None:
    data = _example("sales.OrderShipped.v1", currency="USD")
    document = sales_document(data["lines"], "USD", D("7.1"))
    entry = customer_invoice("sales.OrderShipped.v1", "ev-8", data, ACCOUNTS, document)
    # 900.60 x 7.1 = 6394.26, 117.078 x 7.1 = 831.2538: receivable 7225.5138
    assert _signed(entry)[ACCOUNTS[Role.RECEIVABLES]] == D("7225.5138")
    assert (entry.lines[0].currency, entry.lines[0].amount_currency) == ("USD", D("1017.678"))


def test_a_return_is_a_credit_note_at_the_price_it_was_sold_at() -> None:
    data = _example("sales.ReturnReceived.v1")
    document = sales_document(data["lines"], "CNY", D(1))
    # 3 x 78.66 = 235.98 net, 13 %: 30.6774 tax
    assert (document.net, document.tax) == (D("235.98"), D("30.6774"))
    entry = credit_note("sales.ReturnReceived.v1", "ev-9", data, ACCOUNTS, document)
    assert _signed(entry) == {
        ACCOUNTS[Role.SALES_RETURNS]: D("235.98"),
        ACCOUNTS[Role.VAT_OUTPUT]: D("30.6774"),
        ACCOUNTS[Role.RECEIVABLES]: D("-266.6574"),
    }


def test_an_event_without_prices_cannot_be_invoiced() -> None:
    data = _example("sales.OrderShipped.v1")
    bare = [{k: v for k, v in ln.items() if k not in ("unit_price", "tax_rate")} for ln in data["lines"]]
    with pytest.raises(MissingFigures):
        sales_document(bare, "CNY", D(1))
    with pytest.raises(MissingFigures):
        customer_invoice("t", "ev", {**data, "customer_id": None}, ACCOUNTS, sales_document(data["lines"], "CNY", D(1)))


def test_a_restocked_return_gives_back_its_cost_of_goods() -> None:
    data = _example("inventory.ReturnRestocked.v1")
    entry = return_restocked("inventory.ReturnRestocked.v1", "ev-10", data, ACCOUNTS)
    # 2 x 89.0425 + 1 x 89.0425 = 267.1275 back in stock, out of cost of goods sold
    assert _signed(entry) == {ACCOUNTS[Role.INVENTORY]: D("267.1275"), ACCOUNTS[Role.COGS]: D("-267.1275")}
    assert entry.source.document == "RMA-2025-0017"
