"""The Kraken client on WebSocket v1 end to end against the simulator on 127.0.0.1: the same
methods, models and behaviour as v2, v1's pairs and channels."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from spotstream.errors import (
    InvalidRequestError,
    SubscriptionError,
    UnsupportedFeatureError,
)
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.book_changes import BookChanges
from spotstream.models.market import (
    BookStatus,
    DataEvent,
    EventKind,
    Kline,
    LifecycleKind,
    Spread,
    Ticker,
    Trade,
)
from spotstream.simulator.server import Simulator
from support.wait import eventually

from .conftest import FAST_RECONNECT


@pytest.fixture(params=["picows", "websockets"])
async def v1(request: pytest.FixtureRequest, sim: Simulator) -> AsyncIterator[KrakenSocketClient]:
    async with KrakenSocketClient(
        api_version=1,
        url=sim.urls["kraken_v1_public"],
        rest_url=sim.urls["rest"],
        transport=request.param,
        reconnect=FAST_RECONNECT,
        request_timeout=5,
    ) as client:
        yield client


async def test_either_spelling_and_events_in_the_v2_spelling(v1: KrakenSocketClient) -> None:
    seen: set[str] = set()
    async with v1.spot.ticker(["XBT/USD", "ETH/USD"]) as sub:
        async for event in sub:
            assert isinstance(event.data, Ticker)
            assert isinstance(event.data.bid, Decimal)
            assert event.data.ask > event.data.bid
            seen.add(event.data.symbol)
            assert event.symbol == event.data.symbol
            if seen == {"BTC/USD", "ETH/USD"}:
                break


async def test_trades_klines_and_spreads_arrive(v1: KrakenSocketClient) -> None:
    async with v1.spot.trades("BTC/USD") as trades:
        trade = (await anext(trades)).data
        assert isinstance(trade, Trade)
        assert (trade.symbol, trade.price > 0, trade.qty > 0) == ("BTC/USD", True, True)
    async with v1.spot.klines("ETH/USD", interval=5) as klines:
        candle = (await anext(klines)).data
        assert isinstance(candle, Kline)
        assert candle.interval == 5
        assert candle.low <= candle.close <= candle.high
    async with v1.spot.spread("XDG/USD") as spreads:
        spread = (await anext(spreads)).data
        assert isinstance(spread, Spread)
        assert spread.symbol == "DOGE/USD"
        assert spread.bid < spread.ask


async def test_rejection_carries_kraken_text(v1: KrakenSocketClient) -> None:
    with pytest.raises(SubscriptionError) as info:
        await v1.spot.ticker(["NOPE/USD"])
    assert "NOPE/USD" in str(info.value.error)


async def test_what_v1_lacks_is_refused_before_sending(v1: KrakenSocketClient) -> None:
    with pytest.raises(UnsupportedFeatureError, match="v1"):
        await v1.spot.ticker("BTC/USD", event_trigger="bbo")
    with pytest.raises(UnsupportedFeatureError):
        await v1.spot.trades("BTC/USD", snapshot=True)
    with pytest.raises(UnsupportedFeatureError):
        v1.spot.instruments()
    with pytest.raises(UnsupportedFeatureError):
        await v1.spot.level3("BTC/USD")
    with pytest.raises(InvalidRequestError):
        await v1.spot.order_book("BTC/USD", depth=7)
    with pytest.raises(InvalidRequestError):
        await v1.spot.klines("BTC/USD", interval=2)
    assert not v1.session.streams.wants


async def test_pairs_come_from_rest_asset_pairs(v1: KrakenSocketClient) -> None:
    pairs = await v1.spot.get_instruments()
    btc = pairs["BTC/USD"]
    assert (btc.base, btc.quote) == ("BTC", "USD")
    assert btc.price_precision >= 1


async def test_books_stay_verified(v1: KrakenSocketClient) -> None:
    book = await v1.spot.order_book("XBT/USD", depth=25)
    assert book.symbol == "BTC/USD"
    assert book.status is BookStatus.SYNCED
    await eventually(lambda: book.counters.updates >= 200, what="200 book updates")
    assert book.counters.checksum_mismatches == 0
    assert book.counters.checksums_verified >= book.counters.updates
    snap = book.snapshot()
    assert len(snap.bids) == len(snap.asks) == 25
    assert snap.bids[0].price < snap.asks[0].price
    await book.close()


async def test_a_v1_and_a_v2_client_see_the_same_book() -> None:
    async with (
        Simulator(seed=5, rate=0.001) as quiet,  # a market that does not move meanwhile
        KrakenSocketClient(
            api_version=1, url=quiet.urls["kraken_v1_public"], rest_url=quiet.urls["rest"]
        ) as v1,
        KrakenSocketClient(url=quiet.urls["public"]) as v2,
    ):
        old = await v1.spot.order_book("XBT/USD", depth=100)
        new = await v2.spot.order_book("BTC/USD", depth=100)
        a, b = old.snapshot(), new.snapshot()
        assert (a.bids, a.asks) == (b.bids, b.asks)  # v1's numbers are wider, the values one


async def test_corrupted_checksum_resyncs_that_book(v1: KrakenSocketClient, sim: Simulator) -> None:
    btc = await v1.spot.order_book("BTC/USD", depth=10)
    eth = await v1.spot.order_book("ETH/USD", depth=10)
    sim.faults.corrupt_next_checksum("BTC/USD")
    await eventually(lambda: btc.counters.resyncs == 1 and btc.status is BookStatus.SYNCED)
    assert btc.counters.checksum_mismatches == 1
    assert (eth.counters.checksum_mismatches, eth.counters.resyncs) == (0, 0)


async def test_reconnect_resubscribes_and_marks_the_gap(
    v1: KrakenSocketClient, sim: Simulator
) -> None:
    kinds: list[LifecycleKind] = []
    v1.on_lifecycle(lambda e: kinds.append(e.kind))
    book = await v1.spot.order_book("ETH/USD", depth=10)
    async with v1.spot.ticker("BTC/USD") as sub:
        await anext(sub)
        sim.faults.drop_connections()
        await eventually(lambda: LifecycleKind.RESTORED in kinds, what="restored")
        event = await anext(sub)
        while not event.gap:
            event = await anext(sub)
    await eventually(lambda: book.status is BookStatus.SYNCED and book.counters.resyncs >= 1)
    assert book.counters.checksum_mismatches == 0


async def test_kraken_net_book_updates_are_the_verified_changes(v1: KrakenSocketClient) -> None:
    received: list[DataEvent[Any]] = []
    update = await v1.spot.subscribe_to_order_book_updates("BTC/USD", 10, received.append)
    await eventually(lambda: len(received) >= 20, what="20 book change events")
    await update.close()
    first, rest = received[0].data, [e.data for e in received[1:]]
    assert isinstance(first, BookChanges)
    assert first.kind is EventKind.SNAPSHOT
    assert len(first.bids) == len(first.asks) == 10
    assert all(c.kind is EventKind.UPDATE for c in rest)
    book = {level.price: level.qty for level in first.bids}
    for change in rest:  # applying the changes keeps a book of the subscribed depth
        for level in change.bids:
            if level.qty:
                book[level.price] = level.qty
            else:
                book.pop(level.price, None)
        assert len(book) == 10


async def test_system_status_and_ping(v1: KrakenSocketClient) -> None:
    async with v1.spot.system_status() as statuses:
        status = (await anext(statuses)).data
    assert status.api_version == "v1"
    assert await v1.spot.ping() >= 0


async def test_a_stream_kraken_ends_is_subscribed_again(v1: KrakenSocketClient) -> None:
    async with v1.spot.ticker("XBT/USD") as sub:
        await anext(sub)
        # The exchange ends the stream: an unsubscribe the client did not send (its answer
        # names no request of the client's).
        ended = {"event": "unsubscribe", "reqid": 999_999, "pair": ["XBT/USD"],
                 "subscription": {"name": "ticker"}}  # fmt: skip
        await v1.session.connection.send(json.dumps(ended).encode())
        event = await anext(sub)
        while not event.gap:  # events queued before come first; then the restored stream
            event = await anext(sub)
        assert event.data.symbol == "BTC/USD"
        await eventually(lambda: ("ticker", "BTC/USD", None) in v1.session.protocol.streams)
    assert v1.session.protocol.unhandled["subscriptionStatus:unsolicited"] == 0
