"""One circuit breaker per service that only records outcomes: the call itself runs outside any lock.

pybreaker's ``CircuitBreaker.call`` holds the breaker's lock for the whole guarded call. Around an HTTP call
that serialises every call to a service within a gateway worker: with 16 threads, one call was in flight and
fifteen waited for the lock, where no read timeout applies, until the worker's pool was full and the gateway
answered nothing, its own ``/alive`` and the services' key-set fetch included.

:class:`ServiceBreaker` keeps pybreaker's state machine, storage and listeners (the ``psi_gateway_circuit_state``
gauge) and takes the lock only for an instant, twice per call:

- :meth:`admit`, before the call: closed lets it through; open refuses it (:class:`BreakerOpen`) until the reset
  time has passed, then turns half-open and lets exactly one call through as the trial; half-open refuses every
  other call while the trial runs;
- :meth:`record`, after it: the outcome goes to the current state (pybreaker's ``_handle_success`` /
  ``_handle_error``): failures in a row open it, an answer resets the count, the trial's outcome closes or
  reopens it. While half-open only the trial's outcome counts; a late answer to a call admitted before the
  breaker opened does not decide for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pybreaker

from psi_gateway import metrics

_log = logging.getLogger(__name__)

#: psi_gateway_circuit_state values.
CIRCUIT_STATES = {pybreaker.STATE_CLOSED: 0, pybreaker.STATE_HALF_OPEN: 1, pybreaker.STATE_OPEN: 2}


class BreakerOpen(Exception):
    """The breaker refuses the call: open, or half-open with its trial call still running."""


class _StateMetric(pybreaker.CircuitBreakerListener):
    """Exports each state change of a service's breaker and logs it."""

    def __init__(self, service: str) -> None:
        self.service = service
        metrics.CIRCUIT_STATE.labels(service).set(0)

    def state_change(self, cb: pybreaker.CircuitBreaker, old_state: Any, new_state: Any) -> None:
        metrics.CIRCUIT_STATE.labels(self.service).set(CIRCUIT_STATES.get(new_state.name, 0))
        _log.warning("circuit breaker of %s is now %s", self.service, new_state.name)


class ServiceBreaker:
    """The breaker of one service in one worker process (thread-safe)."""

    def __init__(
        self,
        service: str,
        *,
        fail_max: int,
        reset_seconds: float,
        is_failure: Callable[[BaseException], bool],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.service = service
        self._clock = clock
        self._breaker = pybreaker.CircuitBreaker(
            fail_max=fail_max,
            reset_timeout=reset_seconds,
            exclude=[lambda exc: not is_failure(exc)],
            listeners=[_StateMetric(service)],
            throw_new_error_on_trip=False,  # the call that trips it reports what really happened
            name=service,
        )
        self._trial_running = False

    @property
    def state(self) -> str:
        return self._breaker.current_state

    @property
    def failures(self) -> int:
        return self._breaker.fail_counter

    def admit(self) -> bool:
        """Let a call through or raise :class:`BreakerOpen`; True when the call is the half-open trial."""
        with self._breaker._lock:
            state = self._breaker.state.name
            if state == pybreaker.STATE_OPEN:
                opened_at = self._breaker._state_storage.opened_at
                reset = timedelta(seconds=self._breaker.reset_timeout)
                if opened_at is not None and self._clock() < opened_at + reset:
                    raise BreakerOpen(self.service)
                self._breaker.half_open()
                state = pybreaker.STATE_HALF_OPEN
                self._trial_running = False
            if state == pybreaker.STATE_HALF_OPEN:
                if self._trial_running:
                    raise BreakerOpen(self.service)
                self._trial_running = True
                return True
            return False

    def record(self, trial: bool, error: BaseException | None) -> None:
        """The outcome of a call :meth:`admit` let through (``error`` None: it got an answer)."""
        with self._breaker._lock:
            state = self._breaker.state
            if trial:
                self._trial_running = False
            elif state.name == pybreaker.STATE_HALF_OPEN:
                return  # only the trial decides a half-open breaker
            if error is None:
                state._handle_success()
                return
            try:
                state._handle_error(error, reraise=False)
            except BaseException as raised:  # pybreaker re-raises the error that trips the breaker
                if raised is not error:
                    raise
            if self._breaker.current_state == pybreaker.STATE_OPEN and state.name != pybreaker.STATE_OPEN:
                self._breaker._state_storage.opened_at = self._clock()  # it opened now, by our clock

    @contextmanager
    def guard(self) -> Iterator[None]:
        """``with breaker.guard(): call()``: admit, run the call outside the lock, record its outcome."""
        trial = self.admit()
        try:
            yield
        except BaseException as exc:
            self.record(trial, exc)
            raise
        self.record(trial, None)
