"""``spotstream bench soak``: every venue's client against the embedded simulator under a
seeded random fault schedule, books checked against the simulator's truth on every update,
orders placed, and a summary of what went wrong (docs/soak.md)."""

from __future__ import annotations

from spotstream.soak.run import SoakOptions, run_soak
from spotstream.soak.summary import SUMMARY_KEYS, Summary

__all__ = ["SUMMARY_KEYS", "SoakOptions", "Summary", "run_soak"]
