"""Fixtures for the simulator tests: a simulator and a raw client connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from simulator.sim_client import RawClient, connect
from spotstream.simulator import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=200) as simulator:
        yield simulator


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[RawClient]:
    raw = await connect(sim.urls["public"])
    status = await raw.recv()
    assert status["channel"] == "status"
    yield raw
    await raw.close()
