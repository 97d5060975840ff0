"""Outbound pacing: the token bucket itself on an injected clock, and a cold start and a
reconnect with 500 subscriptions that go out in a handful of requests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from spotstream.asyncio.pacing import Pacer, RequestRate
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.enums import LifecycleKind
from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS, InstrumentSpec
from spotstream.simulator.server import Simulator
from support.wait import eventually


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def pacer(rate: RequestRate | None = None) -> tuple[Pacer, FakeTime]:
    time = FakeTime()
    return Pacer(rate or RequestRate(), time.clock, time.sleep), time


def test_the_defaults_are_twenty_at_once_ten_a_second() -> None:
    assert (RequestRate().burst, RequestRate().per_second) == (20, 10.0)
    with pytest.raises(ValueError, match="burst"):
        RequestRate(burst=0)


async def test_a_burst_goes_at_once_then_requests_are_spread() -> None:
    bucket, time = pacer()
    start = time.now
    for _ in range(20):
        await bucket.take()
    assert time.now == start
    assert bucket.waited == 0
    for _ in range(10):
        await bucket.take()
    assert time.now - start == pytest.approx(1.0)  # ten more at ten a second
    assert bucket.waited == 10


async def test_waiters_are_served_in_order() -> None:
    bucket, time = pacer(RequestRate(burst=1, per_second=2))
    order: list[int] = []

    async def call(n: int) -> None:
        await bucket.take()
        order.append(n)

    await asyncio.gather(*(call(n) for n in range(5)))
    assert order == [0, 1, 2, 3, 4]
    assert time.now - 100.0 == pytest.approx(2.0)


async def test_ready_takes_nothing_and_a_new_connection_starts_full() -> None:
    bucket, time = pacer(RequestRate(burst=2, per_second=1))
    await bucket.take()
    await bucket.take()
    await bucket.ready()  # waits for one token, leaves it
    assert time.now == pytest.approx(101.0)
    await bucket.take()
    assert time.now == pytest.approx(101.0)
    bucket.reset()
    await bucket.take()
    await bucket.take()
    assert time.now == pytest.approx(101.0)


async def test_disabled_never_waits() -> None:
    bucket, time = pacer(RequestRate(enabled=False))
    for _ in range(1000):
        await bucket.take()
    assert time.slept == []


# --- 500 subscriptions against the simulator ----------------------------------------------


def many_pairs(count: int) -> tuple[InstrumentSpec, ...]:
    base = DEFAULT_INSTRUMENTS[0]
    extra = tuple(
        InstrumentSpec(
            f"S{n}/USD",
            f"S{n}",
            "USD",
            2,
            8,
            Decimal("0.01"),
            Decimal("0.001"),
            Decimal("0.5"),
            5,
            start_price=Decimal("100.00"),
            typical_qty=Decimal("1"),
        )
        for n in range(count)
    )
    return (base, *extra)


def count_sends(client: KrakenSocketClient) -> list[bytes]:
    """Every frame the public connection sends from now on."""
    sent: list[bytes] = []
    connection = client.public_session.connection
    send: Callable[[bytes], Awaitable[None]] = connection.send

    async def counting(frame: bytes) -> None:
        sent.append(frame)
        await send(frame)

    connection.send = counting  # type: ignore[method-assign]
    return sent


async def test_500_subscriptions_at_once_go_out_in_a_handful_of_requests() -> None:
    pairs = many_pairs(170)
    symbols = [p.symbol for p in pairs[1:]]
    async with (
        Simulator(seed=2, rate=2, instruments=pairs) as sim,
        KrakenSocketClient(url=sim.urls["public"], request_timeout=20) as client,
    ):
        await client.spot.get_instruments()
        sent = count_sends(client)
        calls: list[Awaitable[Any]] = []
        for symbol in symbols:
            calls += [
                client.spot.ticker(symbol),
                client.spot.trades(symbol),
                client.spot.klines(symbol, interval=1),
            ]
        subs = await asyncio.gather(*calls)
        assert len(subs) == 510
        subscribes = [f for f in sent if b'"subscribe"' in f]
        assert len(subscribes) <= 20  # batched: never near the venue's burst of 40
        assert client.public_session.pacer.waited == 0

        lifecycle: list[LifecycleKind] = []
        client.on_lifecycle(lambda e: lifecycle.append(e.kind))
        sent.clear()
        sim.faults.drop_connections()
        await eventually(lambda: LifecycleKind.RESTORED in lifecycle, timeout=30, what="restored")
        resubscribes = [f for f in sent if b'"subscribe"' in f]
        assert 1 <= len(resubscribes) <= 5  # one per channel and options
        wants = client.public_session.streams.wants.values()
        assert len(wants) == 510
        assert all(w.confirmed for w in wants)
