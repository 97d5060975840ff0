"""Fixtures for the python-kraken-sdk facade tests: a simulator, and the environment that
points every facade client at it (as a user would after ``spotstream sim``)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from compat.support import Printed
from spotstream.compat.kraken_sdk import PRIVATE_URL_ENV, PUBLIC_URL_ENV, REST_URL_ENV
from spotstream.simulator import Simulator


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=200) as simulator:
        yield simulator


@pytest.fixture
def sim_env(sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Simulator:
    """Point the facade at the simulator through the environment only."""
    monkeypatch.setenv(PUBLIC_URL_ENV, sim.urls["public"])
    for env, key in ((PRIVATE_URL_ENV, "private"), (REST_URL_ENV, "rest")):
        if key in sim.urls:
            monkeypatch.setenv(env, sim.urls[key])
    return sim


@pytest.fixture
def printed(capsys: pytest.CaptureFixture[str]) -> Printed:
    return Printed(capsys)
