"""Watch a verified order book and print its top of book and counters.

Run against the live exchange (``python examples/watch_book.py``) or any URL, e.g. the
simulator's: ``python examples/watch_book.py ws://127.0.0.1:PORT/v2``.
"""

from __future__ import annotations

import asyncio
import sys

from spotstream import KRAKEN_V2_PUBLIC_URL, KrakenSocketClient


async def main(url: str, updates: int = 20) -> None:
    async with (
        KrakenSocketClient(url=url) as client,
        client.spot.order_book("BTC/USD", depth=25) as book,
    ):
        seen = 0
        async for _ in book.updates():
            print(book.status.value, book.best_bid, book.best_ask, book.spread)
            seen += 1
            if seen >= updates:
                break
        print(book.counters)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else KRAKEN_V2_PUBLIC_URL))
