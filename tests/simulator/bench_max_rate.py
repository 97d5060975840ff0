"""Max-rate send speed of the simulator to one raw picows client (not a test; run by hand).

    .venv/bin/python tests/simulator/bench_max_rate.py [--depth 10] [--seconds 5] [--symbol BTC/USD]
        [--api v2|v1]

The server runs in a child process, the client (receive + count only) here, so each has a
core. Prints book update messages per second as the client receives them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
from typing import Any, cast

import picows

from spotstream.protocol.kraken.symbols import to_v1
from spotstream.simulator import serve_forever


def _serve(queue: Any) -> None:
    asyncio.run(serve_forever("127.0.0.1", 0, 1, "max", lambda urls: queue.put(urls)))


class _Counter(picows.WSListener):
    def __init__(self) -> None:
        self.books = 0
        self.bytes = 0

    def on_ws_frame(self, transport: Any, frame: Any) -> None:
        self.books += 1
        self.bytes += frame.payload_size


def _subscribe(api: str, symbol: str, depth: int) -> dict[str, Any]:
    if api == "v1":
        pair = to_v1(symbol)
        return {
            "event": "subscribe",
            "pair": [pair],
            "subscription": {"name": "book", "depth": depth},
        }
    return {
        "method": "subscribe",
        "params": {"channel": "book", "symbol": [symbol], "depth": depth},
    }


async def _measure(url: str, api: str, symbol: str, depth: int, seconds: float) -> None:
    transport, listener = await picows.ws_connect(_Counter, url)
    counter = cast(_Counter, listener)
    request = _subscribe(api, symbol, depth)
    transport.send(picows.WSMsgType.TEXT, json.dumps(request).encode())
    await asyncio.sleep(1.0)  # warm-up: tape and per-depth frames are built on subscribe
    start, count, size = time.perf_counter(), counter.books, counter.bytes
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - start
    rate = (counter.books - count) / elapsed
    megabytes = (counter.bytes - size) / elapsed / 1e6
    print(f"{api} {symbol} depth {depth}: {rate:,.0f} msg/s, {megabytes:.1f} MB/s")
    transport.disconnect()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--symbol", default="BTC/USD")
    parser.add_argument("--api", choices=("v2", "v1"), default="v2")
    args = parser.parse_args()
    queue: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(queue,), daemon=True)
    server.start()
    try:
        urls = queue.get(timeout=30)
        url = urls["kraken_v1_public" if args.api == "v1" else "public"]
        asyncio.run(_measure(url, args.api, args.symbol, args.depth, args.seconds))
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
