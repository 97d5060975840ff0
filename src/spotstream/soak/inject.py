"""One fault of the schedule, applied to the simulator (or, slow consumers, to the soak)."""

from __future__ import annotations

import asyncio

from spotstream.simulator.server import Simulator
from spotstream.soak.schedule import Fault
from spotstream.soak.watchers import Gate

MAINTENANCE_LASTS = 5.0


def inject(fault: Fault, sim: Simulator, gate: Gate, aliases: dict[str, list[str]]) -> None:
    faults, kind = sim.faults, fault.kind
    symbols = aliases.get(fault.symbol or "", [fault.symbol or ""])
    if kind == "corrupt_checksum":
        for name in symbols:
            faults.corrupt_next_checksum(name)
    elif kind == "malformed_book":
        faults.malform_next_book(symbols[0])
    elif kind == "skip_sequence":
        faults.skip_next_sequence()
    elif kind == "repeat_sequence":
        faults.repeat_next_sequence()
    elif kind == "delay_response":
        faults.delay_next_response(fault.seconds)
    elif kind == "lose_response":
        faults.lose_next_response()
    elif kind == "duplicate_response":
        faults.duplicate_next_response()
    elif kind == "slow_consumer":
        gate.pause(fault.seconds)
    elif kind == "maintenance":
        faults.maintenance(0.0, MAINTENANCE_LASTS)
        asyncio.get_running_loop().call_later(MAINTENANCE_LASTS, faults.end_maintenance)
    elif kind == "drop_next_connection":
        faults.drop_next_connection()
    elif kind == "drop_connections":
        faults.drop_connections()
    elif kind == "drop_private":
        faults.drop_private_connections()
    elif kind == "close_1008":
        faults.close_connections()
    elif kind == "stall":
        faults.stall(fault.seconds)
    elif kind == "half_open":
        faults.half_open()
    else:
        raise ValueError(f"unknown fault {kind!r}")
