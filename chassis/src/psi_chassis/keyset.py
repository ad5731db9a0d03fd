"""The gateway's public key set (JWKS) as one service process knows it: fetched, cached, refreshed.

A service verifies every access token against the keys the gateway publishes at ``PSI_JWKS_URL``. Fetching
them must never be what stops a service from answering: the gateway may be restarting, or so busy that its
answer comes late. So the set is cached in the process and:

- fetched once at start, in the background, and it does not matter if the gateway is not up yet;
- refreshed after ``ttl`` seconds (5 minutes), in the background, while verification goes on with the keys at
  hand; a failed refresh is logged and counted and the cached keys stay in use until one succeeds;
- fetched on the spot when a token names a key id the set does not have (the gateway got a new key), at most
  once per ``retry_interval`` seconds, so tokens with made-up key ids cannot make a service hammer the gateway;
- only when no key set was ever fetched is a token unverifiable: :class:`KeysUnavailable`, which the verifier
  answers with ``503 TOKEN_KEYS_UNAVAILABLE`` and ``Retry-After`` (the server's problem, not the client's).

A refreshed set replaces the old one whole: a key the gateway no longer publishes stops being trusted at the
next successful refresh.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import jwt
import requests

from psi_chassis import metrics

_log = logging.getLogger(__name__)

Fetch = Callable[[str, float], dict[str, Any]]


class KeysUnavailable(Exception):
    """No key set was ever fetched, and fetching one failed just now."""


class UnknownKey(Exception):
    """The token names a key id that the (freshest available) key set does not have."""


def fetch_jwks(url: str, timeout: float) -> dict[str, Any]:
    """GET the key set; no proxy or netrc settings from the environment (it is an internal address)."""
    with requests.Session() as session:
        session.trust_env = False
        response = session.get(url, timeout=(timeout, timeout), allow_redirects=False)
        response.raise_for_status()
        document: dict[str, Any] = response.json()
        return document


def _parse(document: dict[str, Any]) -> dict[str, Any]:
    keys = {key.key_id: key.key for key in jwt.PyJWKSet.from_dict(document).keys if key.key_id}
    if not keys:
        raise ValueError("the key set has no key with a key id")
    return keys


class KeySetCache:
    """The key set of one process (thread-safe: one fetch at a time)."""

    def __init__(
        self,
        url: str,
        *,
        service: str = "unknown",
        ttl: float = 300.0,
        timeout: float = 3.0,
        retry_interval: float = 10.0,
        fetch: Fetch = fetch_jwks,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.service = service
        self.ttl = ttl
        self.timeout = timeout
        self.retry_interval = retry_interval
        self._fetch = fetch
        self._clock = clock
        self._keys: dict[str, Any] | None = None
        self._fetched_at = -math.inf
        self._quiet_until = -math.inf  # no fetch on demand before this (after one, failed or not)
        self._refresh_quiet_until = -math.inf  # no background refresh before this (after a failed one)
        self._lock = threading.Lock()
        self._refreshing = False

    def prefetch(self) -> None:
        """Fetch the set in the background now (at start); a failure only means the first token fetches it."""
        self._in_background("start")

    def key(self, kid: str | None) -> Any:
        """The public key named ``kid``; raises :class:`KeysUnavailable` or :class:`UnknownKey`."""
        keys = self._keys
        if keys is None:
            self._fetch_on_demand("first token", lambda: self._keys is None)
            keys = self._keys
            if keys is None:
                raise KeysUnavailable(self.url)
        elif self._clock() - self._fetched_at >= self.ttl:
            self._in_background("refresh")
        if kid in keys:
            return keys[kid]
        self._fetch_on_demand("unknown key id", lambda: kid not in (self._keys or {}))
        fresh = self._keys or {}
        if kid in fresh:
            return fresh[kid]
        raise UnknownKey(kid)

    def retry_after(self) -> int:
        """Seconds until the next fetch on demand may run (for ``Retry-After``), at least 1."""
        return max(1, math.ceil(self._quiet_until - self._clock()))

    # -- fetching ---------------------------------------------------------------------------------------------
    def _fetch_on_demand(self, reason: str, still_needed: Callable[[], bool]) -> None:
        """Fetch now, unless a fetch on demand ran within ``retry_interval`` or the fetch another thread was
        making while this one waited for the lock brought what is needed."""
        with self._lock:
            if not still_needed() or self._clock() < self._quiet_until:
                return
            self._quiet_until = self._clock() + self.retry_interval
            self._fetch_once(reason)

    def _in_background(self, reason: str) -> None:
        with self._lock:
            if self._refreshing or self._clock() < self._refresh_quiet_until:
                return
            self._refreshing = True
        threading.Thread(target=self._background, args=(reason,), name="psi-jwks", daemon=True).start()

    def _background(self, reason: str) -> None:
        try:
            with self._lock:
                if not self._fetch_once(reason):
                    self._refresh_quiet_until = self._clock() + self.retry_interval
        finally:
            self._refreshing = False

    def _fetch_once(self, reason: str) -> bool:
        """One fetch (the caller holds the lock); the outcome is logged and counted, never raised."""
        try:
            keys = _parse(self._fetch(self.url, self.timeout))
        except Exception as exc:  # noqa: BLE001 - any failure leaves the cached keys in use; logged and counted
            metrics.TOKEN_KEY_FETCHES.labels(self.service, "failed").inc()
            self._log_failure(reason, exc)
            return False
        self._keys = keys
        self._fetched_at = self._clock()
        metrics.TOKEN_KEY_FETCHES.labels(self.service, "ok").inc()
        _log.info("fetched the token key set from %s (%s): key ids %s", self.url, reason, ", ".join(sorted(keys)))
        return True

    def _log_failure(self, reason: str, exc: BaseException) -> None:
        what = f"cannot fetch the token key set from {self.url} ({reason}): {type(exc).__name__}: {exc}"
        if self._keys is not None:
            age = round(self._clock() - self._fetched_at)
            _log.warning("%s; still using the keys fetched %s s ago", what, age)
        elif reason == "start":
            _log.info("%s; the first token will fetch it", what)
        else:
            _log.error("%s; tokens cannot be checked until it is fetched", what)
