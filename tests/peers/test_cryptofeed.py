"""The real cryptofeed (unmodified) against the simulator's Kraken v1: books, trades, tickers.

cryptofeed speaks Kraken WebSocket v1 only, insists on ``wss://`` and has no URL option, so the
simulator runs with TLS and the feed's endpoint class attributes are pointed at it: the
websocket endpoint (with an ``ssl`` context trusting the simulator's certificate in its
connection options) and the REST endpoint it reads ``AssetPairs`` from (plain ``http://``).
Its symbol table is process-wide, so it is swapped for an empty one for the test. cryptofeed
reads ``AssetPairs`` with a blocking HTTP call, made in a thread so that the simulator, on
this loop, can answer. The feed runs as tasks on the test's loop with
``checksum_validation=True``; a checksum failure is raised out of its connection task
(``exceptions=[BadChecksum]``) instead of being logged and reconnected, and fails the test.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import Counter
from typing import Any

import pytest

from peers.support import tasks_other_than
from spotstream.simulator import Simulator
from support.wait import eventually

pytest.importorskip("cryptofeed")

from cryptofeed.connection import RestEndpoint, Routes, WebsocketEndpoint
from cryptofeed.defines import L2_BOOK, TICKER, TRADES
from cryptofeed.exceptions import BadChecksum
from cryptofeed.exchanges import Kraken
from cryptofeed.symbols import Symbols

PAIRS = ["BTC-USD", "ETH-USD", "DOGE-USD"]
VERIFIED = 150  # book updates per pair whose checksum cryptofeed checked


@pytest.fixture
async def tls_sim() -> Any:
    async with Simulator(seed=3, rate=300, tls=True) as simulator:
        yield simulator


async def test_cryptofeed_keeps_verified_books_and_gets_trades_and_tickers(
    tls_sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tls_sim.tls_cert is not None
    context = ssl.create_default_context(cafile=tls_sim.tls_cert)
    endpoint = WebsocketEndpoint(tls_sim.urls["kraken_v1_public"], options={"ssl": context})
    rest = RestEndpoint(tls_sim.urls["rest"], routes=Routes("/0/public/AssetPairs"))
    monkeypatch.setattr(Kraken, "websocket_endpoints", [endpoint])
    monkeypatch.setattr(Kraken, "rest_endpoints", [rest])
    monkeypatch.setattr(Symbols, "data", {})
    await asyncio.to_thread(Kraken.symbol_mapping, refresh=True)

    verified: Counter[str] = Counter()
    books: Counter[str] = Counter()
    trades: list[Any] = []
    tickers: list[Any] = []

    async def on_book(book: Any, receipt: float) -> None:
        books[book.symbol] += 1
        if book.checksum is not None:  # cryptofeed checked it before calling us
            verified[book.symbol] += 1

    async def on_trade(trade: Any, receipt: float) -> None:
        trades.append(trade)

    async def on_ticker(ticker: Any, receipt: float) -> None:
        tickers.append(ticker)

    feed = Kraken(
        symbols=PAIRS,
        channels=[L2_BOOK, TRADES, TICKER],
        callbacks={L2_BOOK: [on_book], TRADES: [on_trade], TICKER: [on_ticker]},
        checksum_validation=True,
        max_depth=10,
        exceptions=[BadChecksum],
        timeout=-1,  # no watchdog task
    )
    before = asyncio.all_tasks()
    feed.start(asyncio.get_running_loop())
    tasks = tasks_other_than(before)

    def done() -> bool:
        ended = [t for t in tasks if t.done()]  # a connection task only ends on a failure
        assert not ended, [t.exception() for t in ended if not t.cancelled()]
        return all(verified[pair] >= VERIFIED for pair in PAIRS) and bool(trades) and bool(tickers)

    try:
        await eventually(done, timeout=60, what="verified books, a trade and a ticker")
    finally:
        feed.stop()
        await feed.shutdown()
        async with asyncio.timeout(10):
            await asyncio.gather(*tasks, return_exceptions=True)
    assert {t.symbol for t in trades} <= set(PAIRS)
    assert all(t.price > 0 and t.amount > 0 for t in trades)
    assert all(t.bid < t.ask for t in tickers)
    assert sum(books.values()) > sum(verified.values())  # two-object updates: not checked
