"""python-kraken-sdk's documented examples, with only the import line changed, against the
simulator (reached through SPOTSTREAM_KRAKEN_*_URL, see the ``sim_env`` fixture).

Each example is written out as documented (README "SpotWSClient", the SpotWSClient and
SpotOrderBookClient docstrings, examples/spot_orderbook.py). Only their endless
``while not client.exception_occur: await asyncio.sleep(...)`` loops and fixed sleeps become
waits on what the example prints.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from compat.support import Printed, tasks_other_than
from spotstream.compat.kraken_sdk import SpotOrderBookClient, SpotWSClient
from spotstream.simulator import Simulator
from support.wait import eventually

# --- README: "SpotWSClient (Websocket API)" ---------------------------------------------------
# from kraken.spot import SpotWSClient   <- the only line changed


class Client(SpotWSClient):
    """Can be used to create a custom trading strategy"""

    async def on_message(self, message):  # type: ignore[no-untyped-def]
        """Receives the websocket messages"""
        if message.get("method") == "pong" or message.get("channel") == "heartbeat":
            return

        print(message)


@pytest.mark.parametrize("transport", ["picows", "websockets"])
async def test_readme_spot_ws_client_example(
    sim_env: Simulator, printed: Printed, monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    monkeypatch.setattr(Client, "__init__", _with_transport(transport))
    before = asyncio.all_tasks()
    client = Client()  # only use this one if you don't need private feeds
    try:
        await client.start()
        await client.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD", "DOT/USD"]})
        await client.subscribe(params={"channel": "book", "depth": 25, "symbol": ["BTC/USD"]})
        await eventually(
            lambda: "'channel': 'book', 'type': 'update'" in printed.text,
            what="ticker and book printed",
        )
        await client.unsubscribe(params={"channel": "ticker", "symbol": ["BTC/USD", "DOT/USD"]})
        await eventually(
            lambda: "'method': 'unsubscribe', 'success': True" in printed.text, what="unsubscribed"
        )
        assert not client.exception_occur
    finally:
        await client.close()
    text = printed.text
    assert "'channel': 'ticker', 'type': 'snapshot'" in text
    assert "Currency pair not supported DOT/USD" in text  # the simulator has no DOT/USD
    assert "'method': 'pong'" not in text
    assert "heartbeat" not in text
    assert [s["channel"] for s in client.active_public_subscriptions] == ["book"]
    assert not tasks_other_than(before)


def _with_transport(transport: str) -> Any:
    """Run the unchanged example over either transport (a keyword the example never sets)."""
    init = SpotWSClient.__init__

    def __init__(self: SpotWSClient, *args: Any, **kwargs: Any) -> None:
        init(self, *args, transport=transport, **kwargs)

    return __init__


# --- SpotWSClient docstring: "Use the websocket client as instance" ---------------------------


async def test_docstring_callback_example(sim_env: Simulator, printed: Printed) -> None:
    async def on_message(message):  # type: ignore[no-untyped-def]
        print(message)

    client = SpotWSClient(callback=on_message)
    await client.start()
    await client.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
    try:
        await eventually(lambda: "'channel': 'ticker'" in printed.text, what="ticker printed")
        assert not client.exception_occur
    finally:
        await client.close()
    assert "'symbol': 'BTC/USD'" in printed.text


# --- SpotWSClient docstring: "Use the websocket client as context manager" (public part) ------


async def test_docstring_context_manager_example(sim_env: Simulator, printed: Printed) -> None:
    async def on_message(message):  # type: ignore[no-untyped-def]
        print(message)

    async with SpotWSClient(callback=on_message) as session:
        await session.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
        await eventually(lambda: "'channel': 'ticker'" in printed.text, what="ticker printed")
    assert "'channel': 'status'" in printed.text


# --- examples/spot_orderbook.py and the SpotOrderBookClient docstring -------------------------
# from kraken.spot import SpotOrderBookClient   <- the only line changed


class Orderbook(SpotOrderBookClient):
    """
    This is a wrapper class that is used to overload the :func:`on_book_update`
    function.
    """

    async def on_book_update(self, pair: str, message: list) -> None:  # type: ignore[override]
        book: dict[str, Any] = self.get(pair=pair)  # type: ignore[assignment]
        bid: list[tuple[str, str]] = list(book["bid"].items())
        ask: list[tuple[str, str]] = list(book["ask"].items())

        print("Bid     Volume\t\t  Ask     Volume")
        for level in range(self.depth):
            print(f"{bid[level][0]} ({bid[level][1][0]}) \t {ask[level][0]} ({ask[level][1][0]})")

        assert book["valid"]  # ensure that the checksum is valid


@pytest.mark.parametrize("depth", [10, 100])
async def test_orderbook_example(
    sim_env: Simulator, printed: Printed, caplog: pytest.LogCaptureFixture, depth: int
) -> None:
    before = asyncio.all_tasks()
    orderbook: Orderbook = Orderbook(depth=depth)
    await orderbook.start()
    await orderbook.add_book(
        pairs=["BTC/USD", "ETH/USD"]  # we can also subscribe to more currency pairs
    )
    try:
        await eventually(lambda: printed.text.count("Bid     Volume") >= 300, what="300 tables")
        assert not orderbook.exception_occur
    finally:
        await orderbook.close()
    # the example asserts book["valid"] on every update: a failure would be logged here
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    lines = printed.text.splitlines()
    table = lines[lines.index("Bid     Volume\t\t  Ask     Volume") + 1]
    bid, ask = table.split(" \t ")
    assert bid.count(".") == ask.count(".") == 2  # price (volume), fixed decimals
    assert not tasks_other_than(before)


async def test_orderbook_callback_example(sim_env: Simulator) -> None:
    # The docstring's callback takes a stray ``self`` that the SDK itself never passes
    # (it calls ``callback(pair=..., message=...)``); the working form is used here.
    received: list[tuple[str, dict[str, Any]]] = []

    async def my_callback(pair: str, message: dict) -> None:  # type: ignore[type-arg]
        """This function do not need to be async."""
        received.append((pair, message))

    orderbook = SpotOrderBookClient(depth=100, callback=my_callback)
    await orderbook.start()
    await orderbook.add_book(pairs=["BTC/USD"])
    try:
        await eventually(lambda: len(received) >= 50, what="50 book updates")
    finally:
        await orderbook.close()
    assert {pair for pair, _ in received} == {"BTC/USD"}
    assert received[0][1]["type"] == "snapshot"
    assert all(m["channel"] == "book" for _, m in received)
    book = orderbook.get("BTC/USD")
    assert book is not None
    assert book["valid"]
    assert len(book["bid"]) == 100
