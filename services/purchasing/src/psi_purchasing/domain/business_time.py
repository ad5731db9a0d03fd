"""Business times a clerk types (when goods arrived, when they are to leave): they must have happened.

A receipt dated tomorrow would show in live stock today but not in stock as of now, so the two views of the
same ledger disagree; inventory refuses future adjustments for the same reason. The rule and its wording are
the chassis' (``psi_chassis.business_time``), shared with sales.
"""

from __future__ import annotations

from psi_chassis.business_time import CLOCK_SKEW as CLOCK_SKEW
from psi_chassis.business_time import EARLIEST as EARLIEST
from psi_chassis.business_time import ensure_happened as ensure_happened
