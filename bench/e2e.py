"""spotstream end to end: the simulator (max rate, its own process) → loopback websocket →
KrakenSocketClient → a maintained book, every checksum verified.

    .venv/bin/python bench/e2e.py --depth 10 --depth 1000 --seconds 5

Prints one JSON line per (transport, depth): book messages applied per second while every
one of them was verified, measured on the client after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from sim_process import simulator
from spotstream import BookStatus, KrakenSocketClient

SYMBOL = "BTC/USD"


async def measure(url: str, transport: str, depth: int, seconds: float) -> dict[str, object]:
    async with KrakenSocketClient(url=url, transport=transport, request_timeout=30) as client:
        book = await client.spot.order_book(SYMBOL, depth=depth)
        await asyncio.sleep(1.0)  # warm-up: tape built, socket buffers full
        start_updates, start = book.counters.updates, time.perf_counter()
        start_cpu = time.process_time()
        await asyncio.sleep(seconds)
        updates = book.counters.updates - start_updates
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        counters = book.counters
        result = {
            "bench": "end-to-end",
            "transport": transport,
            "depth": depth,
            "messages": updates,
            "seconds": round(elapsed, 3),
            "msgs_per_sec": round(updates / elapsed),
            "client_cpu_share": round(cpu / elapsed, 2),
            "checksums_verified": counters.checksums_verified,
            "checksum_mismatches": counters.checksum_mismatches,
            "status": book.status.value,
        }
        if counters.checksum_mismatches or book.status is not BookStatus.SYNCED:
            raise SystemExit(f"book not verified: {result}")
        if counters.checksums_verified != counters.updates + counters.snapshots:
            raise SystemExit(f"not every message was verified: {result}")
        await book.close()
        return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--depth", type=int, action="append")
    parser.add_argument("--transport", action="append", choices=["picows", "websockets"])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for transport in args.transport or ["picows"]:
        for depth in args.depth or [10, 100, 1000]:
            with simulator(args.seed, "max") as info:
                result = asyncio.run(
                    measure(info["urls"]["public"], transport, depth, args.seconds)
                )
            print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
