"""Book streams end to end: every frame verified by a naive client, at both rates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from simulator.sim_client import RawClient, connect, is_channel
from simulator.sim_reference import NaiveBook
from spotstream.simulator import ManualClock, Rate, Simulator


async def _precisions(client: RawClient) -> dict[str, tuple[int, int]]:
    await client.send({"method": "subscribe", "params": {"channel": "instrument"}})
    snapshot = await client.until(is_channel("instrument", "snapshot"))
    return {
        p["symbol"]: (p["price_precision"], p["qty_precision"]) for p in snapshot["data"]["pairs"]
    }


async def _verify_stream(client: RawClient, symbol: str, depth: int, updates: int) -> int:
    """Follow one book for ``updates`` updates; returns how many slid a level in."""
    pp, qp = (await _precisions(client))[symbol]
    book = NaiveBook(depth, pp, qp)
    params = {"channel": "book", "symbol": [symbol], "depth": depth}
    await client.send({"method": "subscribe", "params": params, "req_id": 1})
    snapshot = await client.until(is_channel("book", "snapshot"))
    (item,) = snapshot["data"]
    book.apply(item, snapshot=True)
    assert len(book.bids) == len(book.asks) == depth  # the deep market keeps windows full
    assert book.checksum == item["checksum"]
    slid = 0
    for _ in range(updates):
        message = await client.until(is_channel("book"))
        assert message["type"] == "update"
        (item,) = message["data"]
        before = {"bids": dict(book.bids), "asks": dict(book.asks)}
        book.apply(item, snapshot=False)
        assert book.checksum == item["checksum"]
        assert len(book.bids) == len(book.asks) == depth
        slid += _slid_in(item, before, book)
    return slid


def _slid_in(
    item: dict[str, Any], before: dict[str, dict[Decimal, Decimal]], book: NaiveBook
) -> int:
    for side in ("bids", "asks"):
        deleted = [lv for lv in item[side] if lv["qty"] == 0 and lv["price"] in before[side]]
        inserted = {
            lv["price"] for lv in item[side] if lv["qty"] and lv["price"] not in before[side]
        }
        if deleted and book.worst(side) in inserted:
            return 1
    return 0


@pytest.mark.parametrize(
    ("rate", "symbol", "depth", "updates"),
    [
        (2000, "BTC/USD", 10, 2500),
        (2000, "XRP/USD", 1000, 2000),
        ("max", "DOGE/USD", 10, 4000),
        ("max", "ETH/USD", 1000, 4000),
    ],
)
async def test_every_book_frame_verifies(rate: Rate, symbol: str, depth: int, updates: int) -> None:
    async with Simulator(seed=21, rate=rate, tape_steps=1500) as sim:
        client = await connect(sim.urls["public"])
        slid = await _verify_stream(client, symbol, depth, updates)
        await client.close()
    assert slid > 0


async def test_depths_share_one_market() -> None:
    """Two depths of one symbol on two connections see the same top of book."""
    async with Simulator(seed=4, rate=500) as sim:
        shallow, deep = await connect(sim.urls["public"]), await connect(sim.urls["public"])
        books = {}
        for client, depth in ((shallow, 10), (deep, 500)):
            await client.send(
                {
                    "method": "subscribe",
                    "params": {"channel": "book", "symbol": ["ETH/USD"], "depth": depth},
                }
            )
            books[depth] = (await client.until(is_channel("book", "snapshot")))["data"][0]
        assert books[500]["bids"][:10] == books[10]["bids"]
        assert books[500]["checksum"] == books[10]["checksum"]
        for client in (shallow, deep):
            await client.close()


async def _first_frames(seed: int, rate: Rate, count: int) -> list[str]:
    async with Simulator(seed=seed, rate=rate, clock=ManualClock(), tape_steps=600) as sim:
        client = await connect(sim.urls["public"])
        await client.send(
            {
                "method": "subscribe",
                "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": 25},
            }
        )
        frames = [await client.recv_text() for _ in range(count)]
        await client.close()
    return frames


@pytest.mark.parametrize("rate", [1000, "max"])
async def test_same_seed_same_frames(rate: Rate) -> None:
    first = await _first_frames(8, rate, 300)
    assert first == await _first_frames(8, rate, 300)  # clock and connection id are seeded too
    assert first[3:] != (await _first_frames(9, rate, 300))[3:]
