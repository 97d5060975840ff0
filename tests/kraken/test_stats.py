"""``client.stats()`` against the simulator: counts move as the traffic and the faults say,
and close codes reach the lifecycle events (both transports, via the ``client`` fixture)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.stats import ClientStats, ConnectionStats
from spotstream.errors import ConnectionClosedError
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.enums import LifecycleKind
from spotstream.models.market import LifecycleEvent
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.server import Simulator
from support.wait import eventually

FAST_RECONNECT = ReconnectPolicy(initial=0.01, maximum=0.2)


def _conn(stats: ClientStats, name: str) -> ConnectionStats:
    (found,) = [c for c in stats.connections if c.name == name]
    return found


async def test_frames_bytes_and_deliveries_grow(client: KrakenSocketClient) -> None:
    before = client.stats()
    assert [c.name for c in before.connections] == ["public"]
    ticker = await client.spot.ticker("BTC/USD")
    for _ in range(3):
        await anext(ticker)
    after = client.stats()
    public = _conn(after, "public")
    assert public.connected
    assert public.frames > before.frames
    assert public.bytes > before.bytes
    assert public.reconnects == {}
    (sub,) = [s for s in public.subscriptions if s.channel == "ticker"]
    assert sub.symbols == ("BTC/USD",)
    assert sub.delivered == 3
    assert sub.latency.count == 3  # one latency per delivered event
    assert client.session.stats.unhandled == public.unhandled  # the old view still works
    with pytest.raises(AttributeError):
        after.task_failures = 1  # type: ignore[misc]


async def test_a_close_code_is_counted_and_reaches_the_lifecycle_event(
    client: KrakenSocketClient, sim: Simulator
) -> None:
    events: list[LifecycleEvent] = []
    client.on_lifecycle(events.append)
    ticker = await client.spot.ticker("BTC/USD")
    await anext(ticker)
    sim.faults.close_connections(1008, "policy violation")
    await eventually(lambda: any(e.kind is LifecycleKind.RESTORED for e in events), what="back")
    (lost,) = [e for e in events if e.kind is LifecycleKind.CONNECTION_LOST]
    assert (lost.close_code, lost.close_reason) == (1008, "policy violation")
    public = _conn(client.stats(), "public")
    assert public.reconnects == {"1008": 1}
    assert public.connects == 2


async def test_a_drop_without_close_frame_counts_as_none(
    client: KrakenSocketClient, sim: Simulator
) -> None:
    events: list[LifecycleEvent] = []
    client.on_lifecycle(events.append)
    ticker = await client.spot.ticker("BTC/USD")
    await anext(ticker)
    sim.faults.drop_connections()
    await eventually(lambda: any(e.kind is LifecycleKind.RESTORED for e in events), what="back")
    (lost,) = [e for e in events if e.kind is LifecycleKind.CONNECTION_LOST]
    assert lost.close_code is None
    stats = client.stats()
    assert _conn(stats, "public").reconnects == {"none": 1}
    assert stats.reconnects == 1


async def test_checksum_mismatch_and_resync_are_counted(
    client: KrakenSocketClient, sim: Simulator
) -> None:
    book = await client.spot.order_book("BTC/USD", depth=10)
    await book.wait_synced(5)
    sim.faults.corrupt_next_checksum("BTC/USD")
    await eventually(lambda: client.stats().checksum_mismatches == 1, what="mismatch")
    await eventually(lambda: client.stats().resyncs >= 1, what="resync")
    assert client.stats().resyncs == client.session.stats.resyncs_requested
    assert _conn(client.stats(), "public").checksum_mismatches == 1


async def test_queue_drops_are_counted() -> None:
    async with (
        Simulator(seed=8, rate="max") as sim,
        KrakenSocketClient(url=sim.urls["public"], queue_size=20) as client,
    ):
        trades = await client.spot.trades("BTC/USD")
        await eventually(lambda: trades.dropped > 0, what="overflow")
        stats = client.stats()
        assert stats.queue_dropped >= 1
        (sub,) = [s for s in _conn(stats, "public").subscriptions if s.channel == "trade"]
        assert sub.queue_dropped >= 1


async def test_book_update_iterators_are_counted_too() -> None:
    async with (
        Simulator(seed=8, rate="max") as sim,
        KrakenSocketClient(url=sim.urls["public"], queue_size=50) as client,
    ):
        book = await client.spot.order_book("BTC/USD")
        updates = book.updates()
        await eventually(lambda: updates.dropped > 0, what="overflow")
        await anext(updates)
        stats = client.stats()
        assert stats.queue_dropped >= updates.dropped > 0
        (sub,) = [s for s in _conn(stats, "public").subscriptions if s.delivered]
        assert sub.channel == book.channel
        assert sub.latency.count == 1


async def test_a_lost_link_without_reconnect_raises_with_the_close_code(sim: Simulator) -> None:
    async with KrakenSocketClient(
        url=sim.urls["public"], reconnect=ReconnectPolicy(enabled=False), request_timeout=5
    ) as client:
        events: list[LifecycleEvent] = []
        client.on_lifecycle(events.append)
        await client.session.wait_connected()
        sim.faults.close_connections(1013, "try again later")
        await eventually(
            lambda: any(isinstance(e.error, ConnectionClosedError) for e in events), what="error"
        )
        (error,) = [e.error for e in events if isinstance(e.error, ConnectionClosedError)]
        assert isinstance(error, ConnectionClosedError)
        assert (error.close_code, error.close_reason) == (1013, "try again later")
        assert "close 1013 try again later" in str(error)


async def test_private_connection_and_sequence_gaps(sim: Simulator) -> None:
    async with (
        KrakenSocketClient(
            url=sim.urls["public"],
            private_url=sim.urls["private"],
            rest_url=sim.urls["rest"],
            api_key=TEST_ACCOUNT.api_key,
            api_secret=TEST_ACCOUNT.api_secret,
            reconnect=FAST_RECONNECT,
            request_timeout=5,
        ) as trader,
        trader.spot.executions(),
    ):
        sim.faults.skip_next_sequence()
        await trader.spot.add_order("BTC/USD", "buy", "market", Decimal("0.001"))
        await eventually(lambda: trader.stats().sequence_gaps == 1, what="gap")
        stats = trader.stats()
        assert [c.name for c in stats.connections] == ["public", "private"]
        private = _conn(stats, "private")
        assert private.sequence_gaps == 1
        assert private.frames > 0
        assert any(s.channel == "executions" for s in private.subscriptions)


def _names(stats: ClientStats) -> list[str]:
    return [c.name for c in stats.connections]


async def test_v1_client_reports_its_version(sim: Simulator) -> None:
    async with KrakenSocketClient(api_version=1, url=sim.urls["kraken_v1_public"]) as client:
        ticker = await client.spot.ticker("XBT/USD")
        await anext(ticker)
        stats = client.stats()
        assert _names(stats) == ["public"]
        assert stats.frames > 0
        assert _conn(stats, "public").subscriptions[0].latency.count == 1
