"""The real python-kraken-sdk (unmodified) against the simulator: public channels and books.

Only the SDK's URLs are changed: its websocket clients take ``ws_url``/``auth_ws_url``/
``rest_url`` and append ``/v2`` to the websocket ones, as they do to Kraken's, so they are given
the simulator's bare bases (``ws://H:P``, ``ws://H:P/auth``): the simulator lays its URLs out as
Kraken does. ``SpotOrderBookClient`` takes no URL, so its base class attributes are patched.
Nothing here works around the protocol.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from kraken.base_api import SpotClient
from kraken.spot import SpotOrderBookClient, SpotWSClient
from kraken.spot.websocket import SpotWSClientBase

from peers.support import ThreadedSimulator, tasks_other_than
from spotstream.simulator import Simulator
from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from support.wait import eventually

PAIRS = ["BTC/USD", "ETH/USD", "XRP/USD"]
UPDATES = 150  # verified book updates per pair (each one checked by the SDK's own checksum)
DECIMALS = {i.symbol: (i.price_precision, i.qty_precision) for i in DEFAULT_INSTRUMENTS}


def _base(url: str) -> str:
    """A simulator URL without its version path: what the SDK wants (it appends ``/v2``)."""
    assert url.endswith("/v2"), url
    return url.removesuffix("/v2")


def _of(messages: list[Any], channel: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [
        m
        for m in messages
        if isinstance(m, dict) and m.get("channel") == channel and kind in (None, m.get("type"))
    ]


async def test_spot_ws_client_streams_public_channels(sim: Simulator) -> None:
    messages: list[Any] = []

    async def on_message(message: Any) -> None:
        messages.append(message)

    before = asyncio.all_tasks()
    client = SpotWSClient(callback=on_message, ws_url=_base(sim.urls["public"]))
    try:
        await client.start()
        await client.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
        await client.subscribe(params={"channel": "trade", "symbol": ["BTC/USD"]})
        await client.subscribe(params={"channel": "book", "depth": 10, "symbol": ["ETH/USD"]})
        await eventually(
            lambda: (
                _of(messages, "ticker")
                and _of(messages, "trade", "update")
                and len(_of(messages, "book", "update")) >= 20
            ),
            what="ticker, trades and book updates",
        )
        acks = [m for m in messages if m.get("method") == "subscribe"]
        assert all(m["success"] for m in acks)
        assert len(acks) == 3
        assert [m["method"] for m in messages if m.get("method") == "pong"] == ["pong"]
        ticker = _of(messages, "ticker")[0]["data"][0]
        assert ticker["symbol"] == "BTC/USD"
        assert ticker["bid"] < ticker["ask"]
        trade = _of(messages, "trade", "update")[0]["data"][0]
        assert trade["side"] in ("buy", "sell")
        assert isinstance(trade["trade_id"], int)
        snapshot = _of(messages, "book", "snapshot")[0]["data"][0]
        assert len(snapshot["bids"]) == len(snapshot["asks"]) == 10
        subscriptions = client.active_public_subscriptions
        assert sorted(s["channel"] for s in subscriptions) == ["book", "ticker", "trade"]
        assert all(isinstance(s["symbol"], list) for s in subscriptions)

        await client.unsubscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
        await eventually(
            lambda: "ticker" not in {s["channel"] for s in client.active_public_subscriptions},
            what="ticker unsubscribed",
        )
        assert not client.exception_occur
    finally:
        await client.close()
    assert not tasks_other_than(before)


class _RecordingBook(SpotOrderBookClient):
    """The SDK's documented pattern: override on_book_update and read the book with get()."""

    def __init__(self, depth: int) -> None:
        super().__init__(depth=depth)
        self.updates: Counter[str] = Counter()
        self.invalid: list[str] = []
        self.errors: list[dict[str, Any]] = []

    async def on_book_update(self, pair: str, message: dict[str, Any]) -> None:
        if "error" in message:
            self.errors.append(message)
            return
        book = self.get(pair=pair)
        assert book is not None
        if not book["valid"]:
            self.invalid.append(pair)
        if message["type"] == "update":
            self.updates[pair] += 1


