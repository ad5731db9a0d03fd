"""Accounting periods (会计期间): one calendar month, ``YYYY-MM``, open or closed. Pure.

* **A period exists once used.** It is created open the first time something posts into it (or it is closed);
  a month nobody has used is open.
* **A closed period is never posted into.** What it holds is final: its trial balance never changes while it
  stays closed. An administrator may reopen it (logged: who, when) and close it again.
* **Late postings move forward; a person's entries are refused.** An event posting (a goods receipt, a
  shipment: a fact that happened) dated in a closed period goes into the next open month after it, and the entry
  says where it came from (``moved_from_period``); its business date stays what it was. A person's entry (manual,
  reversal) dated in a closed period is refused with ``PERIOD_CLOSED``: the person chooses another date, or an
  administrator reopens the period.
* **Only a month that has begun is closed**: closing a future month would make postings jump over it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date
from enum import StrEnum

from psi_finance.domain.errors import (
    InvalidPeriod,
    PeriodAlreadyClosed,
    PeriodClosed,
    PeriodNotClosed,
    PeriodNotStarted,
)

_PERIOD = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
#: The first period the books know (the earliest business date of PSI is 2000-01-01).
FIRST_YEAR = 2000


class PeriodStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class OnClosed(StrEnum):
    """What a posting dated in a closed period does."""

    MOVE_FORWARD = "move_forward"
    """Into the next open month after it, saying so (event postings: the fact stays booked)."""
    REFUSE = "refuse"
    """``PERIOD_CLOSED`` (a person's entry: they pick another date or have the period reopened)."""


def period_of(day: date) -> str:
    """``2026-11-30`` → ``2026-11``."""
    return f"{day.year:04d}-{day.month:02d}"


def parse_period(text: str) -> str:
    """``text`` if it names a month ``YYYY-MM`` from 2000-01 on, else ``INVALID_PERIOD`` (422)."""
    match = _PERIOD.fullmatch(text)
    if match is None or int(match.group(1)) < FIRST_YEAR:
        raise InvalidPeriod(
            f"{text!r} is not a period: a month YYYY-MM from {FIRST_YEAR}-01", errors={"period": ["YYYY-MM"]}
        )
    return text


def first_day(period: str) -> date:
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def next_period(period: str) -> str:
    """``2026-12`` → ``2027-01``."""
    year, month = (int(part) for part in period.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def posting_period(entry_date: date, closed: Collection[str], on_closed: OnClosed) -> tuple[str, str | None]:
    """The period an entry dated ``entry_date`` posts into, and the closed period it moved from (or None).

    ``closed`` holds the closed periods (at least those from the entry's month on). Examples, with 2026-10 and
    2026-11 closed: an entry of 2026-09-30 posts into 2026-09; one of 2026-10-31 moves into 2026-12 (moved from
    2026-10); with ``REFUSE`` the latter is ``PERIOD_CLOSED``.
    """
    period = period_of(entry_date)
    if period not in closed:
        return period, None
    if on_closed is OnClosed.REFUSE:
        raise PeriodClosed(
            f"period {period} is closed: an entry dated {entry_date.isoformat()} is not posted into it; "
            "choose a date in an open period, or have an administrator reopen it",
            errors={"entry_date": [f"period {period} is closed"]},
        )
    target = next_period(period)
    while target in closed:
        target = next_period(target)
    return target, period


def check_close(period: str, status: PeriodStatus, today: date) -> None:
    """A period is closed once, and only once its month has begun."""
    if status is PeriodStatus.CLOSED:
        raise PeriodAlreadyClosed(f"period {period} is already closed")
    if first_day(period) > today:
        raise PeriodNotStarted(f"period {period} has not begun (today is {today.isoformat()}): it cannot be closed")


def check_reopen(period: str, status: PeriodStatus) -> None:
    if status is not PeriodStatus.CLOSED:
        raise PeriodNotClosed(f"period {period} is open: there is nothing to reopen")
