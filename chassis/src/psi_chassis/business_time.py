"""Business times a clerk types (when goods arrived, were counted, are to leave): the one rule of what may be.

The ledgers answer "as of time t" from each document's business time, so a time in the future would show in the
live figures but not in "as of now", and the two views of the same books would disagree. A few minutes of clock
skew between the clerk's device and the server are allowed; a date before 2000 is taken for a typing error. Each
service words the refusal for its own clients; what is refused is decided here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from psi_chassis.errors import RuleViolation

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


def ensure_happened(value: datetime, now: datetime, field: str) -> datetime:
    """``value`` in UTC if it lies between 2000-01-01 and ``now`` + 5 minutes; else 422 naming ``field``
    (``FUTURE_DATE`` or ``DATE_TOO_EARLY``), the wording a clerk's document gets in every service."""
    problem = time_problem(value, now)
    if problem is None:
        return value.astimezone(UTC)
    if problem == "too_early":
        message = "must not be before 2000-01-01"
    else:
        message = f"must not be in the future (it is {now.isoformat(timespec='seconds')} now)"
    raise RuleViolation(
        f"{field} {message}", code="FUTURE_DATE" if value > now else "DATE_TOO_EARLY", errors={field: [message]}
    )
