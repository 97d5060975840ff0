"""Fixtures for the peer-client tests: a simulator (in the test's loop, or in a thread)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from peers.support import ThreadedSimulator
from spotstream.simulator import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=200) as simulator:
        yield simulator


@pytest.fixture
def threaded_sim() -> Iterator[ThreadedSimulator]:
    """For peers that block their event loop (synchronous HTTP): the simulator must answer
    from another thread."""
    with ThreadedSimulator(seed=3, rate=200) as simulator:
        yield simulator
