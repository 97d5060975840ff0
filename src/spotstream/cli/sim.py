"""``spotstream sim``: serve the exchange simulator until interrupted."""

from __future__ import annotations

import argparse
import json
import sys

from spotstream.simulator.server import serve_forever


async def run_sim(args: argparse.Namespace) -> int:
    rate = None if args.rate == "max" else float(args.rate)

    def ready(urls: dict[str, str]) -> None:
        print(json.dumps({"urls": urls, "seed": args.seed, "rate": args.rate}), flush=True)
        sys.stdout.flush()

    await serve_forever(args.host, args.port, args.seed, rate, ready)
    return 0
