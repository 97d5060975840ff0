"""``client.stats()`` of the CoinEx client (socket API v2 and v1) against the simulator."""

from __future__ import annotations

from typing import Any

from spotstream.coinex.client import CoinExSocketClient
from spotstream.models.enums import LifecycleKind
from spotstream.models.market import LifecycleEvent
from spotstream.simulator.server import Simulator
from support.coinex import signed_client
from support.wait import eventually


async def test_v2_book_counters_and_the_private_connection(
    client: CoinExSocketClient, sim: Simulator
) -> None:
    book = await client.spot.order_book("BTCUSDT", depth=10)
    await eventually(lambda: book.counters.checksums_verified > 1, what="verified")
    sim.faults.corrupt_next_checksum("BTC/USDT")
    await eventually(lambda: client.stats().checksum_mismatches == 1, what="mismatch")
    await eventually(lambda: client.stats().resyncs == 1, what="resync")
    async with client.spot.orders() as orders:
        stats = client.stats()
        assert [c.name for c in stats.connections] == ["public", "private"]
        (public,) = [c for c in stats.connections if c.name == "public"]
        assert public.checksum_mismatches == book.counters.checksum_mismatches == 1
        assert public.frames > 0
        assert public.bytes > 0
        (private,) = [c for c in stats.connections if c.name == "private"]
        assert any(s.channel == orders.channel for s in private.subscriptions)


async def test_v2_close_code_reaches_stats_and_events(
    client: CoinExSocketClient, sim: Simulator
) -> None:
    events: list[LifecycleEvent] = []
    client.on_lifecycle(events.append)
    async with client.spot.ticker("BTCUSDT") as tickers:
        await anext(aiter(tickers))
        sim.faults.close_connections(1008, "bye", endpoint="coinex_v2")
        await eventually(lambda: any(e.kind is LifecycleKind.RESTORED for e in events))
    lost = [e for e in events if e.kind is LifecycleKind.CONNECTION_LOST]
    assert [(e.close_code, e.close_reason) for e in lost] == [(1008, "bye")]
    assert client.stats().connections[0].reconnects == {"1008": 1}


async def test_v1_pooled_connections_are_each_reported(sim: Simulator) -> None:
    client: Any = signed_client(sim, 1)
    async with client:
        btc = await client.spot.order_book("BTCUSDT", depth=10)
        eth = await client.spot.order_book("ETHUSDT", depth=10)
        await btc.wait_synced(5)
        await eth.wait_synced(5)
        stats = client.stats()
        names = [c.name for c in stats.connections]
        assert names[0] == "public"
        assert len(names) == len(set(names)) >= 2  # one socket per market (numbered)
        assert stats.frames == sum(c.frames for c in stats.connections) > 0
