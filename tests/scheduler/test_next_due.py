"""The due-time rules: interval after success, doubling backoff with a cap, ttl and Retry-After."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from storage.schedule import (
    MAX_BACKOFF,
    MAX_RETRY_AFTER,
    MAX_TTL,
    backoff_delay,
    next_due,
)
from tests.scheduler.conftest import T0

M15 = timedelta(minutes=15)


def test_success_waits_one_interval() -> None:
    assert next_due(T0, interval=M15, succeeded=True, failures=0) == T0 + M15
    # failures are ignored on success: a success resets the pace
    assert next_due(T0, interval=M15, succeeded=True, failures=7) == T0 + M15


def test_failures_double_the_delay_up_to_six_hours() -> None:
    delays = [backoff_delay(M15, n) for n in range(1, 9)]
    assert delays == [
        timedelta(minutes=15),
        timedelta(minutes=30),
        timedelta(hours=1),
        timedelta(hours=2),
        timedelta(hours=4),
        MAX_BACKOFF,
        MAX_BACKOFF,
        MAX_BACKOFF,
    ]
    assert next_due(T0, interval=M15, succeeded=False, failures=3) == T0 + timedelta(hours=1)


def test_backoff_never_shortens_a_long_interval() -> None:
    day = timedelta(days=1)
    assert backoff_delay(day, 1) == day
    assert backoff_delay(day, 5) == day


def test_a_thousand_failures_do_not_overflow() -> None:
    assert backoff_delay(M15, 1000) == MAX_BACKOFF


def test_ttl_is_a_lower_bound_capped_at_six_hours() -> None:
    assert next_due(T0, interval=M15, succeeded=True, failures=0, ttl_minutes=60) == T0 + (
        timedelta(hours=1)
    )
    assert next_due(T0, interval=M15, succeeded=True, failures=0, ttl_minutes=5) == T0 + M15
    assert next_due(T0, interval=M15, succeeded=True, failures=0, ttl_minutes=10_000) == (
        T0 + MAX_TTL
    )


def test_retry_after_postpones_within_a_day() -> None:
    later = T0 + timedelta(hours=3)
    assert next_due(T0, interval=M15, succeeded=False, failures=1, retry_after=later) == later
    far = T0 + timedelta(days=30)
    assert next_due(T0, interval=M15, succeeded=False, failures=1, retry_after=far) == (
        T0 + MAX_RETRY_AFTER
    )
    past = T0 - timedelta(hours=1)
    assert next_due(T0, interval=M15, succeeded=True, failures=0, retry_after=past) == T0 + M15


@given(
    interval=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=7)),
    succeeded=st.booleans(),
    failures=st.integers(min_value=0, max_value=10_000),
    ttl=st.none() | st.integers(min_value=-5, max_value=100_000),
    retry_after=st.none()
    | st.timedeltas(min_value=-timedelta(days=9), max_value=timedelta(days=99)),
)
def test_due_time_is_always_ahead_and_bounded(
    interval: timedelta,
    succeeded: bool,
    failures: int,
    ttl: int | None,
    retry_after: timedelta | None,
) -> None:
    due = next_due(
        T0,
        interval=interval,
        succeeded=succeeded,
        failures=failures,
        ttl_minutes=ttl,
        retry_after=None if retry_after is None else T0 + retry_after,
    )
    assert due >= T0 + interval
    assert due <= T0 + max(interval, MAX_BACKOFF, MAX_TTL, MAX_RETRY_AFTER)
