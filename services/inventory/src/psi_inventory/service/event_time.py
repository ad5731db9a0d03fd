"""The business time of an event from another service, as inventory books it (``domain/business_time.py``).

An event is a fact and is never refused for its time; a time ahead of this service's clock is booked at the
moment of booking, so "stock as of now" always equals the live balance. Beyond the clock skew that is worth a
warning: the producer's clock is wrong, and the log line (with the request id of the event's chain) says by
how much.
"""

from __future__ import annotations

import logging
from datetime import datetime

from psi_chassis.service import Event
from psi_inventory.domain.business_time import ahead_of_clock, booked_time

_log = logging.getLogger(__name__)


def fact_time(event: Event, value: datetime, now: datetime) -> datetime:
    """The business time to book ``event`` at: ``value``, or ``now`` when ``value`` lies after it."""
    if ahead_of_clock(value, now):
        _log.warning(
            "event %s (%s) is dated %s, ahead of this service's clock (%s): booked at %s",
            event.id,
            event.type,
            value.isoformat(),
            now.isoformat(),
            now.isoformat(),
        )
    return booked_time(value, now)
