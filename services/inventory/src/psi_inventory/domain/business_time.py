"""When a movement happened (its business time), and the rules every way into the ledger applies to it. Pure.

The ledger answers "what was in stock at time t" from each move's ``occurred_at``, so a move dated after the
moment it was booked would be in the live balance but not in "stock as of now". Two rules keep the two equal:

* **A document entered through the API** (adjustment, transfer shipped or received, stocktake count) may be
  backdated to 2000-01-01, but not dated in the future: more than :data:`CLOCK_SKEW` ahead is a 422, and a time
  within the skew is booked at the moment of booking (:func:`booked_time`).
* **An event from another service** (a goods receipt, a return, a shipment) is a fact and is never refused for
  its time: a business time later than the moment inventory books it is booked at that moment instead (the
  producer's clock is ahead). Beyond the skew the consumer logs a warning with the time it was given.
"""

from __future__ import annotations

from datetime import UTC, datetime

from psi_chassis.business_time import CLOCK_SKEW, time_problem
from psi_chassis.business_time import EARLIEST as EARLIEST  # the shared rule, psi_chassis.business_time


def business_time_problem(value: datetime, now: datetime) -> str | None:
    """Why ``value`` cannot be a document's business time, or None when it can."""
    problem = time_problem(value, now)
    if problem is None:
        return None
    return "Must not be before 2000-01-01." if problem == "too_early" else "Must not be in the future."


def booked_time(value: datetime, now: datetime) -> datetime:
    """The business time a move is booked at: ``value`` (in UTC), but never later than ``now``."""
    return min(value.astimezone(UTC), now)


def ahead_of_clock(value: datetime, now: datetime) -> bool:
    """Whether ``value`` is further in the future than clock skew explains (worth a warning)."""
    return value > now + CLOCK_SKEW
