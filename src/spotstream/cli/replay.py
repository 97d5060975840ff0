"""``spotstream replay``."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console

from spotstream.replay import Replayer


def run_replay(args: argparse.Namespace) -> int:
    replayer = Replayer(
        depth=args.depth, price_precision=args.price_precision, qty_precision=args.qty_precision
    )
    stream = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")  # noqa: SIM115
    with stream:
        for line_no, line in enumerate(stream, start=1):
            if line.strip():
                replayer.feed(line_no, line)
    summary = replayer.summary
    if args.json:
        print(json.dumps(summary.as_dict()))
    else:
        console = Console()
        console.print(f"[bold]{args.file}[/]: {summary.frames} frames, symbols {summary.symbols}")
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
    return 1 if summary.checksum_mismatches else 0
