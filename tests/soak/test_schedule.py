"""The soak's fault schedule: seeded, in time order, heavy faults spaced."""

from __future__ import annotations

import itertools

from spotstream.soak.schedule import (
    FIRST_AT,
    HALF_OPEN_GAP,
    HEAVY,
    HEAVY_GAP,
    KINDS,
    SYMBOL_KINDS,
    TIMED_KINDS,
    fault_schedule,
)

SYMBOLS = ["BTC/USD", "ETH/USDT"]


def test_same_seed_same_schedule_other_seed_other() -> None:
    assert fault_schedule(3, 60, SYMBOLS) == fault_schedule(3, 60, SYMBOLS)
    assert fault_schedule(3, 60, SYMBOLS) != fault_schedule(4, 60, SYMBOLS)


def test_faults_are_in_order_within_the_run() -> None:
    faults = fault_schedule(1, 120, SYMBOLS)
    times = [f.at for f in faults]
    assert times == sorted(times)
    assert times[0] > FIRST_AT
    assert times[-1] < 120
    assert {f.kind for f in faults} <= set(KINDS)


def test_heavy_faults_are_spaced() -> None:
    faults = fault_schedule(2, 600, SYMBOLS)
    heavy = [f.at for f in faults if f.kind in HEAVY]
    assert all(b - a >= HEAVY_GAP for a, b in itertools.pairwise(heavy))
    half_open = [f.at for f in faults if f.kind == "half_open"]
    assert half_open
    assert all(b - a >= HALF_OPEN_GAP for a, b in itertools.pairwise(half_open))


def test_ten_minutes_make_more_than_a_thousand_faults_of_every_kind() -> None:
    faults = fault_schedule(1, 600, SYMBOLS)
    assert len(faults) > 1000
    assert {f.kind for f in faults} == set(KINDS)


def test_book_faults_name_a_symbol_timed_faults_a_duration() -> None:
    for fault in fault_schedule(5, 120, SYMBOLS):
        assert (fault.symbol in SYMBOLS) == (fault.kind in SYMBOL_KINDS)
        if fault.kind in TIMED_KINDS:
            low, high = TIMED_KINDS[fault.kind]
            assert low <= fault.seconds <= high
        else:
            assert fault.seconds == 0
