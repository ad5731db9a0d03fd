"""The period rule (domain/periods.py) and a person's entry dates (domain/business_time.py), pure."""

from __future__ import annotations

from datetime import date

import pytest

from psi_chassis.errors import RuleViolation
from psi_finance.domain.business_time import check_entry_date
from psi_finance.domain.errors import (
    InvalidPeriod,
    PeriodAlreadyClosed,
    PeriodClosed,
    PeriodNotClosed,
    PeriodNotStarted,
)
from psi_finance.domain.periods import (
    OnClosed,
    PeriodStatus,
    check_close,
    check_reopen,
    first_day,
    next_period,
    parse_period,
    period_of,
    posting_period,
)

MOVE, REFUSE = OnClosed.MOVE_FORWARD, OnClosed.REFUSE


def test_months() -> None:
    assert period_of(date(2026, 11, 30)) == "2026-11"
    assert (next_period("2026-11"), next_period("2026-12")) == ("2026-12", "2027-01")
    assert first_day("2027-02") == date(2027, 2, 1)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "1999-12", "26-11", "2026-11-01", "", " 2026-11"])
def test_a_period_is_a_month_from_2000(text: str) -> None:
    with pytest.raises(InvalidPeriod):
        parse_period(text)
    assert parse_period("2000-01") == "2000-01"


def test_an_open_month_takes_its_own_entries() -> None:
    assert posting_period(date(2026, 9, 30), {"2026-10", "2026-11"}, MOVE) == ("2026-09", None)
    assert posting_period(date(2026, 9, 30), set(), REFUSE) == ("2026-09", None)


def test_a_late_event_moves_to_the_next_open_month_after_its_own() -> None:
    # October and November closed: an October entry goes to December, saying it came from October
    assert posting_period(date(2026, 10, 31), {"2026-10", "2026-11"}, MOVE) == ("2026-12", "2026-10")
    # a closed month further on does not matter: November is open
    assert posting_period(date(2026, 10, 1), {"2026-10", "2026-12"}, MOVE) == ("2026-11", "2026-10")
    # over the year end
    assert posting_period(date(2026, 12, 15), {"2026-12"}, MOVE) == ("2027-01", "2026-12")


def test_a_persons_entry_into_a_closed_month_is_refused() -> None:
    with pytest.raises(PeriodClosed) as refused:
        posting_period(date(2026, 10, 31), {"2026-10"}, REFUSE)
    assert (refused.value.status, refused.value.code) == (409, "PERIOD_CLOSED")


def test_closing_and_reopening() -> None:
    today = date(2026, 12, 1)
    check_close("2026-12", PeriodStatus.OPEN, today)  # the current month, once begun, may be closed
    check_close("2026-11", PeriodStatus.OPEN, today)
    with pytest.raises(PeriodNotStarted):
        check_close("2027-01", PeriodStatus.OPEN, today)
    with pytest.raises(PeriodAlreadyClosed):
        check_close("2026-11", PeriodStatus.CLOSED, today)
    check_reopen("2026-11", PeriodStatus.CLOSED)
    with pytest.raises(PeriodNotClosed):
        check_reopen("2026-11", PeriodStatus.OPEN)


def test_a_persons_entry_date_is_between_2000_and_tomorrow_in_utc() -> None:
    today = date(2026, 12, 1)
    assert check_entry_date(date(2026, 12, 2), today) == date(2026, 12, 2)  # UTC+8 is a day ahead in the morning
    assert check_entry_date(date(2000, 1, 1), today) == date(2000, 1, 1)
    with pytest.raises(RuleViolation) as future:
        check_entry_date(date(2026, 12, 3), today)
    assert future.value.code == "FUTURE_DATE" and future.value.errors == {"entry_date": ["must not be in the future"]}
    with pytest.raises(RuleViolation) as early:
        check_entry_date(date(1999, 12, 31), today, "reversal date")
    assert early.value.code == "DATE_TOO_EARLY"
