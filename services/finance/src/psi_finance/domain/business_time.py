"""The business date a person gives an entry (manual, reversal): the one rule of what may be. Pure.

The trial balance "as of" a date reads each entry's business date, so an entry dated ahead would be in the
period's figures but not in "as of today". A date is a whole day and the accountant may sit east of UTC (up to
UTC+14), so the day after today in UTC is still allowed; a date before 2000-01-01 is taken for a typing error.
Event postings carry the producer's business time and are never refused for it (their period rule is
domain/periods.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from psi_chassis.business_time import EARLIEST
from psi_chassis.errors import RuleViolation

#: The earliest business date an entry may carry.
EARLIEST_DATE: date = EARLIEST.date()
#: How far after today (in UTC) a person's entry may be dated: the time zones east of UTC.
DATE_SKEW = timedelta(days=1)


def check_entry_date(day: date, today: date, field: str = "entry_date") -> date:
    """``day`` if it lies between 2000-01-01 and tomorrow (UTC); else 422 naming ``field`` (``FUTURE_DATE`` or
    ``DATE_TOO_EARLY``), as every service words it."""
    if day < EARLIEST_DATE:
        raise RuleViolation(
            f"{field} must not be before 2000-01-01", code="DATE_TOO_EARLY", errors={field: ["before 2000-01-01"]}
        )
    if day > today + DATE_SKEW:
        raise RuleViolation(
            f"{field} must not be in the future (it is {today.isoformat()} in UTC)",
            code="FUTURE_DATE",
            errors={field: ["must not be in the future"]},
        )
    return day
