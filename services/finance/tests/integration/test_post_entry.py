"""post_entry and account_for on real PostgreSQL: the one way into the journal, in the caller's transaction.

Figures by hand beside each check. Event-like entries are built by the ``make_entry`` fixture (account, debit,
credit); the chart is the standard one the migration seeds.
"""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from psi_chassis.errors import ProblemError
from psi_finance.adapters.journal import load_entry
from psi_finance.domain.chart import STANDARD_CHART, Role
from psi_finance.domain.errors import (
    AlreadyReversed,
    NoAccountForRole,
    PeriodClosed,
    ReversalNotReversible,
    UnbalancedEntry,
    UnknownAccount,
)
from psi_finance.domain.journal import Source, reversal_of
from psi_finance.domain.periods import OnClosed
from psi_finance.service.journal import account_for, post_entry

pytestmark = pytest.mark.integration

D = Decimal


def _post(api: Any, entry: Any, **kwargs: Any) -> int | None:
    return api.in_session(lambda s: post_entry(s, entry, posted_by="consumer", **kwargs))


def _header(api: Any, entry_id: int) -> Any:
    with api.db.engine.connect() as conn:
        return conn.execute(text("SELECT * FROM journal_entries WHERE id = :i"), {"i": entry_id}).one()


def test_the_migration_seeds_the_standard_chart_and_account_for_finds_each_role(api: Any) -> None:
    assert api.scalar("SELECT count(*) FROM accounts WHERE active") == len(STANDARD_CHART) == 22
    codes = api.in_session(lambda s: {role: account_for(s, role) for role in Role})
    assert codes == {a.role: a.code for a in STANDARD_CHART if a.role is not None}
    assert (codes[Role.BANK], codes[Role.VAT_INPUT], codes[Role.GRNI]) == ("1002", "2221.01", "2204")


def test_a_balanced_entry_posts_into_its_month_with_a_number_and_its_lines(api: Any, make_entry: Any) -> None:
    # Dr inventory 1130 (1000 goods + 130 VAT split below), i.e. Dr 1405 1000, Dr 2221.01 130, Cr 2204 1130
    entry = make_entry(date(2026, 10, 5), ("1405", "1000", "0"), ("2221.01", "130", "0"), ("2204", "0", "1130"))
    entry_id = _post(api, entry)
    assert entry_id is not None
    header = _header(api, entry_id)
    assert (header.number, header.period, header.moved_from_period) == (f"JE-{entry_id:06d}", "2026-10", None)
    assert (header.source_kind, header.source_ref, header.document_ref, header.posted_by) == (
        "test.Event.v1",
        "e-1",
        "DOC-1",
        "consumer",
    )
    assert api.scalar("SELECT status FROM periods WHERE period = '2026-10'") == "open"  # created open on first use
    with api.db.engine.connect() as conn:
        lines = conn.execute(
            text("SELECT line_no, account, debit, credit FROM journal_lines WHERE entry_id = :i ORDER BY line_no"),
            {"i": entry_id},
        ).all()
    assert [tuple(r) for r in lines] == [
        (1, "1405", D("1000"), D("0")),
        (2, "2221.01", D("130"), D("0")),
        (3, "2204", D("0"), D("1130")),
    ]


def test_the_same_source_posts_once(api: Any, make_entry: Any) -> None:
    entry = make_entry(date(2026, 10, 5), ("1002", "50", "0"), ("5001", "0", "50"), ref="evt-7")
    first = _post(api, entry)
    before = api.rows()
    assert first is not None and _post(api, entry) is None  # the redelivery writes nothing
    # even with other lines: the source (kind, ref) is what posts once
    other = make_entry(date(2026, 10, 6), ("1001", "9", "0"), ("5001", "0", "9"), ref="evt-7")
    assert _post(api, other) is None
    assert api.rows() == before


def test_a_concurrent_delivery_of_the_same_source_waits_and_then_writes_nothing(api: Any, make_entry: Any) -> None:
    entry = make_entry(date(2026, 10, 5), ("1002", "50", "0"), ("5001", "0", "50"), ref="race")
    outcome: dict[str, Any] = {}
    with api.db.unit_of_work() as first:
        assert post_entry(first, entry, posted_by="a") is not None
        # the second transaction's INSERT ... ON CONFLICT waits for the first to end, then does nothing
        second = threading.Thread(target=lambda: outcome.setdefault("id", _post(api, entry)))
        second.start()
        second.join(timeout=0.5)
        assert second.is_alive()
        first.commit()
    second.join(timeout=10)
    assert outcome == {"id": None}
    assert api.scalar("SELECT count(*) FROM journal_entries") == 1


