"""``spotstream replay``: a recording's checksums verified, in any format the replayer reads.

Exit codes: 0 every checksum matched, 1 a mismatch, 2 the file could not be read or held
nothing recognisable (a message on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console

from spotstream.errors import DecodeError
from spotstream.replay import Replayer, ReplaySummary, replay_recording
from spotstream.replay_coinex import replay_coinex


def run_replay(args: argparse.Namespace) -> int:
    replayer = Replayer(
        depth=args.depth, price_precision=args.price_precision, qty_precision=args.qty_precision
    )
    coinex = getattr(args, "exchange", "kraken") == "coinex"
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else _read(args.file)
        summary = replay_coinex(data) if coinex else replay_recording(data, replayer)
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}")
    except DecodeError as exc:
        return _fail(f"{args.file}: {exc}")
    if summary.unhandled >= summary.frames and (summary.frames or summary.format == "frames"):
        return _fail(
            f"{args.file}: no {'CoinEx' if coinex else 'Kraken'} frame recognised in "
            f"{summary.frames} frames "
            + (
                "(expected CoinEx v2 pushes, one JSON text per line)"
                if coinex
                else "(expected frames one per line, a cryptofeed capture or a python-kraken-sdk "
                "fixture)"
            )
        )
    if args.json:
        print(json.dumps(summary.as_dict()))
    else:
        _print(args.file, summary)
    return 1 if summary.checksum_mismatches else 0


def _read(path: str) -> bytes:
    with open(path, "rb") as stream:
        return stream.read()


def _fail(message: str) -> int:
    print(f"spotstream replay: {message}", file=sys.stderr)
    return 2


def _print(name: str, summary: ReplaySummary) -> None:
    console = Console()
    console.print(
        f"[bold]{name}[/] ({summary.format}): {summary.frames} frames, symbols {summary.symbols}"
    )
    console.print(
        f"book messages {summary.book_messages}, checksums verified "
        f"[green]{summary.checksums_verified}[/], mismatches "
        f"[{'red' if summary.checksum_mismatches else 'green'}]"
        f"{summary.checksum_mismatches}[/]"
    )
    if summary.mismatch_lines:
        console.print(f"first mismatching lines: {summary.mismatch_lines}")
    if summary.untrusted_updates:
        console.print(f"updates not trusted (after a mismatch): {summary.untrusted_updates}")
    console.print(f"unhandled frames {summary.unhandled} {summary.unhandled_kinds or ''}")
