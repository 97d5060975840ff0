"""ccxt.pro's ``coinex`` (unmodified, ``ccxt==4.5.85``) against the simulator's CoinEx v2.

Only URLs are changed: REST ``public``/``private`` to ``urls["coinex_rest"]`` (ccxt appends
``/v2/<path>`` and signs ``/v2/<path>``: the simulator's ``/coinex`` prefix stays unsigned),
the spot websocket to ``urls["coinex_v2"]``. What ccxt calls on start (``load_markets``) is
recorded and pinned: ``/v2/spot/market``, ``/v2/futures/market`` and
``/v2/assets/all-deposit-withdraw-config``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import ccxt.pro
import pytest

from peers.support import tasks_other_than
from spotstream.simulator import Simulator
from spotstream.simulator.http import HttpRequest, HttpResponse
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY
from support.wait import eventually

TIMEOUT = 20.0
OPTIONS = {"enableRateLimit": False}
START_CALLS = [  # what load_markets asks for
    ("GET", "/coinex/v2/assets/all-deposit-withdraw-config"),
    ("GET", "/coinex/v2/futures/market"),
    ("GET", "/coinex/v2/spot/market"),
]


def _point_at(exchange: Any, sim: Simulator) -> Any:
    """The only change to ccxt: where it connects."""
    api = exchange.urls["api"]
    api["public"] = api["private"] = sim.urls["coinex_rest"]
    api["ws"]["spot"] = sim.urls["coinex_v2"] + "/"  # ccxt's own URL ends with a slash
    return exchange


@pytest.fixture
async def calls(sim: Simulator) -> list[tuple[str, str]]:
    """Every CoinEx REST request (method, path) the simulator answers."""
    seen: list[tuple[str, str]] = []
    rest = sim.coinex.rest
    handle = rest.handle

    def recording(request: HttpRequest) -> HttpResponse:
        seen.append((request.method, request.path))
        return handle(request)

    rest.handle = recording  # type: ignore[method-assign]
    return seen


@pytest.fixture
async def coinex(sim: Simulator, calls: list[tuple[str, str]]) -> AsyncIterator[Any]:
    before = asyncio.all_tasks()
    config = {**OPTIONS, "apiKey": COINEX_TEST_KEY.access_id, "secret": COINEX_TEST_KEY.secret_key}
    exchange = _point_at(ccxt.pro.coinex(config), sim)
    try:
        yield exchange
    finally:
        await exchange.close()
    await eventually(lambda: not tasks_other_than(before), what="ccxt's tasks ended")


async def test_ccxt_loads_markets_from_three_calls(
    coinex: Any, calls: list[tuple[str, str]]
) -> None:
    markets = await coinex.load_markets()
    assert {"BTC/USDT", "ETH/USDT"} <= set(markets)
    assert not any(symbol.endswith("/USD") for symbol in markets)
    assert markets["BTC/USDT"]["id"] == "BTCUSDT"
    assert markets["BTC/USDT"]["precision"] == {"amount": 1e-08, "price": 0.01}
    assert sorted(calls) == START_CALLS


async def test_ccxt_balance_create_and_cancel(coinex: Any, calls: list[tuple[str, str]]) -> None:
    async with asyncio.timeout(TIMEOUT):
        balance = await coinex.fetch_balance()
        assert balance["USDT"]["free"] == 1_000_000
        assert balance["BTC"]["total"] == 10
        order = await coinex.create_order("BTC/USDT", "limit", "buy", 0.01, 50_000)
        assert order["status"] is None  # as live: REST v2's order object has no status
        assert order["remaining"] == 0.01
        assert order["clientOrderId"].startswith("x-167673045-")  # kept by the venue
        canceled = await coinex.cancel_order(order["id"], "BTC/USDT")
        assert canceled["id"] == order["id"]
        sold = await coinex.create_order("BTC/USDT", "market", "sell", 0.01)
        assert sold["filled"] == 0.01
    assert sorted(set(calls) - set(START_CALLS)) == [
        ("GET", "/coinex/v2/assets/spot/balance"),
        ("POST", "/coinex/v2/spot/cancel-order"),
        ("POST", "/coinex/v2/spot/order"),
    ]


async def test_ccxt_watches_books_trades_and_tickers(coinex: Any) -> None:
    async with asyncio.timeout(TIMEOUT):
        for _ in range(5):
            book = await coinex.watch_order_book("BTC/USDT")
        assert book["bids"][0][0] < book["asks"][0][0]
        trades = await coinex.watch_trades("ETH/USDT")
        assert trades
        assert trades[0]["symbol"] == "ETH/USDT"
        ticker = await coinex.watch_ticker("BTC/USDT")
        assert ticker["symbol"] == "BTC/USDT"
        assert ticker["last"] > 0


async def test_ccxt_private_watch_after_sign(coinex: Any, sim: Simulator) -> None:
    def subscribed() -> bool:
        sessions = [c.session for c in sim.connections if c.endpoint == "coinex_v2"]
        return any(getattr(s, "private", None) and s.private.subscriptions for s in sessions)

    async with asyncio.timeout(TIMEOUT):
        await coinex.load_markets()
        watching = asyncio.create_task(coinex.watch_orders("BTC/USDT"))
        await eventually(subscribed, what="ccxt signed in and subscribed to orders")
        order = await coinex.create_order("BTC/USDT", "limit", "buy", 0.01, 50_000)
        orders = await watching
        assert orders[-1]["id"] == order["id"]
        assert orders[-1]["status"] == "open"
        await coinex.cancel_order(order["id"], "BTC/USDT")


@pytest.fixture
async def three() -> AsyncIterator[Simulator]:
    from support.markets import THREE_USDT_MARKETS

    async with Simulator(seed=5, rate=300, instruments=THREE_USDT_MARKETS) as simulator:
        yield simulator


@pytest.fixture
async def coinex3(three: Simulator) -> AsyncIterator[Any]:
    before = asyncio.all_tasks()
    exchange = _point_at(ccxt.pro.coinex(dict(OPTIONS)), three)
    try:
        yield exchange
    finally:
        await exchange.close()
    await eventually(lambda: not tasks_other_than(before), what="ccxt's tasks ended")


THREE = ["BTC/USDT", "ETH/USDT", "XRP/USDT"]


async def test_ccxt_books_for_three_markets_in_one_subscribe(coinex3: Any) -> None:
    async with asyncio.timeout(TIMEOUT):
        while set(coinex3.orderbooks) != set(THREE):  # ccxt returns one book per call
            await coinex3.watch_order_book_for_symbols(THREE)
        for symbol in THREE:
            book = coinex3.orderbooks[symbol]
            assert book["bids"][0][0] < book["asks"][0][0]


async def test_ccxt_separate_book_calls_lose_the_earlier_markets_ours_keep_them(
    coinex3: Any, three: Simulator
) -> None:
    """CoinEx replaces a connection's depth list with each depth.subscribe: ccxt's separate
    ``watch_order_book`` calls (one subscribe each) leave only the last market streaming, on
    the simulator as on the live exchange (ccxt/ccxt#24474). Ours send the whole set."""
    from spotstream.coinex.client import CoinExSocketClient

    async with asyncio.timeout(TIMEOUT):
        for symbol in THREE:
            await coinex3.watch_order_book(symbol)
        books = coinex3.orderbooks
        stamps = {s: books[s]["timestamp"] for s in THREE}
        for _ in range(10):  # the last market keeps streaming ...
            await coinex3.watch_order_book("XRP/USDT")
        assert books["XRP/USDT"]["timestamp"] > stamps["XRP/USDT"]
        for symbol in THREE[:2]:  # ... the earlier ones stopped
            assert books[symbol]["timestamp"] == stamps[symbol]
        async with CoinExSocketClient(url=three.urls["coinex_v2"]) as client:
            ours = [await client.spot.order_book(s, depth=10) for s in THREE]
            counts = [b.counters.checksums_verified for b in ours]
            for book, count in zip(ours, counts, strict=True):
                await eventually(lambda b=book, c=count: b.counters.checksums_verified > c + 3)
                assert book.counters.checksum_mismatches == 0


async def test_ccxt_watch_balance(coinex: Any, sim: Simulator) -> None:
    def subscribed() -> bool:
        sessions = [c.session for c in sim.connections if c.endpoint == "coinex_v2"]
        return any(getattr(s, "private", None) and s.private.subscriptions for s in sessions)

    async with asyncio.timeout(TIMEOUT):
        await coinex.load_markets()
        watching = asyncio.create_task(coinex.watch_balance())
        await eventually(subscribed, what="ccxt signed in and subscribed to balances")
        order = await coinex.create_order("BTC/USDT", "limit", "buy", 0.01, 50_000)
        balance = await watching  # the order froze 500 USDT
        assert balance["USDT"]["free"] < 1_000_000
        await coinex.cancel_order(order["id"], "BTC/USDT")
