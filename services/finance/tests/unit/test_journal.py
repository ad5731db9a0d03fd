"""The journal's rules (domain/journal.py), pure: figures by hand beside each check."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from psi_finance.domain.errors import (
    InvalidEntry,
    ReversalBeforeOriginal,
    ReversalNotReversible,
    UnbalancedEntry,
    UnknownAccount,
)
from psi_finance.domain.journal import (
    JournalEntry,
    JournalLine,
    Source,
    balances,
    check_entry,
    check_reversal,
    entry_number,
    reversal_of,
    without_zero_lines,
)

D = Decimal
CHART = {"1002", "1122", "5001", "2221.02"}
SRC = Source("sales.OrderShipped.v1", "evt-1", "SHP-000001")


def _entry(*lines: JournalLine, **kwargs: object) -> JournalEntry:
    return JournalEntry(date(2026, 10, 5), "invoice", kwargs.pop("source", SRC), tuple(lines), **kwargs)  # type: ignore[arg-type]


def _invoice() -> JournalEntry:
    # net 100 at 13 % VAT: Dr receivables 113, Cr revenue 100, Cr VAT output 13
    return _entry(
        JournalLine("1122", debit=D("113"), party="customer:7"),
        JournalLine("5001", credit=D("100")),
        JournalLine("2221.02", credit=D("13")),
    )


def test_a_balanced_entry_passes_and_its_totals_add_up() -> None:
    entry = _invoice()
    check_entry(entry, CHART)
    assert (entry.total_debit, entry.total_credit) == (D("113"), D("113"))  # 100 + 13 = 113
    assert balances(entry.lines) == {"1122": D("113"), "5001": D("-100"), "2221.02": D("-13")}


def test_debits_and_credits_that_differ_are_unbalanced() -> None:
    entry = _entry(JournalLine("1002", debit=D("100")), JournalLine("5001", credit=D("99.99")))
    with pytest.raises(UnbalancedEntry) as refused:
        check_entry(entry, CHART)
    assert refused.value.code == "UNBALANCED_ENTRY" and "differ by 0.01" in refused.value.detail


def test_an_unknown_account_is_its_own_code_and_other_faults_are_invalid_entry() -> None:
    with pytest.raises(UnknownAccount) as unknown:
        check_entry(_entry(JournalLine("9999", debit=D("1")), JournalLine("5001", credit=D("1"))), CHART)
    assert (unknown.value.code, unknown.value.status) == ("UNKNOWN_ACCOUNT", 422)
    assert unknown.value.errors == {"lines.0": ["account 9999 does not exist or does not take postings"]}
    # an unknown account beside a line with both sides: every problem reported, INVALID_ENTRY
    with pytest.raises(InvalidEntry) as invalid:
        check_entry(_entry(JournalLine("9999", debit=D("1")), JournalLine("5001", D("1"), D("1"))), CHART)
    assert invalid.value.code == "INVALID_ENTRY" and set(invalid.value.errors or {}) == {"lines.0", "lines.1"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (JournalLine("1002"), "exactly one of them above 0"),
        (JournalLine("1002", D("1"), D("1")), "exactly one of them above 0"),
        (JournalLine("1002", debit=D("-1")), "not negative"),
        (JournalLine("1002", debit=D("0.0000001")), "six decimals"),
        (JournalLine("1002", debit=D(10) ** 15), "below"),
        (JournalLine("1002", debit=D("1"), memo="m" * 501), "memo"),
        (JournalLine("1002", debit=D("1"), party=""), "party"),
        (JournalLine("1002", debit=D("1"), currency="USD"), "both its currency and its amount"),
        (JournalLine("1002", debit=D("1"), currency="US", amount_currency=D("1")), "three-letter"),
        (JournalLine("1002", debit=D("1"), currency="USD", amount_currency=D("0")), "above 0"),
    ],
)
def test_a_bad_line_is_refused_with_its_reason(line: JournalLine, message: str) -> None:
    with pytest.raises(InvalidEntry) as refused:
        check_entry(_entry(line, JournalLine("5001", credit=D("1"))), CHART)
    assert message in refused.value.errors["lines.0"][0]  # type: ignore[index]


def test_an_entry_needs_two_lines_a_description_and_a_source() -> None:
    with pytest.raises(InvalidEntry) as one_line:
        check_entry(_entry(JournalLine("1002", debit=D("1"))), CHART)
    assert "lines" in (one_line.value.errors or {})
    bad = JournalEntry(date(2026, 10, 5), " ", Source("", "r" * 101, "d"), _invoice().lines)
    with pytest.raises(InvalidEntry) as header:
        check_entry(bad, CHART)
    assert set(header.value.errors or {}) == {"description", "source.kind", "source.ref"}


def test_a_foreign_currency_line_keeps_its_currency_beside_the_base_amount() -> None:
    # USD 100 at 7.1: the ledger holds CNY 710, the line remembers USD 100
    entry = _entry(
        JournalLine("1002", debit=D("710"), currency="USD", amount_currency=D("100")),
        JournalLine("5001", credit=D("710")),
    )
    check_entry(entry, CHART)


def test_a_reversal_swaps_every_side_and_names_the_original() -> None:
    original = _invoice()
    reversal = reversal_of(41, original, date(2026, 10, 9), Source("reversal", "41", "JE-000041"))
    assert reversal.reverses == 41 and reversal.entry_date == date(2026, 10, 9)
    assert [(ln.account, ln.debit, ln.credit, ln.party) for ln in reversal.lines] == [
        ("1122", D("0"), D("113"), "customer:7"),
        ("5001", D("100"), D("0"), None),
        ("2221.02", D("13"), D("0"), None),
    ]
    # the two together leave every account at zero
    assert set(balances(original.lines + reversal.lines).values()) == {D(0)}
    check_entry(reversal, CHART)


def test_check_reversal_refuses_reversing_a_reversal_or_dating_it_before_the_original() -> None:
    check_reversal(_invoice(), date(2026, 10, 5))  # the same day is fine
    with pytest.raises(ReversalBeforeOriginal):
        check_reversal(_invoice(), date(2026, 10, 4))
    reversal = reversal_of(41, _invoice(), date(2026, 10, 9), Source("reversal", "41", "JE-000041"))
    with pytest.raises(ReversalNotReversible) as refused:
        check_reversal(reversal, date(2026, 10, 10))
    assert refused.value.status == 409


def test_numbers_and_zero_lines() -> None:
    assert (entry_number(1), entry_number(1234567)) == ("JE-000001", "JE-1234567")
    lines = (JournalLine("1002", debit=D("5")), JournalLine("2221.02"), JournalLine("5001", credit=D("5")))
    assert [ln.account for ln in without_zero_lines(lines)] == ["1002", "5001"]
