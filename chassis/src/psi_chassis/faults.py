"""Named crash points for reliability tests.

A test starts a process with ``PSI_FAULT=<point>``; when the code reaches that point the process kills itself
with SIGKILL, exactly as a power cut or an OOM kill would, so the test can prove nothing is lost or doubled.
Production settings leave ``fault`` empty and these calls cost one string comparison.
"""

from __future__ import annotations

import logging
import os
import signal

AFTER_COMMIT_BEFORE_ACK = "consumer_after_commit_before_ack"
AFTER_PUBLISH_BEFORE_COMMIT = "relay_after_publish_before_commit"

_log = logging.getLogger(__name__)


def crash_point(configured: str, point: str) -> None:
    if configured and configured == point:
        _log.warning("fault injection: killing process at %s", point)
        for handler in logging.getLogger().handlers:
            handler.flush()
        os.kill(os.getpid(), signal.SIGKILL)
