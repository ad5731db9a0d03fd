"""Rate limits per client IP, per user and on the login route, kept in shared storage.

With ``PSI_REDIS_URL`` (or ``PSI_RATE_LIMIT_STORAGE``) every gunicorn worker and every gateway replica counts
in the same Redis (the ``limits`` library's moving window), so a limit holds for the whole deployment. Without
it (the embedded mode, one process) the gateway counts in its own memory with :class:`SlidingWindowCounter`:
``limits``' memory storage starts a new timer thread every 10 ms to expire its entries, and that thread, with
the GIL hand-overs it causes, was measured at about 0.35 ms of the gateway's CPU per request, more than a third
of the gateway's own work (``bench/gateway.py``). A refused request is a 429 problem with ``Retry-After``. If
the storage is down, requests pass and the failure is logged and counted: a broken limiter must not take the
whole API down.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from psi_chassis import metrics as chassis_metrics
from psi_chassis.errors import ProblemError
from psi_gateway import metrics
from psi_gateway.config import GatewaySettings

_log = logging.getLogger(__name__)


class TooManyRequests(ProblemError):
    status = 429
    title = "Too Many Requests"
    default_code = "RATE_LIMITED"


class SlidingWindowCounter:
    """Rate limits of one process, counted in its memory without a thread: per key, the count of the current
    fixed window and of the one before it.

    A request is allowed when ``previous * (1 - elapsed share of the current window) + current`` is below the
    limit (the sliding-window counter: within a window it is exact, across a boundary the previous window
    weighs by how much of it still lies inside the last full period). Keys idle for two windows are dropped
    when the table grows, so memory stays bounded by the callers of the last two windows.
    """

    _PRUNE_EVERY = 10_000

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], list[float]] = {}  # key -> [window start, current, previous]
        self._added = 0

    def hit(self, item: RateLimitItem, limit: str, identity: str) -> float | None:
        """Count one request; None when allowed, else the epoch second at which one more would be allowed."""
        period = float(item.get_expiry())
        now = self._clock()
        start = now - now % period
        key = (limit, identity)
        with self._lock:
            entry = self._counts.get(key)
            if entry is None:
                entry = self._counts[key] = [start, 0.0, 0.0]
                self._added += 1
                if self._added % self._PRUNE_EVERY == 0:
                    self._prune(now, period)
            elif entry[0] != start:
                entry[2] = entry[1] if entry[0] == start - period else 0.0
                entry[0], entry[1] = start, 0.0
            weight = 1.0 - (now - start) / period
            if entry[2] * weight + entry[1] + 1 > item.amount:
                return self._free_at(entry, item.amount, start, period)
            entry[1] += 1
            return None

    @staticmethod
    def _free_at(entry: list[float], amount: int, start: float, period: float) -> float:
        previous, current = entry[2], entry[1]
        if current + 1 > amount or previous <= 0:
            return start + period  # the current window alone is full: only the next one helps
        # previous * (1 - (t - start) / period) + current + 1 <= amount, solved for t
        return start + period * (1.0 - (amount - current - 1) / previous)

    def _prune(self, now: float, period: float) -> None:
        stale = now - 2 * period
        for key in [k for k, e in self._counts.items() if e[0] < stale]:
            del self._counts[key]


class RateLimits:
    def __init__(self, settings: GatewaySettings) -> None:
        self._limits: dict[str, RateLimitItem] = {
            "ip": parse(settings.rate_limit_per_ip),
            "user": parse(settings.rate_limit_per_user),
            "login": parse(settings.rate_limit_login),
        }
        self._local: SlidingWindowCounter | None = None
        self._limiter: MovingWindowRateLimiter | None = None
        if settings.rate_limit_storage.startswith("memory://"):
            self._local = SlidingWindowCounter()
        else:
            self._limiter = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage))

    def hit(self, limit: str, identity: str) -> None:
        """Count one request of ``identity`` against ``limit``; raise 429 when it is over."""
        item = self._limits[limit]
        try:
            if self._local is not None:
                reset_at = self._local.hit(item, limit, identity)
                if reset_at is None:
                    return
            else:
                assert self._limiter is not None
                if self._limiter.hit(item, "psi-gateway", limit, identity):
                    return
                reset_at = self._limiter.get_window_stats(item, "psi-gateway", limit, identity).reset_time
        except Exception as exc:  # noqa: BLE001 - the limiter failing open is logged and counted
            chassis_metrics.ERRORS.labels("gateway", "ratelimit", type(exc).__name__).inc()
            _log.error("rate limit storage failed, letting the request through: %s", exc)
            return
        metrics.RATE_LIMITED.labels(limit).inc()
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(
            f"too many requests ({item}) for this {limit}; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
