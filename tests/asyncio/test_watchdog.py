"""The silence bound (issue 11), timed by an injected clock: the venue's ping after
``keepalive_interval`` seconds without an application frame, the link replaced after
``dead_after`` seconds, measured from the last frame (no real time passes)."""

from __future__ import annotations

import asyncio

import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.transport import FrameSink
from spotstream.models.market import LifecycleEvent

PING = b'{"method":"ping"}'


class Clock:
    """Time that moves only when the watchdog sleeps; frames scheduled at given times (from
    the start) arrive as time passes them."""

    def __init__(self, frames_at: tuple[float, ...]) -> None:
        self.start = self.now = 1000.0
        self.woken = asyncio.Event()
        self.frames_at = sorted(frames_at)
        self.sink: FrameSink | None = None

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        target = self.now + seconds
        while self.frames_at and self.start + self.frames_at[0] <= target:
            self.now = self.start + self.frames_at.pop(0)
            assert self.sink is not None
            self.sink.on_frame(b'{"channel":"heartbeat"}')
        self.now = target
        self.woken.set()
        await asyncio.sleep(0)


class Link:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.sent: list[tuple[float, bytes]] = []
        self.aborted_at: float | None = None
        self._done = asyncio.Event()

    async def send(self, data: bytes) -> None:
        self.sent.append((self.clock.now, data))

    async def run(self) -> None:
        await self._done.wait()

    def abort(self) -> None:
        if self.aborted_at is None:
            self.aborted_at = self.clock.now
        self._done.set()

    async def close(self) -> None:
        self.abort()


class Transport:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.links: list[Link] = []
        self.connected = asyncio.Event()

    async def connect(self, url: str, sink: FrameSink) -> Link:
        self.clock.sink = sink
        link = Link(self.clock)
        self.links.append(link)
        self.connected.set()
        return link


class Handler:
    def __init__(self) -> None:
        self.events: list[LifecycleEvent] = []

    def on_frame(self, frame: bytes | str) -> None:
        pass

    async def on_open(self, reconnect: bool) -> None:
        pass

    def on_close(self) -> None:
        pass

    def keepalive_frame(self) -> bytes:
        return PING

    def on_lifecycle(self, event: LifecycleEvent) -> None:
        self.events.append(event)


async def watched(frames_at: tuple[float, ...]) -> Link:
    """The first link of a connection whose only frames arrive at ``frames_at``, once its
    watchdog has aborted it."""
    clock = Clock(frames_at)
    transport = Transport(clock)
    connection = ManagedConnection(
        "ws://test/", transport, Handler(), policy=ReconnectPolicy(initial=60, maximum=60),
        clock=clock, sleep=clock.sleep, keepalive_interval=5.0, dead_after=10.0,
    )  # fmt: skip
    task = asyncio.ensure_future(connection.run())
    await asyncio.wait_for(transport.connected.wait(), 5)
    link = transport.links[0]
    while link.aborted_at is None:
        clock.woken.clear()
        await asyncio.wait_for(clock.woken.wait(), 5)
    await connection.close()
    task.cancel()
    return link


@pytest.mark.parametrize(
    ("frame_at", "ping_at", "dead_at"),
    [((), (5,), 10), ((3,), (8,), 13), ((3, 6.5, 7), (12,), 17), ((2, 9), (7, 14), 19)],
)
async def test_ping_after_5_s_of_quiet_and_a_new_link_at_10(
    frame_at: tuple[float, ...], ping_at: tuple[float, ...], dead_at: float
) -> None:
    link = await watched(frame_at)
    opened = 1000.0
    assert [(round(t - opened, 3), d) for t, d in link.sent] == [(p, PING) for p in ping_at]
    assert link.aborted_at is not None
    assert round(link.aborted_at - opened, 3) == dead_at
