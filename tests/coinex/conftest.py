"""Fixtures of the CoinEx client tests: a simulator, and clients signed with its funded
CoinEx test key (either socket API version)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from spotstream.coinex.client import CoinExSocketClient
from spotstream.simulator.server import Simulator
from support.coinex import signed_client


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=200) as simulator:
        yield simulator


@pytest.fixture
async def client(sim: Simulator) -> AsyncIterator[CoinExSocketClient]:
    async with signed_client(sim) as c:
        yield c
