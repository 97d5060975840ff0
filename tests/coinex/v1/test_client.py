"""The CoinEx v1 client end to end against the simulator's v1 socket: pooled connections
(one market per subscription type each), books verified and resynced, the same book as a
v2 client's, reconnects, both API styles, signed feeds filtered and reconciled, refused
credentials."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from spotstream.auth.coinex import CoinExCredentials
from spotstream.coinex.client import CoinExSocketClient
from spotstream.coinex.v1.client import CoinExV1SocketClient
from spotstream.errors import AuthenticationError, RequestTimeoutError
from spotstream.models.enums import BookStatus, EventKind, ReconcileReason
from spotstream.models.market import Kline, Ticker, Trade
from spotstream.models.orders import OrderUpdate, Reconciliation
from spotstream.simulator.server import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY
from support.coinex import far_below, place, reconciled_exactly, signed_client
from support.wait import eventually

KEY = COINEX_TEST_KEY


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=7, rate=200) as simulator:
        simulator.coinex.hub.push_interval_ns = 0
        simulator.coinex.hub_v1.push_interval_ns = 0
        yield simulator


def v1_client(sim: Simulator, **kwargs: Any) -> CoinExV1SocketClient:
    client = signed_client(sim, 1, **kwargs)
    assert isinstance(client, CoinExV1SocketClient)
    return client


@pytest.fixture(params=["picows", "websockets"])
async def client(request: pytest.FixtureRequest, sim: Simulator) -> AsyncIterator[Any]:
    async with v1_client(sim, transport=request.param) as c:
        yield c


async def test_each_market_of_a_type_gets_its_own_connection(client: Any) -> None:
    btc = await client.spot.order_book("BTCUSDT", depth=10)
    eth = await client.spot.order_book("ETHUSDT", depth=10)
    trades = await client.spot.trades("BTCUSDT")  # a free slot: rides the first connection
    assert len(client.pool.sessions) == 2
    for book in (btc, eth):
        start = book.counters.checksums_verified
        await eventually(lambda b=book, s=start: b.counters.checksums_verified > s + 3)
        assert book.status is BookStatus.SYNCED
        assert book.counters.checksum_mismatches == 0
    await eth.close()
    deeper = await client.spot.order_book("BTCUSDT", depth=20)  # another depth: another slot
    await eventually(lambda: deeper.status is BookStatus.SYNCED)
    assert len(client.pool.sessions) == 2  # ETHUSDT's connection was free again
    await trades.close()


async def test_a_v1_and_a_v2_client_see_the_same_book(client: Any, sim: Simulator) -> None:
    async with CoinExSocketClient(
        url=sim.urls["coinex_v2"], rest_url=sim.urls["coinex_rest"], request_timeout=5
    ) as v2:
        old = await client.spot.order_book("BTCUSDT", depth=10)
        new = await v2.spot.order_book("BTCUSDT", depth=10)

        def same() -> bool:
            a, b = old.snapshot(), new.snapshot()
            return a.bids == b.bids and a.asks == b.asks and a.checksum == b.checksum

        await eventually(same, what="the v1 and v2 books agree")


async def test_a_corrupted_checksum_resyncs_the_book(client: Any, sim: Simulator) -> None:
    book = await client.spot.order_book("BTCUSDT", depth=10)
    sim.faults.corrupt_next_checksum("BTCUSDT")
    await eventually(lambda: book.counters.checksum_mismatches == 1)
    await eventually(lambda: book.status is BookStatus.SYNCED and book.counters.resyncs == 1)


async def test_books_come_back_after_a_dropped_connection(client: Any, sim: Simulator) -> None:
    books = [await client.spot.order_book(m, depth=10) for m in ("BTCUSDT", "ETHUSDT")]
    sim.drop_connections("coinex_v1")
    for book in books:
        await eventually(lambda b=book: b.status is not BookStatus.SYNCED)
    for book in books:
        start = book.counters.checksums_verified
        await eventually(lambda b=book, s=start: b.counters.checksums_verified > s + 2)
        assert book.status is BookStatus.SYNCED


async def test_iterators_ticker_trades_klines(client: Any) -> None:
    async with client.spot.ticker("BTCUSDT") as tickers:
        event = await anext(aiter(tickers))
        assert isinstance(event.data, Ticker)
        assert event.data.symbol == "BTCUSDT"
    async with client.spot.ticker() as every:  # all markets on one state.subscribe []
        symbols: set[str] = set()
        async for event in every:
            symbols.add(event.data.symbol)
            if {"BTCUSDT", "ETHUSDT"} <= symbols:
                break
    async with client.spot.trades("ETHUSDT") as trades:
        first = await anext(aiter(trades))
        assert first.kind is EventKind.SNAPSHOT
        assert isinstance(first.data, Trade)
    async with client.spot.klines("BTCUSDT", 300) as klines:
        event = await anext(aiter(klines))
        assert isinstance(event.data, Kline)
        assert event.data.interval == 5


async def test_orders_are_filtered_to_the_markets_asked_for(client: Any, sim: Simulator) -> None:
    async with client.spot.orders(["ETHUSDT"]) as eth, client.spot.orders() as every:
        btc_order = place(sim, price=far_below(sim))
        event = await anext(aiter(every))
        assert isinstance(event.data, OrderUpdate)
        assert event.data.order_id == str(btc_order["order_id"])
        spec = sim.market.instruments["ETH/USDT"]
        price = str((spec.start_price / 2).quantize(spec.price_increment))
        eth_order = place(sim, market="ETHUSDT", price=price)
        event = await anext(aiter(eth))
        assert event.data.order_id == str(eth_order["order_id"])  # BTCUSDT's never came
        assert event.data.limit_price == Decimal(price)


async def test_an_order_placed_while_the_feed_is_down_is_reconciled(
    client: Any, sim: Simulator
) -> None:
    async with client.spot.orders() as orders, client.spot.balances() as balances:
        first = await anext(aiter(balances))
        assert first.kind is EventKind.SNAPSHOT  # from asset.query
        await eventually(lambda: client.private_session.connection.connected)
        sim.faults.drop_private_connections()
        placed = place(sim, price=far_below(sim))  # its order.update goes nowhere
        async for event in orders:
            if isinstance(event.data, Reconciliation):
                break
        assert event.data.reason is ReconcileReason.RECONNECT
        assert [o.order_id for o in event.data.opened] == [str(placed["order_id"])]


async def test_refused_credentials_fail_and_are_not_retried(sim: Simulator) -> None:
    async with v1_client(sim, credentials=CoinExCredentials(KEY.access_id, "0" * 48)) as client:
        with pytest.raises(AuthenticationError):
            await client.spot.orders()
        with pytest.raises(AuthenticationError):
            await client.spot.get_balances()


async def test_a_book_that_never_syncs_is_closed_and_can_be_retried(sim: Simulator) -> None:
    async with v1_client(sim, request_timeout=0.5) as client:
        await client.spot.ping()
        protocol = client.session.protocol
        receive = protocol.receive
        protocol.receive = lambda f: [] if b"depth.update" in f else receive(f)
        for depth in (10, 20):  # a retry at another depth is not refused
            with pytest.raises(RequestTimeoutError, match="not synced"):
                await client.spot.order_book("BTCUSDT", depth=depth)
            assert client.session._books == {}
            assert "book" not in protocol.held  # unsubscribed


async def test_the_reconciliation_lists_exactly_what_changed(client: Any, sim: Simulator) -> None:
    """One order cancelled and one placed while the feed was down: the reconciliation lists
    exactly these two, nothing else."""
    await reconciled_exactly(client, sim)
