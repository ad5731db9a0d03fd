"""Rate limits per client IP, per user and on the login route, kept in shared storage.

With ``PSI_REDIS_URL`` (or ``PSI_RATE_LIMIT_STORAGE``) every gunicorn worker and every gateway replica counts
in the same Redis, so a limit holds for the whole deployment; the embedded mode counts in memory. A refused
request is a 429 problem with ``Retry-After``. If the storage is down, requests pass and the failure is logged
and counted: a broken limiter must not take the whole API down.
"""

from __future__ import annotations

import logging
import math
import time

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


class RateLimits:
    def __init__(self, settings: GatewaySettings) -> None:
        self._storage = storage_from_string(settings.rate_limit_storage)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._limits: dict[str, RateLimitItem] = {
            "ip": parse(settings.rate_limit_per_ip),
            "user": parse(settings.rate_limit_per_user),
            "login": parse(settings.rate_limit_login),
        }

    def hit(self, limit: str, identity: str) -> None:
        """Count one request of ``identity`` against ``limit``; raise 429 when it is over."""
        item = self._limits[limit]
        try:
            allowed = self._limiter.hit(item, "psi-gateway", limit, identity)
            if allowed:
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
