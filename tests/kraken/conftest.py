from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.kraken.client import KrakenSocketClient
from spotstream.simulator.server import Simulator

FAST_RECONNECT = ReconnectPolicy(initial=0.01, maximum=0.2)


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=200) as simulator:
        yield simulator


@pytest.fixture(params=["picows", "websockets"])
async def client(
    request: pytest.FixtureRequest, sim: Simulator
) -> AsyncIterator[KrakenSocketClient]:
    async with KrakenSocketClient(
        url=sim.urls["public"],
        transport=request.param,
        reconnect=FAST_RECONNECT,
        request_timeout=5,
    ) as c:
        yield c
