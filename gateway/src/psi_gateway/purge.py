"""Deleting what can never be used again: expired idempotency keys and dead refresh tokens.

Both tables grow with every create POST and every sign-in; nothing else removes their rows. Each gateway
worker purges in passing: after a response has been sent (``call_on_close``, so no client waits for it), at
most once per ``interval`` seconds, at most ``batch`` rows per table per pass, by indexed columns. A pass that
filled a batch comes back a second later until the backlog is gone. Several workers purging at once only
delete the same rows twice over. ``psi-gateway purge`` (or ``psi gateway purge``) does a complete pass by hand.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from psi_chassis import metrics as chassis_metrics
from psi_chassis.types import utcnow
from psi_gateway import metrics
from psi_gateway.idempotency import IdempotencyStore
from psi_gateway.identity import Identity

_log = logging.getLogger(__name__)
BATCH = 1000
_BACKLOG_PAUSE = 1.0


def purge_once(idempotency: IdempotencyStore, identity: Identity, batch: int = BATCH) -> dict[str, int]:
    """One batch from each table; the number of rows deleted, by table."""
    now = utcnow()
    deleted = {
        "idempotency_keys": idempotency.purge_expired(now, batch),
        "refresh_tokens": identity.purge_refresh_tokens(now, batch),
    }
    for table, count in deleted.items():
        if count:
            metrics.PURGED_ROWS.labels(table).inc(count)
    return deleted


def purge_all(idempotency: IdempotencyStore, identity: Identity, batch: int = BATCH) -> dict[str, int]:
    """Batches until nothing is left to delete (the command line)."""
    total = {"idempotency_keys": 0, "refresh_tokens": 0}
    while True:
        deleted = purge_once(idempotency, identity, batch)
        for table, count in deleted.items():
            total[table] += count
        if all(count < batch for count in deleted.values()):
            return total


class Purger:
    """The periodic purge of one worker process."""

    def __init__(
        self,
        idempotency: IdempotencyStore,
        identity: Identity,
        interval: float,
        *,
        batch: int = BATCH,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.idempotency = idempotency
        self.identity = identity
        self.interval = interval
        self.batch = batch
        self._clock = clock
        self._next = clock()  # the first pass comes with the first request
        self._lock = threading.Lock()

    def due(self) -> bool:
        return self.interval > 0 and self._clock() >= self._next

    def run_if_due(self) -> None:
        """One pass, unless another thread is running one or it is not time yet; failures are logged and
        counted, never raised (the request it rides on is already answered)."""
        if not self.due() or not self._lock.acquire(blocking=False):
            return
        try:
            deleted = purge_once(self.idempotency, self.identity, self.batch)
            backlog = any(count >= self.batch for count in deleted.values())
            self._next = self._clock() + (_BACKLOG_PAUSE if backlog else self.interval)
            if any(deleted.values()):
                _log.info("purged expired rows: %s", deleted)
        except Exception as exc:  # noqa: BLE001 - logged and counted; the next pass tries again
            self._next = self._clock() + self.interval
            chassis_metrics.ERRORS.labels("gateway", "purge", type(exc).__name__).inc()
            _log.error("purging expired rows failed: %s: %s", type(exc).__name__, exc)
        finally:
            self._lock.release()
