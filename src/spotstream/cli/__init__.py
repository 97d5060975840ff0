"""The ``spotstream`` command line: argument parsing and presentation only."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from spotstream.kraken import KRAKEN_V2_PUBLIC_URL


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spotstream", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="live view of the embedded simulator")
    demo.add_argument("--duration", type=float, help="exit after this many seconds")
    demo.add_argument("--json", action="store_true", help="end with a JSON summary line")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--rate", type=float, default=50.0, help="market events/s per symbol")

    watch = commands.add_parser("watch", help="stream a channel from an exchange")
    watch.add_argument("channel", choices=["book", "ticker", "trades", "ohlc"])
    watch.add_argument("symbols", nargs="+", metavar="SYMBOL")
    watch.add_argument("--depth", type=int, default=10)
    watch.add_argument("--interval", type=int, default=1, help="ohlc interval in minutes")
    watch.add_argument("--url", default=KRAKEN_V2_PUBLIC_URL)
    watch.add_argument("--json", action="store_true", help="NDJSON of the typed events")
    watch.add_argument("--duration", type=float, help="exit after this many seconds")
    watch.add_argument("--transport", default="picows", choices=["picows", "websockets"])

    replay = commands.add_parser("replay", help="verify recorded frames against checksums")
    replay.add_argument("file", help="received frames, one per line ('-' for stdin)")
    replay.add_argument("--json", action="store_true", help="end with a JSON summary line")
    replay.add_argument("--depth", type=int, help="book depth (default: from the snapshot)")
    replay.add_argument("--price-precision", type=int)
    replay.add_argument("--qty-precision", type=int)

    sim = commands.add_parser("sim", help="run the local exchange simulator")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=0)
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument("--rate", default="20", help="market events/s per symbol, or 'max'")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "replay":
        from spotstream.cli.replay import run_replay

        return run_replay(args)
    runner = _runner(args.command)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(runner(args))
    return 130


def _runner(command: str) -> Callable[[argparse.Namespace], Coroutine[Any, Any, int]]:
    if command == "demo":
        from spotstream.cli.demo import run_demo

        return run_demo
    if command == "watch":
        from spotstream.cli.watch import run_watch

        return run_watch
    from spotstream.cli.sim import run_sim

    return run_sim


if __name__ == "__main__":
    sys.exit(main())
