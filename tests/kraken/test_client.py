"""The Kraken v2 client end to end against the simulator on 127.0.0.1."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from spotstream.errors import InvalidRequestError, SubscriptionError
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.market import (
    BookStatus,
    DataEvent,
    EventKind,
    LifecycleKind,
    OrderSide,
    Spread,
    Ticker,
)
from spotstream.simulator.server import Simulator
from support.wait import eventually


async def test_ticker_for_several_symbols(client: KrakenSocketClient) -> None:
    seen: set[str] = set()
    async with client.spot.ticker(["BTC/USD", "ETH/USD"]) as sub:
        async for event in sub:
            assert isinstance(event.data, Ticker)
            assert isinstance(event.data.bid, Decimal)
            assert event.data.ask > event.data.bid
            seen.add(event.data.symbol)
            if seen == {"BTC/USD", "ETH/USD"}:
                break
    assert sub.closed


async def test_rejection_carries_exchange_text(client: KrakenSocketClient) -> None:
    with pytest.raises(SubscriptionError) as info:
        await client.spot.ticker(["XBT/USD"])
    assert info.value.error == "Currency pair not supported XBT/USD"
    assert info.value.symbol == "XBT/USD"


async def test_partial_rejection_fails_the_call_and_keeps_nothing(
    client: KrakenSocketClient,
) -> None:
    with pytest.raises(SubscriptionError):
        await client.spot.trades(["BTC/USD", "NOPE/USD"])
    assert not client.session.streams.wants


async def test_invalid_options_rejected_before_sending(client: KrakenSocketClient) -> None:
    with pytest.raises(InvalidRequestError):
        await client.spot.order_book("BTC/USD", depth=7)
    with pytest.raises(InvalidRequestError):
        await client.spot.klines("BTC/USD", interval=2)


async def test_trades_and_klines_arrive(client: KrakenSocketClient) -> None:
    async with client.spot.trades("BTC/USD", snapshot=True) as trades:
        first = await anext(trades)
        assert first.kind is EventKind.SNAPSHOT
        assert first.data.side in (OrderSide.BUY, OrderSide.SELL)
    async with client.spot.klines("ETH/USD", interval=5) as klines:
        candle = await anext(klines)
        assert candle.data.interval == 5
        assert candle.data.low <= candle.data.close <= candle.data.high


async def test_callback_style(client: KrakenSocketClient) -> None:
    received: list[DataEvent[Any]] = []
    update = await client.spot.subscribe_to_ticker_updates("BTC/USD", received.append)
    await eventually(lambda: len(received) >= 3, what="three ticker events")
    await update.close()
    assert all(e.symbol == "BTC/USD" for e in received)


async def test_shared_stream_is_reference_counted(client: KrakenSocketClient) -> None:
    a = await client.spot.ticker("BTC/USD")
    b = await client.spot.ticker("BTC/USD")
    await a.close()
    await anext(b)  # still flowing for the remaining subscriber
    assert client.session.streams.wants
    await b.close()
    assert not client.session.streams.wants


async def test_books_stay_verified(client: KrakenSocketClient) -> None:
    book = await client.spot.order_book("BTC/USD", depth=25)
    assert book.status is BookStatus.SYNCED
    await eventually(lambda: book.counters.updates >= 300, what="300 book updates")
    c = book.counters
    assert c.checksum_mismatches == 0
    assert c.checksums_verified >= c.updates  # snapshot + every update
    snap = book.snapshot()
    assert len(snap.bids) == len(snap.asks) == 25
    assert snap.bids[0].price < snap.asks[0].price
    assert book.spread == snap.asks[0].price - snap.bids[0].price
    fill = book.average_fill_price(snap.asks[0].qty, OrderSide.BUY)
    assert fill == snap.asks[0].price
    await book.close()


async def test_corrupted_checksum_resyncs_only_that_symbol(
    client: KrakenSocketClient, sim: Simulator
) -> None:
    btc = await client.spot.order_book("BTC/USD", depth=10)
    eth = await client.spot.order_book("ETH/USD", depth=10)
    statuses: list[BookStatus] = []
    btc.on_status_change(statuses.append)
    sim.faults.corrupt_next_checksum("BTC/USD")
    await eventually(lambda: btc.counters.resyncs == 1 and btc.status is BookStatus.SYNCED)
    assert btc.counters.checksum_mismatches == 1
    assert BookStatus.RESYNCING in statuses
    assert eth.counters.checksum_mismatches == 0
    assert eth.counters.resyncs == 0
    assert eth.counters.snapshots == 1


async def test_reconnect_resubscribes_and_marks_the_gap(
    client: KrakenSocketClient, sim: Simulator
) -> None:
    kinds: list[LifecycleKind] = []
    client.on_lifecycle(lambda e: kinds.append(e.kind))
    book = await client.spot.order_book("ETH/USD", depth=10)
    async with client.spot.ticker("BTC/USD") as sub:
        restored: list[object] = []
        sub.on_connection_restored(restored.append)
        await anext(sub)
        sim.faults.drop_connections()
        await eventually(lambda: LifecycleKind.RESTORED in kinds, what="restored")
        event = await anext(sub)
        while not event.gap:  # events queued before the drop come first
            event = await anext(sub)
        assert restored
    assert LifecycleKind.CONNECTION_LOST in kinds
    await eventually(lambda: book.status is BookStatus.SYNCED and book.counters.resyncs >= 1)
    assert book.counters.checksum_mismatches == 0


async def test_original_frames_on_request(sim: Simulator) -> None:
    client = KrakenSocketClient(url=sim.urls["public"], output_original_data=True)
    async with client, client.spot.ticker("BTC/USD") as sub:
        event = await anext(sub)
    assert event.original is not None
    assert b'"channel":"ticker"' in event.original


async def test_ping_and_status(client: KrakenSocketClient) -> None:
    rtt = await client.spot.ping()
    assert 0 <= rtt < 5
    async with client.spot.system_status() as sub:
        event = await anext(sub)
    assert event.data.system.value == "online"
    assert event.data.api_version == "v2"


async def test_instruments_give_precisions(client: KrakenSocketClient) -> None:
    pairs = await client.spot.get_instruments()
    assert pairs["BTC/USD"].price_precision == 1
    assert any(p.price_precision >= 5 for p in pairs.values())


async def test_aggregated_book_callback_gets_verified_snapshots(client: KrakenSocketClient) -> None:
    snapshots: list[DataEvent[Any]] = []
    update = await client.spot.subscribe_to_aggregated_order_book_updates(
        "ETH/USD", 25, snapshots.append
    )
    await eventually(lambda: len(snapshots) >= 5, what="five book snapshots")
    await update.close()
    last = snapshots[-1].data
    assert last.status is BookStatus.SYNCED
    assert len(last.bids) == 25
    assert last.bids[0].price < last.asks[0].price
    assert not client.session.protocol.books  # closing the handle closed the book


async def test_status_callback(client: KrakenSocketClient) -> None:
    statuses: list[DataEvent[Any]] = []
    update = await client.spot.subscribe_to_system_status_updates(statuses.append)
    await eventually(lambda: bool(statuses), what="a status")
    await update.close()
    assert statuses[0].data.system.value == "online"


async def test_v2_spreads_come_from_the_bbo_ticker(
    client: KrakenSocketClient, sim: Simulator
) -> None:
    lost: list[object] = []
    async with client.spot.spread("BTC/USD") as spreads:
        spreads.on_connection_lost(lost.append)
        first = (await anext(spreads)).data
        assert isinstance(first, Spread)
        assert (first.symbol, first.bid < first.ask) == ("BTC/USD", True)
        assert client.session.streams.wants  # the ticker behind it
        sim.faults.drop_connections()
        event = await anext(spreads)
        while not event.gap:  # the ticker's gap comes through
            event = await anext(spreads)
        assert lost  # and its lifecycle events
    await eventually(lambda: not client.session.streams.wants, what="the ticker closed too")
