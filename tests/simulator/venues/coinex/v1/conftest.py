"""Fixtures of the CoinEx v1 simulator tests: a simulator whose CoinEx hubs push on every
market step (no 200 ms pacing, so tests see many pushes fast) and a v1 client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from simulator.coinex_v1_client import V1Client, connect
from spotstream.simulator import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=400) as simulator:
        simulator.coinex.hub.push_interval_ns = 0
        simulator.coinex.hub_v1.push_interval_ns = 0
        yield simulator


@pytest.fixture
async def v1(sim: Simulator) -> AsyncIterator[V1Client]:
    client = await connect(sim.urls["coinex_v1"])
    yield client
    await client.close()
