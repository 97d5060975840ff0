"""CoinEx.Net's v1 SpotApi methods, the same calls on both socket API versions against the
simulator: v1 on its own wire (``CoinExSocketClient(api_version=1)``), v2 from its socket
where it has the feature and from REST v2 where it has none (klines REST-polled)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from spotstream.coinex.client import CoinExSocketClient
from spotstream.errors import InvalidRequestError, UnsupportedFeatureError
from spotstream.models.book_changes import BookChanges
from spotstream.models.enums import BookStatus, OrderSide, OrderStatus
from spotstream.models.market import BookSnapshot, DataEvent, Kline, Ticker, Trade
from spotstream.models.orders import Balance, OrderUpdate
from spotstream.simulator.server import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY
from support.coinex import signed_client
from support.wait import eventually

T = TypeVar("T")
KEY = COINEX_TEST_KEY


@pytest.fixture(params=[1, 2], ids=["v1", "v2"])
async def client(request: pytest.FixtureRequest, sim: Simulator) -> AsyncIterator[Any]:
    async with signed_client(sim, request.param) as c:
        yield c


async def until(fetch: Callable[[], Awaitable[T]], ok: Callable[[T], bool]) -> T:
    """``fetch()`` again until its result is ``ok`` (the simulator's market moves on)."""
    async with asyncio.timeout(10):
        while True:
            value = await fetch()
            if ok(value):
                return value
            await asyncio.sleep(0.01)


def low_price(sim: Simulator) -> Decimal:
    spec = sim.market.instruments["BTC/USDT"]
    return (spec.start_price / 2).quantize(spec.price_increment)


async def test_ping_and_server_time(client: Any) -> None:
    assert await client.spot.ping() >= 0
    now = await client.spot.get_server_time()
    assert isinstance(now, datetime)
    assert now.tzinfo is UTC
    assert abs((datetime.now(UTC) - now).total_seconds()) < 3600


async def test_get_ticker(client: Any) -> None:
    ticker = await client.spot.get_ticker("BTCUSDT", 86400)
    assert isinstance(ticker, Ticker)
    assert ticker.symbol == "BTCUSDT"
    assert ticker.last > 0
    assert ticker.high >= ticker.low


async def test_get_order_book_is_verified(client: Any) -> None:
    book = await client.spot.get_order_book("BTCUSDT", 10, 8)
    assert isinstance(book, BookSnapshot)
    assert book.status is BookStatus.SYNCED
    assert 0 < len(book.bids) <= 10
    assert book.bids[0].price < book.asks[0].price
    merged = await client.spot.get_order_book("BTCUSDT", 5, 6)  # merged to 0.01
    assert len(merged.asks) <= 5
    assert all(level.price == level.price.quantize(Decimal("0.01")) for level in merged.asks)
    with pytest.raises(InvalidRequestError):
        await client.spot.get_order_book("BTCUSDT", 7, 8)


async def test_get_trade_history_oldest_first(client: Any) -> None:
    trades = await until(lambda: client.spot.get_trade_history("BTCUSDT", 5), lambda t: len(t) >= 2)
    assert all(isinstance(t, Trade) for t in trades)
    assert len(trades) <= 5
    ids = [t.trade_id for t in trades]
    assert ids == sorted(ids)


async def test_get_klines_of_the_last_day(client: Any) -> None:
    klines = await until(lambda: client.spot.get_klines("BTCUSDT", 60), bool)
    assert all(isinstance(k, Kline) for k in klines)
    assert all(k.interval == 1 for k in klines)
    candle = klines[-1]
    assert candle.low <= min(candle.open, candle.close) <= max(candle.open, candle.close)
    assert max(candle.open, candle.close) <= candle.high
    with pytest.raises(InvalidRequestError):
        await client.spot.get_klines("BTCUSDT", 61)


async def test_get_balances_and_open_orders(client: Any, sim: Simulator) -> None:
    balances = await client.spot.get_balances(["USDT"])
    assert [b.asset for b in balances] == ["USDT"]
    assert isinstance(balances[0], Balance)
    assert balances[0].balance > 0
    placed = await client.spot.place_order(
        "BTCUSDT", "buy", "limit", Decimal("0.01"), low_price(sim)
    )
    orders = await client.spot.get_open_orders("BTCUSDT", "buy", 0, 10)
    assert [o.order_id for o in orders] == [placed.order_id]
    assert isinstance(orders[0], OrderUpdate)
    assert orders[0].side is OrderSide.BUY
    assert await client.spot.get_open_orders("BTCUSDT", "sell", 0, 10) == []
    await client.spot.cancel_order("BTCUSDT", placed.order_id)
    assert await client.spot.get_open_orders("BTCUSDT") == []


async def test_subscriptions_in_the_seed_form(client: Any, sim: Simulator) -> None:
    tickers: list[DataEvent[Ticker]] = []
    every: list[DataEvent[Ticker]] = []
    trades: list[DataEvent[Trade]] = []
    changes: list[DataEvent[BookChanges]] = []
    klines: list[DataEvent[Kline]] = []
    subs = [
        await client.spot.subscribe_to_ticker_updates("BTCUSDT", tickers.append),
        await client.spot.subscribe_to_all_ticker_updates(every.append),
        await client.spot.subscribe_to_trade_updates("BTCUSDT", trades.append),
        await client.spot.subscribe_to_order_book_updates("ETHUSDT", 10, 8, changes.append),
    ]
    kwargs = {} if client.api_version == 1 else {"poll_interval": 0.05}
    subs.append(
        await client.spot.subscribe_to_kline_updates("BTCUSDT", 60, klines.append, **kwargs)
    )
    await eventually(lambda: bool(tickers and trades and len(changes) > 2 and klines))
    await eventually(lambda: {"BTCUSDT", "ETHUSDT"} <= {e.data.symbol for e in every})
    assert tickers[0].data.symbol == "BTCUSDT"
    assert changes[0].data.bids  # the whole book first
    assert klines[0].data.symbol == "BTCUSDT"
    for sub in subs:
        await sub.close()


async def test_several_markets_of_one_type_all_stream(client: Any) -> None:
    books = [await client.spot.order_book(m, depth=10) for m in ("BTCUSDT", "ETHUSDT")]
    for book in books:
        start = book.counters.checksums_verified
        await eventually(lambda b=book, s=start: b.counters.checksums_verified > s + 3)
        assert book.counters.checksum_mismatches == 0


async def test_private_subscriptions_see_a_rest_order(client: Any, sim: Simulator) -> None:
    orders: list[DataEvent[Any]] = []
    balances: list[DataEvent[Any]] = []
    await client.spot.subscribe_to_order_updates(["BTCUSDT"], orders.append)
    await client.spot.subscribe_to_balance_updates(balances.append)
    placed = await client.spot.place_order(
        "BTCUSDT", "buy", "limit", Decimal("0.01"), low_price(sim)
    )
    await eventually(
        lambda: any(getattr(e.data, "order_id", None) == placed.order_id for e in orders)
    )
    await eventually(lambda: bool(balances))
    await client.spot.cancel_all_orders("BTCUSDT")
    await eventually(
        lambda: any(getattr(e.data, "status", None) is OrderStatus.CANCELED for e in orders)
    )


async def test_v2_tickers_cover_24_hours_only(sim: Simulator) -> None:
    async with CoinExSocketClient(
        url=sim.urls["coinex_v2"], rest_url=sim.urls["coinex_rest"]
    ) as client:
        with pytest.raises(UnsupportedFeatureError):
            await client.spot.get_ticker("BTCUSDT", 3600)


async def test_a_rest_order_shows_on_the_v1_and_the_v2_feeds(sim: Simulator) -> None:
    clients = [signed_client(sim, version) for version in (1, 2)]
    async with (
        clients[0] as v1,
        clients[1] as v2,
        v1.spot.orders() as old,
        v2.spot.orders() as new,
    ):
        placed = await v2.spot.place_order(
            "BTCUSDT", "buy", "limit", Decimal("0.01"), low_price(sim)
        )
        for feed in (old, new):
            event = await anext(aiter(feed))
            assert isinstance(event.data, OrderUpdate)
            assert event.data.order_id == placed.order_id
            assert event.data.status is OrderStatus.NEW
