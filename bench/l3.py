"""spotstream level 3 end to end: the simulator (max rate, its own process) → loopback →
KrakenSocketClient → an exact per-order book, Kraken's L3 checksum verified on every message.

    .venv/bin/python bench/l3.py --depth 10 --depth 100 --depth 1000 --seconds 5

Prints one JSON line per depth: level3 messages applied per second while every one was
verified, measured on the client after a warm-up. End to end, the simulator's level-3
generation is the ceiling (see ``client_cpu_share``); so a second line per depth records
the same feed's frames first and then times the client's protocol alone on them
("in-process": decode, exact per-order book, checksum). None of the peers keeps an L3 book
(python-kraken-sdk passes the raw messages through; ccxt and cryptofeed do not speak Kraken's
v2 level3), so there is no side-by-side here.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import websockets

from sim_process import simulator
from spotstream import BookStatus, Credentials, KrakenSocketClient
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol

SYMBOL = "BTC/USD"


async def measure(info: dict[str, Any], depth: int, seconds: float) -> dict[str, object]:
    urls = info["urls"]
    async with KrakenSocketClient(
        url=urls["public"],
        l3_url=urls["l3"],
        rest_url=urls["rest"],
        api_key=info["api_key"],
        api_secret=info["api_secret"],
        request_timeout=30,
    ) as client:
        book = await client.spot.level3(SYMBOL, depth=depth)
        await asyncio.sleep(1.0)  # warm-up
        start_updates, start = book.counters.updates, time.perf_counter()
        start_cpu = time.process_time()
        await asyncio.sleep(seconds)
        updates = book.counters.updates - start_updates
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        counters = book.counters
        result = {
            "bench": "level3-end-to-end",
            "depth": depth,
            "messages": updates,
            "seconds": round(elapsed, 3),
            "msgs_per_sec": round(updates / elapsed),
            "client_cpu_share": round(cpu / elapsed, 2),
            "orders_in_book": book.order_count,
            "checksums_verified": counters.checksums_verified,
            "checksum_mismatches": counters.checksum_mismatches,
            "status": book.status.value,
        }
        if counters.checksum_mismatches or book.status is not BookStatus.SYNCED:
            raise SystemExit(f"book not verified: {result}")
        await book.close()
        return result


async def record(info: dict[str, Any], depth: int, count: int) -> tuple[bytes, list[bytes]]:
    """The instrument snapshot and ``count`` level3 frames, exactly as received."""
    urls = info["urls"]
    token = await get_websockets_token(
        Credentials(info["api_key"], info["api_secret"]), base_url=urls["rest"]
    )
    frames: list[bytes] = []
    async with websockets.connect(urls["l3"], max_size=None) as ws:
        params = {"channel": "level3", "symbol": [SYMBOL], "depth": depth, "token": token.token}
        await ws.send(json.dumps({"method": "subscribe", "params": params}))
        while len(frames) < count:
            frame = await ws.recv(decode=False)
            if frame.startswith(b'{"channel":"level3"'):
                frames.append(frame)
    async with websockets.connect(urls["public"], max_size=None) as ws:
        await ws.send(json.dumps({"method": "subscribe", "params": {"channel": "instrument"}}))
        while not (frame := await ws.recv(decode=False)).startswith(b'{"channel":"instrument"'):
            pass
    return frame, frames


def in_process(instruments: bytes, frames: list[bytes], depth: int) -> dict[str, object]:
    public = KrakenV2Protocol()
    public.receive(instruments)
    best = 0.0
    for _ in range(3):
        protocol = KrakenV2PrivateProtocol("l3", public.instruments)
        protocol.token = "-"
        protocol.subscribe("level3", [SYMBOL], depth=depth)
        start = time.perf_counter()
        for frame in frames:
            protocol.receive(frame)
        best = max(best, len(frames) / (time.perf_counter() - start))
        counters = protocol.l3_books[SYMBOL].counters
        if counters.checksum_mismatches or counters.checksums_verified != len(frames):
            raise SystemExit(f"book not verified: {counters}")
    return {
        "bench": "level3-in-process",
        "depth": depth,
        "messages": len(frames),
        "msgs_per_sec": round(best),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--depth", type=int, action="append")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--frames", type=int, default=30_000, help="in-process frames")
    args = parser.parse_args(argv)
    with simulator(args.seed, "max") as info:
        for depth in args.depth or [10, 100, 1000]:
            print(json.dumps(asyncio.run(measure(info, depth, args.seconds))), flush=True)
            instruments, frames = asyncio.run(record(info, depth, args.frames))
            print(json.dumps(in_process(instruments, frames, depth)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
