"""A book that never syncs (issue 11): ``order_book()`` that times out closes its book and
releases its subscription, so a retry starts clean, at the same depth or another. The
simulator acknowledges the subscribes; the client's protocol is made to lose every book
frame, so no snapshot ever arrives."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from spotstream.errors import RequestTimeoutError
from spotstream.kraken.client import KrakenSocketClient
from spotstream.protocol.events import Event
from spotstream.simulator.server import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=100) as simulator:
        yield simulator


def lose_book_frames(protocol: Any) -> None:
    """Make ``protocol`` never see a book frame (its acks still come)."""
    receive = protocol.receive

    def without_books(frame: bytes | str) -> list[Event]:
        text = frame if isinstance(frame, bytes) else frame.encode()
        if b'"channel":"book"' in text and b'"type":' in text:
            return []
        return receive(frame)

    protocol.receive = without_books


async def test_a_book_that_never_syncs_is_cleaned_up_and_can_be_retried(sim: Simulator) -> None:
    async with KrakenSocketClient(url=sim.urls["public"], request_timeout=0.5) as client:
        session = client.session
        await client.spot.ticker("BTC/USD")  # connected, instruments known
        lose_book_frames(session.protocol)
        for depth in (10, 25, 10):  # another depth is not refused as "already at 10"
            with pytest.raises(RequestTimeoutError, match="not synced"):
                await client.spot.order_book("BTC/USD", depth=depth)
            assert session._books == {}
            assert not [w for w in session.streams.wants.values() if w.channel == "book"]
        assert session.protocol.books == {}
