"""Business times a clerk types (when goods arrived, were counted, are to leave): the one rule of what may be.

The ledgers answer "as of time t" from each document's business time, so a time in the future would show in the
live figures but not in "as of now", and the two views of the same books would disagree. A few minutes of clock
skew between the clerk's device and the server are allowed; a date before 2000 is taken for a typing error. Each
service words the refusal for its own clients; what is refused is decided here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

#: The earliest business time a document may carry.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: How far ahead of this service's clock a given time may be before it is "in the future".
CLOCK_SKEW = timedelta(minutes=5)


def time_problem(value: datetime, now: datetime) -> Literal["too_early", "future"] | None:
    """Why ``value`` cannot be a document's business time at ``now``, or None when it can."""
    if value < EARLIEST:
        return "too_early"
    if value > now + CLOCK_SKEW:
        return "future"
    return None
