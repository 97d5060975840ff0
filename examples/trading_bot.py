"""A small trading loop: quote below the market, follow fills, never lose track.

It places a post-only bid 1% under the best bid, keeps it 1% under as the market moves
(amend in place), reports every fill, and cancels everything on exit, with the dead man's
switch armed meanwhile. Runs against the simulator by default (no account, no money):
``python examples/trading_bot.py``; against Kraken, pass ``--live`` with
``KRAKEN_API_KEY``/``KRAKEN_API_SECRET`` in the environment.
"""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal
from typing import Any

from spotstream import (
    Credentials,
    KrakenSocketClient,
    OrderBook,
    OrderUpdate,
    Reconciliation,
    Subscription,
)
from spotstream.simulator import Simulator
from spotstream.simulator.matching.accounts import TEST_ACCOUNT

SYMBOL = "BTC/USD"
TICK = Decimal("0.1")


async def follow(feed: Subscription[Any], order_id: str, until: str) -> None:
    """Print our order's updates (and any reconciliation) until ``until`` happens."""
    async for event in feed:
        item = event.data
        if isinstance(item, Reconciliation):
            print(f"reconciled after {item.reason}: {len(item.closed)} closed")
        elif isinstance(item, OrderUpdate) and item.order_id == order_id:
            print(f"{item.exec_type}: status {item.status}")
            if item.exec_type == until or item.status in ("filled", "canceled"):
                return


async def run(client: KrakenSocketClient, moves: int) -> None:
    spot = client.spot
    async with (
        spot.order_book(SYMBOL, depth=10) as book,
        spot.executions() as feed,
        spot.dead_man_switch(timeout=60, refresh_every=20),
    ):
        price = quote(book)
        placed = await spot.add_order(
            SYMBOL, "buy", "limit", Decimal("0.01"), limit_price=price, post_only=True
        )
        print(f"placed {placed.order_id} at {price}")
        await follow(feed, placed.order_id, until="new")
        async with book.updates() as updates:
            async for _ in updates:
                moves -= 1
                if moves < 0 or placed.order_id not in spot.open_orders:
                    break
                if (target := quote(book)) != price:
                    price = target
                    await spot.amend_order(
                        placed.order_id, order_qty=Decimal("0.01"), limit_price=price
                    )
        print(f"cancelled {await spot.cancel_all()} order(s)")
        await follow(feed, placed.order_id, until="canceled")


def quote(book: OrderBook) -> Decimal:
    """1% under the best bid, on the pair's tick."""
    assert book.best_bid is not None
    return (book.best_bid.price * Decimal("0.99")).quantize(TICK)


async def main(live: bool = False, moves: int = 20) -> None:
    if live:
        async with KrakenSocketClient(credentials=Credentials.from_env()) as client:
            await run(client, moves)
        return
    async with (
        Simulator(seed=5, rate=50) as sim,
        KrakenSocketClient(
            url=sim.urls["public"],
            private_url=sim.urls["private"],
            rest_url=sim.urls["rest"],
            api_key=TEST_ACCOUNT.api_key,
            api_secret=TEST_ACCOUNT.api_secret,
        ) as client,
    ):
        await run(client, moves)


if __name__ == "__main__":
    asyncio.run(main(live="--live" in sys.argv[1:]))
