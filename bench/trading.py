"""Trading round trip: spotstream and python-kraken-sdk placing orders on the same simulator.

    .venv/bin/python bench/models/orders.py --orders 300      # the dev extra installs the SDK

The simulator runs in its own process. Each client sends ``--orders`` add_order requests
one after the other (``validate: true``, so that Kraken's open-order and rate limits do not
end the run) and waits for each answer; the time from the call to the answer in hand is the
round trip. spotstream's includes validating the input, correlating by ``req_id`` and
decoding a typed result; the SDK's, adding the token and handing the raw dict to its
callback. Prints one JSON line per client: median, p90, p99 and max in microseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from decimal import Decimal
from typing import Any

from sim_process import simulator
from spotstream import KrakenSocketClient

SYMBOL = "BTC/USD"
PRICE, QTY = Decimal("20000.0"), Decimal("0.01")


def summary(name: str, seconds: list[float]) -> dict[str, object]:
    micros = sorted(s * 1e6 for s in seconds)
    cut = statistics.quantiles(micros, n=100, method="inclusive")  # within the samples
    return {
        "bench": "add_order round trip",
        "client": name,
        "orders": len(micros),
        "median_us": round(statistics.median(micros)),
        "p90_us": round(cut[89]),
        "p99_us": round(cut[98]),
        "max_us": round(micros[-1]),
    }


async def ours(info: dict[str, Any], orders: int) -> list[float]:
    urls = info["urls"]
    async with KrakenSocketClient(
        url=urls["public"],
        private_url=urls["private"],
        rest_url=urls["rest"],
        api_key=info["api_key"],
        api_secret=info["api_secret"],
    ) as client:
        spot = client.spot
        await spot.add_order(SYMBOL, "buy", "limit", QTY, limit_price=PRICE, validate=True)
        times = []
        for _ in range(orders):
            start = time.perf_counter()
            placed = await spot.add_order(
                SYMBOL, "buy", "limit", QTY, limit_price=PRICE, validate=True
            )
            times.append(time.perf_counter() - start)
            assert placed.order_id == "" or placed.order_id
        return times


async def sdk(info: dict[str, Any], orders: int) -> list[float]:
    from kraken.spot import SpotWSClient
    from kraken.spot.websocket import SpotWSClientBase

    SpotWSClientBase.API_V = ""  # the simulator's URLs are complete (the SDK appends "/v2")
    urls = info["urls"]
    answered: dict[int, asyncio.Event] = {}

    async def on_message(message: Any) -> None:
        if isinstance(message, dict) and message.get("method") == "add_order":
            if not message.get("success"):
                raise SystemExit(f"the SDK's order was refused: {message}")
            answered[message["req_id"]].set()

    client = SpotWSClient(
        key=info["api_key"],
        secret=info["api_secret"],
        callback=on_message,
        no_public=True,
        auth_ws_url=urls["private"],
        rest_url=urls["rest"],
    )
    await client.start()
    try:
        times = []
        for req_id in range(orders + 1):
            answered[req_id] = asyncio.Event()
            start = time.perf_counter()
            await client.send_message(
                message={
                    "method": "add_order",
                    "req_id": req_id,
                    "params": {
                        "order_type": "limit",
                        "side": "buy",
                        "order_qty": float(QTY),  # the SDK's documented way: JSON floats
                        "limit_price": float(PRICE),
                        "symbol": SYMBOL,
                        "validate": True,
                    },
                }
            )
            await answered[req_id].wait()
            if req_id:  # the first is the warm-up
                times.append(time.perf_counter() - start)
        return times
    finally:
        await client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with simulator(args.seed, "5") as info:
        print(json.dumps(summary("spotstream", asyncio.run(ours(info, args.orders)))))
        try:
            times = asyncio.run(sdk(info, args.orders))
        except ImportError:
            print(json.dumps({"client": "python-kraken-sdk", "error": "not installed"}))
        else:
            print(json.dumps(summary("python-kraken-sdk", times)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
