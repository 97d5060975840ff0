"""Long runs, stalls and unsubscribes against the simulator."""

from __future__ import annotations

import asyncio

import pytest

from spotstream import BookStatus, KrakenSocketClient, LifecycleKind, ReconnectPolicy
from spotstream.asyncio.transport import FrameSink, Link, default_transport
from spotstream.simulator import Simulator
from support.wait import eventually

FAST = ReconnectPolicy(initial=0.01, maximum=0.1)


@pytest.mark.parametrize("rate", [2000.0, "max"])
async def test_books_stay_in_sync_over_long_traffic(rate: float | str) -> None:
    """Tens of thousands of updates per book: minutes of real Kraken traffic."""
    target = 5_000 if rate != "max" else 60_000
    async with (
        Simulator(seed=11, rate=rate) as sim,
        KrakenSocketClient(url=sim.urls["public"], request_timeout=10) as client,
    ):
        deep = await client.spot.order_book("BTC/USD", depth=1000)
        shallow = await client.spot.order_book("XRP/USD", depth=10)
        await eventually(
            lambda: min(deep.counters.updates, shallow.counters.updates) >= target,
            timeout=60,
            what=f"{target} updates per book",
        )
        for book in (deep, shallow):
            c = book.counters
            assert c.checksum_mismatches == 0
            assert c.resyncs == 0
            assert c.checksums_verified == c.updates + c.snapshots
            assert book.status is BookStatus.SYNCED
        assert len(deep.snapshot().bids) == 1000


async def test_fixed_width_numbers_verify_too() -> None:
    """Live Kraken sends numbers at full precision (``0.10000000``); shortest form too."""
    async with (
        Simulator(seed=4, rate=500, numbers="fixed") as sim,
        KrakenSocketClient(url=sim.urls["public"]) as client,
    ):
        book = await client.spot.order_book("DOGE/USD", depth=25)
        await eventually(lambda: book.counters.updates >= 200)
        assert book.counters.checksum_mismatches == 0


async def test_stalled_server_is_detected_and_recovered() -> None:
    async with Simulator(seed=5, rate=200) as sim:
        client = KrakenSocketClient(
            url=sim.urls["public"], reconnect=FAST, keepalive_interval=0.05, dead_after=0.3
        )
        kinds: list[LifecycleKind] = []
        async with client:
            client.on_lifecycle(lambda e: kinds.append(e.kind))
            book = await client.spot.order_book("ETH/USD", depth=10)
            sim.faults.stall()
            await eventually(lambda: LifecycleKind.CONNECTION_LOST in kinds, what="stall seen")
            assert book.status is BookStatus.RESYNCING
            sim.faults.resume()
            await eventually(lambda: LifecycleKind.RESTORED in kinds, what="restored")
            await eventually(lambda: book.status is BookStatus.SYNCED)
            updates = book.counters.updates
            await eventually(lambda: book.counters.updates > updates + 10)
            assert book.counters.checksum_mismatches == 0


async def test_unsubscribe_waits_for_the_ack_and_stops_data() -> None:
    async with (
        Simulator(seed=6, rate=300) as sim,
        KrakenSocketClient(url=sim.urls["public"]) as client,
    ):
        sub = await client.spot.trades(["BTC/USD", "ETH/USD"])
        await anext(sub)
        await sub.close()
        assert not client.session.protocol.streams
        with pytest.raises(StopAsyncIteration):
            await anext(sub)
        book = await client.spot.order_book("BTC/USD")
        await book.close()
        assert "BTC/USD" not in client.session.protocol.books
        assert not client.session.protocol.unhandled  # late frames are discarded quietly


async def test_queue_overflow_drops_oldest_and_marks_the_gap() -> None:
    async with (
        Simulator(seed=8, rate="max") as sim,
        KrakenSocketClient(url=sim.urls["public"], queue_size=50) as client,
    ):
        book = await client.spot.order_book("BTC/USD")
        updates = book.updates()
        await eventually(lambda: updates.dropped > 0, what="overflow")
        event = await anext(updates)
        assert event.gap
        assert updates.pending() <= 50
        assert book.counters.checksum_mismatches == 0  # the book itself never lags


class _HeldTransport:
    """The default transport, but each connect waits until released (a slow handshake)."""

    def __init__(self) -> None:
        self.inner = default_transport()
        self.connecting = asyncio.Event()
        self.release = asyncio.Event()

    async def connect(self, url: str, sink: FrameSink) -> Link:
        self.connecting.set()
        await self.release.wait()
        return await self.inner.connect(url, sink)


async def test_closing_while_a_connect_is_in_flight_returns(sim: Simulator) -> None:
    transport = _HeldTransport()
    async with asyncio.timeout(5):
        async with KrakenSocketClient(url=sim.urls["public"], transport=transport):
            await transport.connecting.wait()
            asyncio.get_running_loop().call_soon(transport.release.set)
    await eventually(lambda: not sim.connections, what="the late link is closed, not served")
