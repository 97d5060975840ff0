"""``spotstream bench soak``: the fault soak (:mod:`spotstream.soak`); with ``--json`` the
last stdout line is its summary, whatever happened."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spotstream.soak import Summary


def add_bench(commands: Any) -> None:
    bench = commands.add_parser("bench", help="benchmarks of the client (soak: the fault soak)")
    kinds = bench.add_subparsers(dest="bench", required=True, metavar="BENCH")
    soak = kinds.add_parser("soak", help="every venue's client under a random fault schedule")
    soak.add_argument("--duration", type=float, default=30.0, help="seconds of faults (30)")
    soak.add_argument("--json", action="store_true", help="end with a JSON summary line")
    soak.add_argument("--seed", type=int, default=1, help="the fault schedule's seed (1)")


async def run_bench(args: argparse.Namespace) -> int:
    from spotstream.soak import SoakOptions, Summary, run_soak

    summary = Summary(seed=args.seed)
    try:
        summary = await run_soak(SoakOptions(duration=args.duration, seed=args.seed))
    except Exception as exc:  # run_soak reports its own failures: this is a last resort
        summary.error = f"{type(exc).__name__}: {exc}"
    finally:  # even interrupted: the line with what was measured
        _report(summary, args.json)
    return 0 if summary.clean() else 1


def _report(summary: Summary, as_json: bool) -> None:
    from spotstream.soak import SUMMARY_KEYS

    data = summary.as_dict()
    if as_json:
        print(json.dumps(data), flush=True)
        return
    for key in SUMMARY_KEYS:
        print(f"{key:22} {data[key]}")
    if summary.error:
        print(f"error: {summary.error}")
