"""The soak's fault schedule: which fault at which second, drawn from a seed.

Pure: :func:`fault_schedule` gives the same list for the same seed, duration and symbols.
Light faults (one frame or one response spoiled) come often; heavy ones (every connection
cut, silenced or stalled) at most every :data:`HEAVY_GAP` seconds, half-open sockets (which
take the client's silence bound to notice) at most every :data:`HALF_OPEN_GAP`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

LIGHT: dict[str, int] = {  # kind -> weight
    "corrupt_checksum": 6,
    "malformed_book": 3,
    "skip_sequence": 3,
    "repeat_sequence": 3,
    "delay_response": 2,
    "lose_response": 1,
    "duplicate_response": 2,
    "slow_consumer": 3,
    "maintenance": 1,
    "drop_next_connection": 1,
}
HEAVY: dict[str, int] = {
    "drop_connections": 3,
    "drop_private": 3,
    "close_1008": 2,
    "stall": 2,
    "half_open": 1,
}
KINDS = (*LIGHT, *HEAVY)
HEAVY_GAP = 4.0  # seconds between heavy faults, at least
HALF_OPEN_GAP = 30.0
MIN_STEP, MAX_STEP = 0.1, 0.5  # seconds between two faults
FIRST_AT = 1.0  # let every client start first
SYMBOL_KINDS = frozenset({"corrupt_checksum", "malformed_book"})
TIMED_KINDS = {"delay_response": (0.2, 1.5), "slow_consumer": (0.2, 2.0), "stall": (0.3, 2.0)}


@dataclass(frozen=True, slots=True)
class Fault:
    at: float  # seconds from the start of the run
    kind: str
    symbol: str | None = None  # the market's pair, for the book faults
    seconds: float = 0.0  # how long, for the timed faults


def fault_schedule(seed: int, duration: float, symbols: list[str]) -> list[Fault]:
    """Every fault of a run of ``duration`` seconds, in time order."""
    rng = random.Random(f"soak/{seed}")
    faults: list[Fault] = []
    last_heavy = last_half_open = -HALF_OPEN_GAP
    at = FIRST_AT
    while True:
        at += rng.uniform(MIN_STEP, MAX_STEP)
        if at >= duration:
            return faults
        kinds = LIGHT
        if at - last_heavy >= HEAVY_GAP and rng.random() < 0.5:
            kinds = dict(HEAVY)
            if at - last_half_open < HALF_OPEN_GAP:
                del kinds["half_open"]
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        if kind in HEAVY:
            last_heavy = at
        if kind == "half_open":
            last_half_open = at
        symbol = rng.choice(symbols) if kind in SYMBOL_KINDS else None
        low, high = TIMED_KINDS.get(kind, (0.0, 0.0))
        seconds = round(rng.uniform(low, high), 3) if high else 0.0
        faults.append(Fault(round(at, 3), kind, symbol, seconds))