def _sdk_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the SDK logged as going wrong (it recovers in the background and only logs)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("kraken.") and r.levelno >= logging.WARNING
    ]


@pytest.mark.parametrize("depth", [10, 100])
async def test_spot_order_book_client_checksums_stay_valid(
    threaded_sim: ThreadedSimulator,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    depth: int,
) -> None:
    # The SDK reads pair decimals with a synchronous REST call (hence the threaded simulator).
    monkeypatch.setattr(SpotWSClientBase, "WS_URL", _base(threaded_sim.urls["public"]))
    monkeypatch.setattr(SpotClient, "URL", threaded_sim.urls["rest"])
    before = asyncio.all_tasks()
    client = _RecordingBook(depth)
    try:
        await client.start()
        await client.add_book(pairs=PAIRS)
        await eventually(
            lambda: (
                all(client.updates[p] >= UPDATES for p in PAIRS)
                or bool(client.errors or _sdk_failures(caplog))
            ),
            timeout=30,
            what=f"{UPDATES} book updates per pair",
        )
        assert _sdk_failures(caplog) == []
        assert client.errors == []
        assert client.invalid == []
        for pair in PAIRS:
            book = client.get(pair)
            assert book is not None
            assert book["valid"]
            assert (book["price_decimals"], book["qty_decimals"]) == DECIMALS[pair]
            assert len(book["bid"]) == len(book["ask"]) == depth
            best_bid, best_ask = next(iter(book["bid"])), next(iter(book["ask"]))
            assert Decimal(best_bid) < Decimal(best_ask)
        assert not client.exception_occur
    finally:
        await client.close()
    assert not tasks_other_than(before)


def _answer(messages: list[Any], method: str) -> list[dict[str, Any]]:
    return [m for m in messages if isinstance(m, dict) and m.get("method") == method]


def _executions(messages: list[Any], order_id: str, exec_type: str) -> list[dict[str, Any]]:
    return [
        report
        for m in _of(messages, "executions")
        for report in m["data"]
        if report.get("order_id") == order_id and report.get("exec_type") == exec_type
    ]


async def test_spot_ws_client_places_and_cancels_an_order(sim: Simulator) -> None:
    messages: list[Any] = []

    async def on_message(message: Any) -> None:
        messages.append(message)

    before = asyncio.all_tasks()
    client = SpotWSClient(
        key=TEST_ACCOUNT.api_key,
        secret=TEST_ACCOUNT.api_secret,
        callback=on_message,
        no_public=True,  # an idle public socket would hold close() up for the SDK's 10 s recv
        auth_ws_url=_base(sim.urls["private"]),
        rest_url=sim.urls["rest"],
    )
    try:
        await client.start()
        await client.subscribe(params={"channel": "executions"})
        await client.subscribe(params={"channel": "balances"})
        await eventually(
            lambda: _of(messages, "executions", "snapshot") and _of(messages, "balances"),
            what="executions and balances snapshots",
        )
        balances = {b["asset"]: b["balance"] for b in _of(messages, "balances")[0]["data"]}
        assert balances["USD"] == float(TEST_ACCOUNT.balances["USD"])
        # the SDK's documented way to trade: send_message adds the token
        await client.send_message(
            message={
                "method": "add_order",
                "params": {
                    "limit_price": 50000.0,
                    "order_type": "limit",
                    "order_userref": 123456789,
                    "order_qty": 0.01,
                    "side": "buy",
                    "symbol": "BTC/USD",
                },
            }
        )
        await eventually(lambda: _answer(messages, "add_order"), what="add_order answered")
        added = _answer(messages, "add_order")[0]
        assert added["success"], added
        order_id = added["result"]["order_id"]
        await eventually(lambda: _executions(messages, order_id, "new"), what="order is new")
        await client.send_message(
            message={"method": "cancel_order", "params": {"order_id": [order_id]}}
        )
        await eventually(lambda: _executions(messages, order_id, "canceled"), what="order canceled")
        assert [m["success"] for m in _answer(messages, "cancel_order")] == [True]
        channels = sorted(s["channel"] for s in client.active_private_subscriptions)
        assert channels == ["balances", "executions"]
        assert not client.exception_occur
    finally:
        await client.close()
    assert not tasks_other_than(before)
