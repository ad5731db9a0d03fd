"""The gateway's in-memory rate limit (one process, no Redis): the sliding-window counter, with hand-worked figures."""

from __future__ import annotations

from limits import parse

from psi_gateway.ratelimit import SlidingWindowCounter


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_within_one_window_the_count_is_exact() -> None:
    clock = Clock(600.0)  # 600 is the start of a 60 s window
    counter = SlidingWindowCounter(clock)
    item = parse("3/minute")
    assert [counter.hit(item, "user", "u1") for _ in range(3)] == [None, None, None]
    assert counter.hit(item, "user", "u1") == 660.0, "the 4th in the window waits for the next window"
    assert counter.hit(item, "user", "u2") is None, "another caller has a count of its own"
    assert counter.hit(item, "ip", "u1") is None, "and so has another limit"


def test_the_previous_window_weighs_by_how_much_of_it_still_counts() -> None:
    clock = Clock(600.0)
    counter = SlidingWindowCounter(clock)
    item = parse("10/minute")
    for _ in range(10):
        assert counter.hit(item, "user", "u") is None
    # 15 s into the next window: 10 * (1 - 15/60) = 7.5 of the last period still count, so 2 more fit (9.5 < 10)
    clock.now = 675.0
    assert counter.hit(item, "user", "u") is None  # 7.5 + 0 + 1 = 8.5
    assert counter.hit(item, "user", "u") is None  # 7.5 + 1 + 1 = 9.5
    refused_until = counter.hit(item, "user", "u")  # 7.5 + 2 + 1 = 10.5 > 10
    # free when 10 * (1 - (t - 660) / 60) + 2 + 1 <= 10, i.e. t >= 660 + 60 * (1 - 7/10) = 678
    assert refused_until is not None and abs(refused_until - 678.0) < 1e-9
    clock.now = 678.0
    assert counter.hit(item, "user", "u") is None  # 7.0 + 2 + 1 = 10
    # two windows later the old counts are gone entirely
    clock.now = 800.0
    assert [counter.hit(item, "user", "u") for _ in range(10)] == [None] * 10


def test_idle_callers_are_forgotten_when_the_table_grows() -> None:
    clock = Clock(0.0)
    counter = SlidingWindowCounter(clock)
    item = parse("5/second")
    for n in range(SlidingWindowCounter._PRUNE_EVERY - 1):
        counter.hit(item, "ip", f"10.0.{n // 256}.{n % 256}")
    clock.now = 10.0
    counter.hit(item, "ip", "late")  # the 10,000th new key prunes the ones idle for two windows
    assert list(counter._counts) == [("ip", "late")]
