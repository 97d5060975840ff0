"""The examples run unmodified against the simulator."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from spotstream.simulator import Simulator

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_watch_book(capsys: pytest.CaptureFixture[str]) -> None:
    async with Simulator(seed=2, rate=200) as sim:
        await _load("watch_book").main(sim.urls["public"], updates=5)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 6
    assert all(line.startswith("synced") for line in out[:5])
    assert "checksum_mismatches=0" in out[-1]


async def test_trades_callback(capsys: pytest.CaptureFixture[str]) -> None:
    async with Simulator(seed=2, rate=200) as sim:
        await _load("trades_callback").main(sim.urls["public"], seconds=1.0)
    out = capsys.readouterr().out
    assert " @ " in out
    assert "bid " in out


async def test_trading_bot(capsys: pytest.CaptureFixture[str]) -> None:
    await _load("trading_bot").main(moves=20)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("placed ")
    assert out[1:3] == ["pending_new: status pending_new", "new: status new"]
    assert "cancelled 1 order(s)" in out
    assert out[-1] == "canceled: status canceled"
