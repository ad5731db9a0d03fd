"""Business times a clerk types (when goods arrived, when they are to leave): they must have happened.

A receipt dated tomorrow would show in live stock today but not in stock as of now, so the two views of the
same ledger disagree; inventory refuses future adjustments for the same reason. A few minutes of clock skew
between the clerk's device and the server are allowed, and a date before 2000 is taken for a typing error.
"""

from __future__ import annotations

from datetime import UTC, datetime

from psi_chassis.business_time import CLOCK_SKEW as CLOCK_SKEW  # the shared rule, psi_chassis.business_time
from psi_chassis.business_time import EARLIEST as EARLIEST
from psi_chassis.business_time import time_problem
from psi_purchasing.domain.errors import RuleViolation


def ensure_happened(value: datetime, now: datetime, field: str) -> datetime:
    """``value`` in UTC if it lies between 2000-01-01 and ``now`` + 5 minutes; else 422 naming ``field``."""
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
