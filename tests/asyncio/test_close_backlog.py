"""Closing a subscription with a backlog (issue 11): close() does not wait for the queue to
drain, the handler is not called again, the iterator yields nothing more, and what was
discarded is counted."""

from __future__ import annotations

import asyncio
from typing import Any

from spotstream.asyncio.subscription import Subscription, UpdateSubscription
from spotstream.models.enums import EventKind
from spotstream.models.market import DataEvent


def event(n: int) -> DataEvent[int]:
    return DataEvent(n, "BTC/USD", "trade", EventKind.UPDATE, 0.0)


async def _nothing(sub: Subscription[Any]) -> None:
    return None


def new_subscription() -> Subscription[int]:
    return Subscription("trade", ["BTC/USD"], _nothing, asyncio.ensure_future)


async def test_close_with_a_backlog_calls_the_handler_no_more() -> None:
    sub = new_subscription()
    seen: list[int] = []
    release, busy = asyncio.Event(), asyncio.Event()

    async def slow(e: DataEvent[int]) -> None:
        seen.append(e.data)
        busy.set()
        await release.wait()  # a handler busy with the first event

    update = UpdateSubscription(sub, slow)
    update.task = asyncio.ensure_future(update.run())
    for n in range(3000):
        sub.push(event(n))
    await busy.wait()
    closing = asyncio.ensure_future(update.close())  # waits for the call under way only
    await asyncio.sleep(0)
    assert sub.discarded == 2999
    release.set()
    await closing
    assert update.task.done()
    assert seen == [0]  # never called again after close()


async def test_the_iterator_yields_nothing_after_close() -> None:
    sub = new_subscription()
    for n in range(5):
        sub.push(event(n))
    assert (await anext(sub)).data == 0
    await sub.close()
    sub.push(event(99))  # late data is ignored too
    assert [e async for e in sub] == []
    assert sub.discarded == 4


async def test_close_returns_while_the_unsubscribe_waits_for_its_ack() -> None:
    """The venue stalls (no answers): close() gives up waiting after CLOSE_WAIT, not after
    the request timeout; the unsubscribe finishes in the background, the stream is gone."""
    from spotstream.asyncio.subscription import CLOSE_WAIT
    from spotstream.kraken.client import KrakenSocketClient
    from spotstream.simulator.server import Simulator

    async with (
        Simulator(seed=1, rate=50) as sim,
        KrakenSocketClient(url=sim.urls["public"], request_timeout=60) as client,
    ):
        trades = await client.spot.trades("BTC/USD")
        sim.faults.stall()
        async with asyncio.timeout(CLOSE_WAIT * 3):  # not the 60 s of the request timeout
            await trades.close()
        assert trades.closed
        assert not client.public_session.streams.wants
        sim.faults.resume()