def test_refused_entries_write_nothing(api: Any, make_entry: Any) -> None:
    before = api.rows()
    unbalanced = make_entry(date(2026, 10, 5), ("1002", "100", "0"), ("5001", "0", "99.99"))
    with pytest.raises(UnbalancedEntry) as refused:
        _post(api, unbalanced)
    assert "differ by 0.01" in refused.value.detail  # 100 - 99.99
    with pytest.raises(UnknownAccount) as unknown:
        _post(api, make_entry(date(2026, 10, 5), ("9999", "1", "0"), ("5001", "0", "1")))
    assert unknown.value.errors == {"lines.0": ["account 9999 does not exist or does not take postings"]}
    api.execute("UPDATE accounts SET active = false WHERE code = '5602'")
    with pytest.raises(UnknownAccount):
        _post(api, make_entry(date(2026, 10, 5), ("5602", "1", "0"), ("1001", "0", "1")))
    api.execute("UPDATE accounts SET active = true WHERE code = '5602'")
    assert api.rows() == before


def test_post_entry_does_not_commit_the_callers_transaction(api: Any, make_entry: Any) -> None:
    with api.db.unit_of_work() as session:
        assert post_entry(session, make_entry(date(2026, 10, 5), ("1002", "1", "0"), ("5001", "0", "1")), posted_by="x")
        session.rollback()
    assert api.scalar("SELECT count(*) FROM journal_entries") == 0


def test_a_late_event_moves_to_the_next_open_period_and_a_person_is_refused(api: Any, make_entry: Any) -> None:
    api.execute("INSERT INTO periods (period, status) VALUES ('2026-10', 'closed'), ('2026-11', 'closed')")
    late = make_entry(date(2026, 10, 31), ("1405", "10", "0"), ("2204", "0", "10"), ref="late")
    entry_id = _post(api, late)
    assert entry_id is not None
    header = _header(api, entry_id)
    # October and November closed: the next open month after 2026-10 is 2026-12; the business date stays
    assert (header.entry_date, header.period, header.moved_from_period) == (date(2026, 10, 31), "2026-12", "2026-10")
    before = api.rows()
    with pytest.raises(PeriodClosed):
        _post(
            api,
            make_entry(date(2026, 11, 2), ("1001", "1", "0"), ("5001", "0", "1"), ref="p"),
            on_closed=OnClosed.REFUSE,
        )
    assert api.rows() == before
    on_time = _post(api, make_entry(date(2026, 9, 30), ("1001", "1", "0"), ("5001", "0", "1"), ref="sept"))
    assert on_time is not None and _header(api, on_time).period == "2026-09"


def test_a_reversal_posts_once_and_is_not_reversed_itself(api: Any, make_entry: Any) -> None:
    original_id = _post(
        api, make_entry(date(2026, 10, 5), ("1122", "113", "0"), ("5001", "0", "100"), ("2221.02", "0", "13"))
    )
    assert original_id is not None
    original = api.in_session(lambda s: load_entry(s, original_id))
    reversal = reversal_of(original_id, original, date(2026, 10, 6), Source("reversal", str(original_id), "JE"))
    reversal_id = _post(api, reversal)
    assert reversal_id is not None and _header(api, reversal_id).reverses == original_id
    # every account back to zero: 1122 +113 -113, 5001 -100 +100, 2221.02 -13 +13
    with api.db.engine.connect() as conn:
        sums = conn.execute(text("SELECT account, sum(debit) - sum(credit) FROM journal_lines GROUP BY account")).all()
    assert {a: s for a, s in sums} == {"1122": D(0), "5001": D(0), "2221.02": D(0)}
    # another source reversing the same entry: refused, whoever asks
    again = reversal_of(original_id, original, date(2026, 10, 7), Source("other.Reversal.v1", "r-2", "JE"))
    with pytest.raises(AlreadyReversed):
        _post(api, again)
    stored = api.in_session(lambda s: load_entry(s, reversal_id))
    undo = reversal_of(reversal_id, stored, date(2026, 10, 8), Source("reversal", str(reversal_id), "JE"))
    with pytest.raises(ReversalNotReversible):
        _post(api, undo)


def test_account_for_refuses_a_role_no_active_account_holds(api: Any) -> None:
    api.execute("UPDATE accounts SET role = NULL WHERE role = 'fx_gains_losses'")
    with pytest.raises(NoAccountForRole) as missing:
        api.in_session(lambda s: account_for(s, Role.FX_GAINS_LOSSES))
    assert isinstance(missing.value, ProblemError) and missing.value.status == 409
