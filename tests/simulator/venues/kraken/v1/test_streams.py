"""Kraken v1 streams over real sockets: exact books at both rates, one market with v2, faults."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from simulator.sim_client import RawClient, connect, is_channel, is_v1_channel
from simulator.sim_reference import NaiveBook
from simulator.sim_reference_v1 import NaiveV1Book, is_book
from spotstream.simulator import Rate, Simulator

T = TypeVar("T")


async def _v1(sim: Simulator, *subscriptions: dict[str, Any], pair: str = "XBT/USD") -> RawClient:
    client = await connect(sim.urls["kraken_v1_public"])
    await client.recv()
    for subscription in subscriptions:
        await client.send({"event": "subscribe", "pair": [pair], "subscription": subscription})
    return client


async def _follow_v1(client: RawClient, depth: int, updates: int) -> NaiveV1Book:
    """Apply ``updates`` book updates; each must carry the reference checksum."""
    book = NaiveV1Book(depth)
    snapshot = await client.until(is_v1_channel(f"book-{depth}"))
    assert book.apply(snapshot) is None
    assert len(book.asks) == len(book.bids) == depth
    for _ in range(updates):
        message = await client.until(is_v1_channel(f"book-{depth}"))
        assert book.apply(message) == book.checksum, message
        assert len(book.asks) == len(book.bids) == depth
    return book


@pytest.mark.parametrize(("rate", "depth"), [(500, 10), (500, 1000), ("max", 25)])
async def test_books_are_exact_at_every_rate(rate: Rate, depth: int) -> None:
    async with Simulator(seed=4, rate=rate, tape_steps=4000) as sim:
        client = await _v1(sim, {"name": "book", "depth": depth}, {"name": "trade"})
        book = await _follow_v1(client, depth, 600)
        assert book.widths == {(5, 8)}
        assert book.republished > 0
        trade = await client.until(is_v1_channel("trade"))
        assert trade[1]
        await client.close()


def _aligned(first: Sequence[T], second: Sequence[T]) -> int:
    """How many items of ``second`` (which started later) agree with ``first`` from some
    point of it on: the same market, so once aligned the two agree item by item."""
    for start in range(len(first)):
        overlap = min(len(first) - start, len(second))
        if overlap and list(first[start : start + overlap]) == list(second[:overlap]):
            return overlap
    return 0


async def _collect(client: RawClient, count: int, take: Callable[[Any], list[T]]) -> list[T]:
    out: list[T] = []
    while len(out) < count:
        out.extend(take(await client.recv()))
    return out


async def test_v1_and_v2_clients_see_one_book_and_the_same_trades(sim: Simulator) -> None:
    v2 = await connect(sim.urls["public"])
    await v2.recv()
    for channel in ("book", "trade"):
        params = {"channel": channel, "symbol": ["BTC/USD"]}
        await v2.send({"method": "subscribe", "params": params})
    v2_book = NaiveBook(10, 1, 8)
    v1 = await _v1(sim, {"name": "book"}, {"name": "trade"})
    v1_book = NaiveV1Book(10)

    def v2_take(message: Any) -> list[tuple[str, Any]]:
        if is_channel("book")(message):
            v2_book.apply(message["data"][0], snapshot=message["type"] == "snapshot")
            return [("book", (tuple(v2_book.bids.items()), tuple(v2_book.asks.items())))]
        if is_channel("trade", "update")(message):
            return [("trade", (t["price"], t["qty"], t["side"])) for t in message["data"]]
        return []

    def v1_take(message: Any) -> list[tuple[str, Any]]:
        if is_book(message):
            v1_book.apply(message)
            return [("book", v1_book.top())]
        if is_v1_channel("trade")(message):
            sides = {"b": "buy", "s": "sell"}
            return [("trade", (Decimal(p), Decimal(v), sides[s])) for p, v, _, s, *_ in message[1]]
        return []

    seen_v1 = await _collect(v1, 300, v1_take)
    seen_v2: list[tuple[str, Any]] = []

    def covered() -> bool:
        for kind in ("book", "trade"):
            first = [item for k, item in seen_v2 if k == kind]
            second = [item for k, item in seen_v1 if k == kind]
            if not second or _aligned(first, second) < len(second):
                return False
        return True

    async with asyncio.timeout(20):
        while not covered():  # v2 subscribed first: its stream must contain all of v1's
            seen_v2.extend(v2_take(await v2.recv()))
    await v1.close()
    await v2.close()


async def test_corrupt_next_checksum_reaches_v1_books(sim: Simulator) -> None:
    client = await _v1(sim, {"name": "book"})
    book = NaiveV1Book(10)
    assert book.apply(await client.until(is_book)) is None
    sim.faults.corrupt_next_checksum("BTC/USD")
    wrong = 0
    for _ in range(100):
        message = await client.until(is_book)
        wrong += book.apply(message) != book.checksum
    assert wrong == 1
    await client.close()


async def test_drop_connections_of_the_v1_endpoint_only(sim: Simulator) -> None:
    v1 = await _v1(sim)
    v2 = await connect(sim.urls["public"])
    await v2.recv()
    sim.drop_connections("kraken_v1_public")
    await v1.ws.wait_closed()
    (pong,) = await v2.request({"method": "ping", "req_id": 5})
    assert pong["method"] == "pong"
    await v2.close()
