"""CoinEx's epoch milliseconds as datetimes: exact, the same as timedelta arithmetic."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotstream.errors import DecodeError
from spotstream.protocol.coinex.v2.translate import _EPOCH, millis


def reference(ms: int) -> datetime | None:
    try:
        return _EPOCH + timedelta(milliseconds=ms)
    except (OverflowError, ValueError):
        return None


def check(ms: int) -> None:
    want = reference(ms)
    if want is None:
        with pytest.raises(DecodeError):
            millis(ms)
    else:
        assert millis(ms) == want
        assert millis(ms).tzinfo is want.tzinfo


FIRST = -62_135_596_800_000  # 0001-01-01T00:00:00Z
LAST = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def test_the_range_ends_and_seconds() -> None:
    for ms in (0, 1, -1, 999, 1000, -999, -1000, -1001, 1_689_152_421_692, FIRST, LAST):
        check(ms)
        check(ms + 1)
        check(ms - 1)
    for ms in (10**20, -(10**20), True, 0):
        check(ms)
    assert millis(1_689_152_421_692).isoformat() == "2023-07-12T09:00:21.692000+00:00"


@given(st.integers(FIRST - 10**6, LAST + 10**6) | st.integers())
def test_any_milliseconds(ms: int) -> None:
    check(ms)


@given(st.lists(st.integers(1_600_000_000_000, 1_600_000_010_000), max_size=50))
def test_a_stream_of_pushes_within_and_across_seconds(stamps: list[int]) -> None:
    for ms in stamps:
        check(ms)
