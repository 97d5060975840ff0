"""A subscribe that times out leaves no orphan (issue 11): its late acknowledgement is
answered with an unsubscribe, and a retry works (against the simulator, with the client
made to receive the first acknowledgement late)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from spotstream.errors import RequestTimeoutError
from spotstream.kraken.client import KrakenSocketClient
from spotstream.protocol.events import Event
from spotstream.simulator.server import Simulator
from support.wait import eventually


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=100) as simulator:
        yield simulator


def hold_first_ack(protocol: Any, channel: str) -> list[bytes | str]:
    """Keep back the first subscribe ack of ``channel``; returns where it is kept."""
    receive = protocol.receive
    held: list[bytes | str] = []

    def late(frame: bytes | str) -> list[Event]:
        text = frame if isinstance(frame, bytes) else frame.encode()
        is_ack = b'"method":"subscribe"' in text and f'"channel":"{channel}"'.encode() in text
        if is_ack and not held:
            held.append(frame)
            return []
        return receive(frame)

    protocol.receive = late
    return held


async def test_a_late_ack_is_unsubscribed_and_a_retry_works(sim: Simulator) -> None:
    async with KrakenSocketClient(url=sim.urls["public"], request_timeout=0.5) as client:
        session = client.session
        await client.spot.trades("ETH/USD")  # connected
        held = hold_first_ack(session.protocol, "ticker")
        with pytest.raises(RequestTimeoutError):
            await client.spot.ticker("BTC/USD")
        assert held
        session.on_frame(held[0])  # the ack comes after all
        await eventually(lambda: session.stats.orphans_released == 1)
        await eventually(lambda: ("ticker", "BTC/USD", None) not in session.protocol.streams)
        async with client.spot.ticker("BTC/USD") as tickers:  # the retry
            event = await anext(aiter(tickers))
            assert event.data.symbol == "BTC/USD"
