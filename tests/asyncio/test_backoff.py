"""The reconnect policy is a pure function: checked without any clock or socket."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotstream import ReconnectPolicy

POLICY = ReconnectPolicy(initial=0.1, factor=2.0, maximum=10.0, jitter=0.5)


def test_grows_exponentially_up_to_the_maximum() -> None:
    delays = [POLICY.delay(attempt, draw=1.0) for attempt in range(1, 10)]
    assert delays[:4] == pytest.approx([0.1, 0.2, 0.4, 0.8])
    assert delays[-1] == 10.0
    assert delays == sorted(delays)


@given(st.integers(1, 50), st.floats(0, 1, exclude_max=True))
def test_jitter_stays_within_its_band(attempt: int, draw: float) -> None:
    base = min(POLICY.maximum, POLICY.initial * POLICY.factor ** (attempt - 1))
    assert base * (1 - POLICY.jitter) <= POLICY.delay(attempt, draw) <= base


def test_near_the_connection_budget_attempts_are_spread_out() -> None:
    policy = ReconnectPolicy(budget=150, budget_window=600.0)
    assert policy.delay(1, 0.0, recent_attempts=10) < 1
    assert policy.delay(1, 0.0, recent_attempts=140) >= 600.0 / 150


def test_after_maintenance_waits_at_least_five_seconds() -> None:
    assert ReconnectPolicy().delay(1, 0.0, maintenance=True) >= 5.0
