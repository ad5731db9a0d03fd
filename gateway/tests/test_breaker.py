"""The circuit breaker records outcomes and is never held during a call (issue 8, point 1). No I/O."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from psi_chassis.testing import wait_for
from psi_gateway.breaker import BreakerOpen, ServiceBreaker


class Failure(Exception):
    """Stands for "no answer" (refused, timed out)."""


class Clock:
    """Real time plus however far a test moves it on."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def pass_seconds(self, seconds: float) -> None:
        self.shift += timedelta(seconds=seconds)


def _breaker(fail_max: int = 3, reset_seconds: float = 60.0, clock: Clock | None = None) -> ServiceBreaker:
    return ServiceBreaker(
        "inventory",
        fail_max=fail_max,
        reset_seconds=reset_seconds,
        is_failure=lambda exc: isinstance(exc, Failure),
        clock=clock or Clock(),
    )


def _fail(breaker: ServiceBreaker, times: int) -> None:
    for _ in range(times):
        with pytest.raises(Failure), breaker.guard():
            raise Failure


def test_calls_run_side_by_side_not_one_at_a_time() -> None:
    breaker = _breaker()
    inside, most, lock = 0, 0, threading.Lock()
    release = threading.Event()

    def call() -> None:
        nonlocal inside, most
        with breaker.guard():
            with lock:
                inside += 1
                most = max(most, inside)
            release.wait(5)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: most == 6, timeout=5, message="six calls inside the guarded block at once")
    finally:
        release.set()
    for thread in threads:
        thread.join(5)
    assert most == 6, "pybreaker's call() would have let one in at a time"
    assert breaker.state == "closed"


def test_failures_in_a_row_open_it_and_an_answer_resets_the_count() -> None:
    breaker = _breaker(fail_max=3)
    _fail(breaker, 2)
    with breaker.guard():
        pass  # an answer: the run of failures ends
    assert breaker.failures == 0
    _fail(breaker, 3)  # three in a row: open
    assert breaker.state == "open"
    with pytest.raises(BreakerOpen):
        breaker.admit()


def test_a_refusal_that_is_not_a_service_failure_counts_as_an_answer() -> None:
    breaker = _breaker(fail_max=1)
    with pytest.raises(ValueError), breaker.guard():
        raise ValueError("a bad answer is the service's business")
    assert breaker.state == "closed"


def test_half_open_lets_exactly_one_trial_through() -> None:
    clock = Clock()
    breaker = _breaker(fail_max=1, reset_seconds=30, clock=clock)
    _fail(breaker, 1)
    with pytest.raises(BreakerOpen):
        breaker.admit()  # 0 s of the 30 s reset time have passed
    clock.pass_seconds(30)
    assert breaker.admit() is True, "the first call after the reset time is the trial"
    assert breaker.state == "half-open"
    with pytest.raises(BreakerOpen):
        breaker.admit()  # a second call while the trial runs is refused
    breaker.record(True, None)  # the trial got an answer
    assert breaker.state == "closed"
    assert breaker.admit() is False


def test_a_failed_trial_opens_it_again() -> None:
    clock = Clock()
    breaker = _breaker(fail_max=1, reset_seconds=30, clock=clock)
    _fail(breaker, 1)
    with pytest.raises(BreakerOpen):
        breaker.admit()  # 0 s of the 30 s reset time have passed
    clock.pass_seconds(30)
    trial = breaker.admit()
    breaker.record(trial, Failure())
    assert breaker.state == "open"
    with pytest.raises(BreakerOpen):
        breaker.admit()


def test_only_the_trial_decides_a_half_open_breaker() -> None:
    clock = Clock()
    breaker = _breaker(fail_max=2, reset_seconds=30, clock=clock)
    early = breaker.admit()  # admitted while closed, answers late
    _fail(breaker, 2)
    clock.pass_seconds(30)
    trial = breaker.admit()
    breaker.record(early, Failure())  # the late call's failure does not reopen it
    assert breaker.state == "half-open"
    breaker.record(trial, None)
    assert breaker.state == "closed"
