"""Fixtures of the CoinEx v2 simulator tests: a simulator that pushes on every market step
(no 200 ms pacing, so tests see many pushes fast; pacing is tested on the hub) and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from simulator.coinex_client import CoinExClient, connect
from spotstream.simulator import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=400) as simulator:
        simulator.coinex.hub.push_interval_ns = 0
        yield simulator


@pytest.fixture
async def cx(sim: Simulator) -> AsyncIterator[CoinExClient]:
    client = await connect(sim.urls["coinex_v2"])
    yield client
    await client.close()
