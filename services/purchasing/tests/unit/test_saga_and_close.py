"""The return saga's rules, short-close figures and business times (issue 8 points 4 and 11); no I/O."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from psi_purchasing.domain.business_time import ensure_happened
from psi_purchasing.domain.commands import OrderLine, ReceiptLine, ReturnLine
from psi_purchasing.domain.errors import InvalidStatus, RuleViolation
from psi_purchasing.domain.model import POStatus, PurchaseOrder, ShortClosedLine, owed_quantity
from psi_purchasing.domain.purchase_return import (
    RequestedReturn,
    awaits_reply,
    contradiction,
    issue_mismatch,
)
from psi_purchasing.domain.short_close import release_of

D = Decimal
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def order(*lines: tuple[str, str, str], rate: str = "1") -> PurchaseOrder:
    """An approved order; ``lines`` are (quantity, unit price, tax rate)."""
    po = PurchaseOrder.draft([OrderLine(f"S{i}", D(q), D(p), D(t)) for i, (q, p, t) in enumerate(lines, 1)], D(rate))
    po.submit()
    po.approve()
    return po


def test_owed_is_ordered_less_accepted_less_short_closed():
    assert owed_quantity(D(10), D(8), D(0)) == D(2)
    assert owed_quantity(D(10), D(8), D(2)) == D(0)
    assert owed_quantity(D(10), D(11), D(0)) == D(0), "accepted beyond the quantity (tolerance) owes nothing"


def test_short_close_settles_every_line_at_what_was_accepted():
    po = order(("100", "12.50", "0.13"), ("10", "3", "0"), rate="7.1")
    po.receive([ReceiptLine(1, D(70), D(60), D(10), "scratched"), ReceiptLine(2, D(10), D(10))])
    committed = po.total_amount_base
    # ordered: 100 × 12.50 = 1,250 + 162.50 tax + 10 × 3 = 30 -> 1,442.50 USD × 7.1 = 10,241.75 CNY
    assert committed == D("10241.75")
    closed = po.short_close()
    assert closed == [ShortClosedLine(1, "S1", D(100), D(60), D(40)), ShortClosedLine(2, "S2", D(10), D(10), D(0))]
    assert po.status == POStatus.CLOSED and [ln.owed for ln in po.lines] == [D(0), D(0)]
    assert [ln.max_receivable for ln in po.lines] == [D(60), D(10)], "nothing more may arrive"
    release = release_of(po, committed)
    # kept: 60 × 12.50 = 750 + 97.50 tax + 30 = 877.50 USD; released 1,442.50 − 877.50 = 565 USD;
    # in CNY: 10,241.75 − 877.50 × 7.1 (= 6,230.25) = 4,011.50
    assert (release.kept_amount, release.released_amount, release.released_base) == (
        D("877.50"),
        D("565.00"),
        D("4011.50"),
    )


@pytest.mark.parametrize("received", [None, "10"])
def test_only_a_partly_received_order_can_be_short_closed(received):
    po = order(("10", "1", "0"))
    if received:
        po.receive([ReceiptLine(1, D(received), D(received))])  # everything arrived: closed
    before = copy.deepcopy(po)
    with pytest.raises(InvalidStatus) as caught:
        po.short_close()
    assert ("cancel it instead" in caught.value.detail) is (received is None)
    assert po == before


def test_a_refused_return_gives_its_quantities_back():
    po = order(("10", "1", "0"))
    po.receive([ReceiptLine(1, D(10), D(10))])
    po.return_goods([ReturnLine(1, D(4))])
    assert po.lines[0].returnable == D(6)
    po.give_back_return({1: D(4)})
    assert (po.lines[0].returned_quantity, po.lines[0].returnable) == (D(0), D(10))


RETURN = RequestedReturn(
    id=4, number="RTN-000004", status="requested", request_event_id="ev-1", quantities={1: D(2), 3: D(5)}
)


def test_only_a_requested_return_takes_a_reply():
    assert awaits_reply("requested")
    assert not awaits_reply("completed") and not awaits_reply("refused")


def test_a_reply_about_another_return_is_a_contradiction():
    assert contradiction(RETURN, return_number="RTN-000004", source_event_id="ev-1") is None
    assert "RTN-000005" in contradiction(RETURN, return_number="RTN-000005", source_event_id="ev-1")
    assert "ev-2" in contradiction(RETURN, return_number="RTN-000004", source_event_id="ev-2")


def test_inventory_issues_exactly_the_requested_lines():
    assert issue_mismatch(RETURN, [(3, D(5)), (1, D("2.000000"))]) is None
    assert issue_mismatch(RETURN, [(1, D(2))]) == "RTN-000004 asked for lines [1, 3], inventory issued lines [1]"
    assert issue_mismatch(RETURN, [(1, D(2)), (3, D(4))]) == "RTN-000004 line 3: asked for 5, inventory issued 4"
    assert issue_mismatch(RETURN, [(1, D(2)), (1, D(2)), (3, D(5))]) is not None, "a line twice"


def test_business_times_must_have_happened():
    assert ensure_happened(NOW - timedelta(days=30), NOW, "received_at") == NOW - timedelta(days=30)
    assert ensure_happened(NOW + timedelta(minutes=5), NOW, "received_at") == NOW + timedelta(minutes=5)
    for value, code in (
        (NOW + timedelta(minutes=5, seconds=1), "FUTURE_DATE"),
        (datetime(1999, 12, 31, tzinfo=UTC), "DATE_TOO_EARLY"),
    ):
        with pytest.raises(RuleViolation) as caught:
            ensure_happened(value, NOW, "received_at")
        assert (caught.value.code, list(caught.value.errors)) == (code, ["received_at"])
