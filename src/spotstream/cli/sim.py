"""``spotstream sim``: serve the exchange simulator until interrupted."""

from __future__ import annotations

import argparse
import json
import sys

from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.server import serve_forever


async def run_sim(args: argparse.Namespace) -> int:
    """Print one JSON line (every URL, seed, rate, and the funded test account's API key and
    secret), then serve until interrupted."""
    rate = None if args.rate == "max" else float(args.rate)

    def ready(urls: dict[str, str]) -> None:
        line = {
            "urls": urls,
            "seed": args.seed,
            "rate": args.rate,
            "api_key": TEST_ACCOUNT.api_key,
            "api_secret": TEST_ACCOUNT.api_secret,
        }
        print(json.dumps(line), flush=True)
        sys.stdout.flush()

    await serve_forever(args.host, args.port, args.seed, rate, ready)
    return 0
