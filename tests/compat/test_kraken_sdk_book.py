"""The facade's SpotOrderBookClient: the SDK's book dict, checked independently, and its
resubscription after a checksum mismatch."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any
from zlib import crc32

import pytest

from compat.support import tasks_other_than
from spotstream.compat.kraken_sdk import SpotOrderBookClient
from spotstream.simulator import Simulator
from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS
from support.wait import eventually

DECIMALS = {i.symbol: (i.price_precision, i.qty_precision) for i in DEFAULT_INSTRUMENTS}


def sdk_checksum(book: dict[str, Any]) -> int:
    """Kraken's CRC32 from the SDK-shaped dict alone: top 10 asks then top 10 bids, each as
    its price and volume text without the dot and leading zeros."""
    text = ""
    for side in ("ask", "bid"):
        for price, (volume, _) in list(book[side].items())[:10]:
            text += price.replace(".", "").lstrip("0") + volume.replace(".", "").lstrip("0")
    return crc32(text.encode())


class CheckedBook(SpotOrderBookClient):
    """Checks every published book against the message's checksum, from the dict alone."""

    def __init__(self, depth: int) -> None:
        super().__init__(depth=depth)
        self.checked: Counter[str] = Counter()
        self.wrong: list[tuple[str, int, int]] = []
        self.notices: list[dict[str, Any]] = []
        self.validity: list[bool] = []

    async def on_book_update(self, pair: str, message: dict[str, Any]) -> None:
        if "error" in message:
            self.notices.append(message)
            return
        book = self.get(pair)
        assert book is not None
        self.validity.append(book["valid"])
        expected = message["data"][0]["checksum"]
        if book["valid"] and sdk_checksum(book) != expected:
            self.wrong.append((pair, expected, sdk_checksum(book)))
        self.checked[pair] += 1


@pytest.mark.parametrize("depth", [10, 25, 100])
async def test_book_dicts_reproduce_every_checksum(sim_env: Simulator, depth: int) -> None:
    pairs = ["BTC/USD", "DOGE/USD", "ETH/BTC"]
    before = asyncio.all_tasks()
    client = CheckedBook(depth)
    await client.start()
    await client.add_book(pairs)
    try:
        await eventually(lambda: all(client.checked[p] >= 150 for p in pairs), what="updates")
    finally:
        await client.close()
    assert client.wrong == []
    assert client.notices == []
    assert all(client.validity)
    for pair in pairs:
        book = client.get(pair)
        assert book is not None
        assert len(book["bid"]) == len(book["ask"]) == depth
        assert (book["price_decimals"], book["qty_decimals"]) == DECIMALS[pair]
        bids = [int(p.replace(".", "")) for p in book["bid"]]
        asks = [int(p.replace(".", "")) for p in book["ask"]]
        assert bids == sorted(bids, reverse=True)
        assert asks == sorted(asks)
        assert bids[0] < asks[0]
        price, (volume, stamp) = next(iter(book["ask"].items()))
        assert len(price.partition(".")[2]) == DECIMALS[pair][0]
        assert len(volume.partition(".")[2]) == DECIMALS[pair][1]
        assert stamp is None or stamp.endswith("Z")
    assert not tasks_other_than(before)


async def test_checksum_mismatch_resubscribes(sim_env: Simulator) -> None:
    client = CheckedBook(10)
    await client.start()
    await client.add_book(["BTC/USD", "ETH/USD"])
    try:
        await eventually(lambda: client.checked["BTC/USD"] >= 20, what="a synced book")
        sim_env.faults.corrupt_next_checksum("BTC/USD")
        await eventually(lambda: bool(client.notices), what="the mismatch notice")
        assert client.notices == [
            {"error": "Checksum mismatch - resubscribing to the orderbook for BTC/USD"}
        ]
        assert client.validity.count(False) == 1  # on_book_update saw the invalid book once
        recovered = client.checked["BTC/USD"] + 20
        await eventually(lambda: client.checked["BTC/USD"] >= recovered, what="book recovered")
        book = client.get("BTC/USD")
        assert book is not None
        assert book["valid"]
        assert client.wrong == []
        assert client.validity[-1]
        assert {s["symbol"][0] for s in client.active_public_subscriptions} == {
            "BTC/USD",
            "ETH/USD",
        }
    finally:
        await client.close()


async def test_remove_book_forgets_the_pair(sim_env: Simulator) -> None:
    client = CheckedBook(10)
    await client.start()
    await client.add_book(["BTC/USD", "XRP/USD"])
    try:
        await eventually(lambda: client.checked["XRP/USD"] >= 5, what="an XRP/USD book")
        await client.remove_book(["XRP/USD"])
        await eventually(lambda: client.get("XRP/USD") is None, what="XRP/USD removed")
        assert [s["symbol"] for s in client.active_public_subscriptions] == [["BTC/USD"]]
        assert client.get("BTC/USD") is not None
    finally:
        await client.close()


async def test_own_instrument_subscription_is_listed(sim_env: Simulator) -> None:
    received: list[dict[str, Any]] = []

    def on_book_update(pair: str, message: dict[str, Any]) -> None:
        received.append(message)

    client = SpotOrderBookClient(callback=on_book_update)
    await client.start()
    await client.add_book(["ETH/USD"])
    try:
        await eventually(lambda: bool(received), what="a book message")
        assert [s["channel"] for s in client.active_public_subscriptions] == ["book"]
        await client.subscribe(params={"channel": "instrument"})
        await eventually(
            lambda: "instrument" in {s["channel"] for s in client.active_public_subscriptions},
            what="instrument listed once the user subscribed to it",
        )
        assert client.depth == 10
    finally:
        await client.close()
