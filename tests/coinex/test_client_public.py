"""The CoinEx v2 client end to end against the simulator on 127.0.0.1: books verified on
every push (several markets, opened one call at a time), tickers, trades, bbo, index,
resync after a corrupted checksum, reconnect after a dropped connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.coinex.client import CoinExSocketClient
from spotstream.errors import InvalidRequestError, SubscriptionError
from spotstream.models.enums import BookStatus, EventKind, LifecycleKind
from spotstream.models.market import IndexPrice, Spread, Ticker, Trade
from spotstream.protocol.base import Outgoing
from spotstream.simulator.server import Simulator
from support.wait import eventually

FAST_RECONNECT = ReconnectPolicy(initial=0.01, maximum=0.2)
MARKETS = ("BTCUSDT", "ETHUSDT")


@pytest.fixture(params=["picows", "websockets"])
async def client(
    request: pytest.FixtureRequest, sim: Simulator
) -> AsyncIterator[CoinExSocketClient]:
    async with CoinExSocketClient(
        url=sim.urls["coinex_v2"],
        rest_url=sim.urls["coinex_rest"],
        transport=request.param,
        reconnect=FAST_RECONNECT,
        request_timeout=5,
    ) as c:
        yield c


async def test_books_opened_one_after_another_all_stay_verified(
    client: CoinExSocketClient,
) -> None:
    books = []
    for market in MARKETS:  # CoinEx replaces the depth list: the client sends it whole
        books.append(await client.spot.order_book(market, depth=10))
    for book in books:
        start = book.counters.checksums_verified
        await eventually(lambda b=book, s=start: b.counters.checksums_verified > s + 5)
        assert book.status is BookStatus.SYNCED
        assert book.counters.checksum_mismatches == 0
        snap = book.snapshot()
        assert snap.bids[0].price < snap.asks[0].price
        assert isinstance(snap.bids[0].qty, Decimal)


@pytest.mark.parametrize("depth", [5, 20, 50])
async def test_every_limit_verifies(client: CoinExSocketClient, depth: int) -> None:
    book = await client.spot.order_book("BTC/USDT", depth=depth)
    await eventually(lambda: book.counters.checksums_verified > 3)
    assert book.counters.checksum_mismatches == 0
    assert len(book.snapshot().bids) <= depth


async def test_full_pushes_verify_too(client: CoinExSocketClient) -> None:
    book = await client.spot.order_book("ETHUSDT", depth=10, full=True)
    await eventually(lambda: book.counters.snapshots > 3)
    assert book.counters.checksum_mismatches == 0
    assert book.counters.checksums_verified >= book.counters.snapshots


async def test_a_corrupted_checksum_resyncs_that_market_only(
    client: CoinExSocketClient, sim: Simulator
) -> None:
    btc = await client.spot.order_book("BTCUSDT", depth=10)
    eth = await client.spot.order_book("ETHUSDT", depth=10)
    await eventually(lambda: eth.counters.checksums_verified > 2)
    sim.faults.corrupt_next_checksum("BTC/USDT")
    await eventually(lambda: btc.counters.checksum_mismatches == 1)
    await eventually(lambda: btc.counters.resyncs == 1 and btc.status is BookStatus.SYNCED)
    assert eth.counters.checksum_mismatches == 0
    assert eth.counters.resyncs == 0
    assert client.session.stats.resyncs_requested == 1


async def test_a_dropped_connection_reconnects_and_restores_everything(
    client: CoinExSocketClient, sim: Simulator
) -> None:
    book = await client.spot.order_book("BTCUSDT", depth=10)
    lifecycle: list[LifecycleKind] = []
    client.on_lifecycle(lambda e: lifecycle.append(e.kind))
    async with client.spot.ticker(MARKETS) as tickers:
        await anext(aiter(tickers))
        sim.drop_connections("coinex_v2")
        await eventually(lambda: LifecycleKind.RESTORED in lifecycle)
        event = await anext(aiter(tickers))
        while not event.gap:
            event = await anext(aiter(tickers))
        assert isinstance(event.data, Ticker)
    await eventually(lambda: book.counters.resyncs >= 1 and book.status is BookStatus.SYNCED)
    assert book.counters.checksum_mismatches == 0


async def test_tickers_of_several_markets_and_of_all(client: CoinExSocketClient) -> None:
    async with client.spot.ticker(MARKETS) as sub:
        seen: set[str] = set()
        async for event in sub:
            ticker = event.data
            assert isinstance(ticker, Ticker)
            assert ticker.bid is None
            assert ticker.open is not None
            assert ticker.change == ticker.last - ticker.open
            seen.add(ticker.symbol)
            if seen == set(MARKETS):
                break
    async with client.spot.ticker() as everything:
        seen = set()
        async for event in everything:
            seen.add(event.data.symbol)
            if set(MARKETS) <= seen:
                break


async def test_trades_start_with_a_snapshot_and_never_repeat(client: CoinExSocketClient) -> None:
    ids: list[int] = []
    async with client.spot.trades("BTCUSDT") as sub:
        first = await anext(aiter(sub))
        assert first.kind is EventKind.SNAPSHOT
        async for event in sub:
            trade = event.data
            assert isinstance(trade, Trade)
            assert trade.trade_id is not None
            ids.append(trade.trade_id)
            if len(ids) >= 5 and event.kind is EventKind.UPDATE:
                break
    assert ids == sorted(set(ids))


async def test_bbo_and_index(client: CoinExSocketClient) -> None:
    async with client.spot.book_price("ETHUSDT") as sub:
        event = await anext(aiter(sub))
        assert isinstance(event.data, Spread)
        assert event.data.bid < event.data.ask
    async with client.spot.index_price("BTCUSDT") as sub:
        event = await anext(aiter(sub))
        assert isinstance(event.data, IndexPrice)
        assert event.data.price > 0


async def test_server_time_and_ping(client: CoinExSocketClient, sim: Simulator) -> None:
    assert abs(await client.get_server_time() - sim.clock() // 1_000_000) < 60_000
    assert await client.ping() >= 0


async def test_refusals_are_typed(client: CoinExSocketClient) -> None:
    with pytest.raises(SubscriptionError):
        await client.spot.ticker("NOPEUSDT")
    with pytest.raises(InvalidRequestError):
        await client.spot.order_book("BTCUSDT", depth=25)


async def test_three_books_opened_one_call_at_a_time_all_stay_verified() -> None:
    from support.markets import THREE_USDT_MARKETS

    async with (
        Simulator(seed=5, rate=300, instruments=THREE_USDT_MARKETS) as sim,
        CoinExSocketClient(url=sim.urls["coinex_v2"], reconnect=FAST_RECONNECT) as client,
    ):
        books = []
        for market in ("BTCUSDT", "ETHUSDT", "XRPUSDT"):
            books.append(await client.spot.order_book(market, depth=20))
        starts = [b.counters.checksums_verified for b in books]
        for book, start in zip(books, starts, strict=True):
            await eventually(lambda b=book, s=start: b.counters.checksums_verified > s + 5)
            assert book.counters.checksum_mismatches == 0
            assert book.status is BookStatus.SYNCED
        sent = client.session.protocol.wanted["book"]
        assert list(sent) == ["BTCUSDT", "ETHUSDT", "XRPUSDT"]


async def test_order_book_updates_in_the_coinex_net_style(client: CoinExSocketClient) -> None:
    from spotstream.models.book_changes import BookChanges

    seen: list[BookChanges] = []
    sub = await client.spot.subscribe_to_order_book_updates(
        "BTCUSDT", 10, None, False, lambda e: seen.append(e.data)
    )
    await eventually(lambda: len(seen) > 3)
    assert seen[0].kind is EventKind.SNAPSHOT
    assert any(change.kind is EventKind.UPDATE for change in seen[1:])
    await sub.close()


async def test_maintenance_notices_and_system_status(
    client: CoinExSocketClient, sim: Simulator
) -> None:
    from spotstream.models.enums import SystemState

    async with client.spot.system_status() as statuses:
        sim.faults.maintenance(starts_in=-1.0, lasts=600.0)  # under way now
        event = await anext(aiter(statuses))
        assert event.data.system is SystemState.MAINTENANCE
        assert client.session.status is not None
        assert client.session.status.system is SystemState.MAINTENANCE


async def test_keepalive_is_server_ping_and_a_silent_link_is_replaced(sim: Simulator) -> None:
    pings: list[bytes] = []
    client = CoinExSocketClient(
        url=sim.urls["coinex_v2"], reconnect=FAST_RECONNECT, keepalive_interval=0.05,
        dead_after=0.3,
    )  # fmt: skip
    lifecycle: list[LifecycleKind] = []
    async with client:
        client.on_lifecycle(lambda e: lifecycle.append(e.kind))
        book = await client.spot.order_book("ETHUSDT", depth=10)
        protocol = client.session.protocol
        ping = protocol.ping

        def spy() -> Outgoing:
            out = ping()
            pings.append(out.frame)
            return out

        protocol.ping = spy  # type: ignore[method-assign]
        await eventually(lambda: any(b'"server.ping"' in f for f in pings))
        sim.faults.stall()  # nothing arrives any more, pongs included
        await eventually(lambda: LifecycleKind.CONNECTION_LOST in lifecycle)
        assert book.status is BookStatus.RESYNCING
        sim.faults.resume()
        await eventually(lambda: LifecycleKind.RESTORED in lifecycle)
        await eventually(lambda: book.status is BookStatus.SYNCED)
        assert book.counters.checksum_mismatches == 0
