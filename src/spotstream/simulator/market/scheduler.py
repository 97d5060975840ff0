"""The simulator's heartbeat of market events: at a fixed rate, or as fast as clients read.

Only symbols someone watches move (so a client that subscribes right after connecting sees
the same sequence for the same seed). At a fixed ``rate`` every watched symbol takes ``rate``
market steps per second, scheduled on the event loop's clock and timestamped by the
simulator's clock. At max rate (``rate=None``) each watched symbol replays its
:class:`~spotstream.simulator.market.tape.MarketTape` in batches; after each batch the
engine waits until no connection is paused by flow control, so memory stays bounded and the slowest
reader sets the pace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from spotstream.simulator.market.feed import MarketListener
from spotstream.simulator.market.state import Market
from spotstream.simulator.market.tape import MarketTape

MAX_CATCH_UP = 1_000  # steps per symbol at most in one go when the loop fell behind
REPLAY_BATCH = 512  # tape steps per symbol between two writes at max rate


class Engine:
    """Drives the market and hands its steps to the fan-out (every venue's hub encodes
    them, :mod:`spotstream.simulator.market.fanout`); the server writes the frames."""

    def __init__(
        self,
        market: Market,
        hub: MarketListener,
        clock: Callable[[], int],
        *,
        rate: float | None,
        tape_steps: int,
        ready: Callable[[], Awaitable[None]],
        is_ready: Callable[[], bool],
        flush: Callable[[], None],
        writable: Callable[[], Awaitable[None]],
    ) -> None:
        self.market = market
        self.hub = hub
        self.clock = clock
        self.rate = rate
        self.tape_steps = tape_steps
        self._ready = ready
        self._is_ready = is_ready
        self._flush = flush
        self._writable = writable
        self.steps = 0  # market steps taken (replayed ones included)

    async def run(self) -> None:
        if self.rate is None:
            await self._run_max()
        else:
            await self._run_rated(self.rate)

    async def _run_rated(self, rate: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._ready()
            start, done = loop.time(), 0
            while self._is_ready():
                due = int((loop.time() - start) * rate) - done
                if due > MAX_CATCH_UP:  # fell behind: skip what cannot be caught up
                    done += due - MAX_CATCH_UP
                    due = MAX_CATCH_UP
                if due > 0:
                    self._step(due)
                    done += due
                    self._flush()
                await asyncio.sleep(max(0.0, start + (done + 1) / rate - loop.time()))

    def _step(self, count: int) -> None:
        for _ in range(count):
            now = self.clock()
            for symbol in self.hub.active_symbols:
                step = self.market.step(symbol, now)
                self.hub.publish(step)
                self.hub.after_step(step)  # the matching engine: resting orders, triggers
                self.steps += 1

    async def _run_max(self) -> None:
        while True:
            await self._ready()
            now = self.clock()
            for symbol in self.hub.active_symbols:
                tape = self.hub.tapes.get(symbol)
                if tape is None:
                    tape = MarketTape(self.market[symbol], self.tape_steps)
                    self.hub.attach_tape(tape)
                self.hub.replay(tape, REPLAY_BATCH, now)
                self.steps += REPLAY_BATCH
            self._flush()
            await self._writable()
            await asyncio.sleep(0)
