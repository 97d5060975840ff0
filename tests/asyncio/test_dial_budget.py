"""The dial budget against servers that fail every connection (issue 11): whatever the
failure (an HTTP 5xx, a 1008 or 1013 close right after the handshake), the default policy
makes at most 10 attempts in any 8 s and at most 150 in 10 minutes; and after a connection
that was a success closes (1001), the first redial comes within 1 s. Time is the injected
clock: the sleeps advance it, the dials are real (a local server)."""

from __future__ import annotations

import asyncio

import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.transport import transport_by_name
from spotstream.models.market import LifecycleEvent
from support.hostile import HostileServer, Refuse, Reply, Upgrade, frame


def close(code: int) -> bytes:
    return frame(0x8, code.to_bytes(2, "big") + b"bye")


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if seconds > 1000:  # the watchdog's: past the test's horizon, it never wakes
            await asyncio.Event().wait()
        self.now += seconds
        await asyncio.sleep(0)


class Handler:
    """A handler with no streams to restore (the hardest case: on_open is instant)."""

    def __init__(
        self, time: FakeTime, until: float, stay: float = 0.0, server: HostileServer | None = None
    ) -> None:
        self.time, self.until, self.stay, self.server = time, until, stay, server
        self.dials: list[float] = []
        self.done = asyncio.Event()

    def on_frame(self, frame: bytes | str) -> None:
        pass

    async def on_open(self, reconnect: bool) -> None:
        self.dials.append(self.time.now)
        if self.server is not None:  # the connection stays up a while, then is closed
            self.time.now += self.stay
            asyncio.get_running_loop().call_soon(self.server.close_all, 1001, b"going away")
        if self.time.now >= self.until:
            self.done.set()

    def on_close(self) -> None:
        if self.time.now >= self.until:
            self.done.set()

    def keepalive_frame(self) -> bytes:
        return b"{}"

    def on_lifecycle(self, event: LifecycleEvent) -> None:
        pass


def most_in_any(times: list[float], window: float) -> int:
    return max((sum(1 for t in times if s <= t < s + window) for s in times), default=0)


def dial(server: HostileServer, handler: Handler, time: FakeTime) -> ManagedConnection:
    """A connection to ``server`` with the default policy, on ``time`` (watchdog off)."""
    return ManagedConnection(
        server.url, transport_by_name("websockets"), handler,
        policy=ReconnectPolicy(), clock=time.clock, sleep=time.sleep,
        keepalive_interval=10_000, dead_after=20_000,
    )  # fmt: skip


FAILING: dict[str, Reply] = {
    "http-503": Refuse(503, b"unavailable"),
    "close-1008": Upgrade(close(1008)),
    "close-1013": Upgrade(close(1013)),
}


@pytest.mark.parametrize("kind", list(FAILING))
async def test_a_server_failing_every_connection_is_dialled_within_budget(kind: str) -> None:
    time = FakeTime()
    attempts: list[float] = []
    reply = FAILING[kind]

    def script(n: int) -> Reply:
        attempts.append(time.now)
        return reply

    handler = Handler(time, until=time.now + 600)
    async with HostileServer(script) as server:
        connection = dial(server, handler, time)
        run = asyncio.ensure_future(connection.run())
        async with asyncio.timeout(60):  # a hang guard
            while time.now < 1000.0 + 600:  # noqa: ASYNC110 - virtual time, advanced by the dials
                await asyncio.sleep(0.001)
        await connection.close()
        await run
    in_ten_minutes = [t for t in attempts if t < 1000.0 + 600]
    assert most_in_any(in_ten_minutes, 8.0) <= 10
    assert len(in_ten_minutes) <= 150
    assert len(in_ten_minutes) >= 10  # it did keep trying


def test_hold_keeps_both_windows() -> None:
    policy = ReconnectPolicy()
    assert policy.hold([], 0.0) == 0.0
    ten = [n * 0.1 for n in range(10)]
    assert policy.hold(ten, 1.0) == pytest.approx(7.0)  # the first of the ten, + 8 s
    assert policy.hold(ten[1:], 1.0) == 0.0  # nine: one more may go
    budget = [n * 3.0 for n in range(150)]  # 150 in 447 s
    assert policy.hold(budget, 450.0) == pytest.approx(150.0)  # the first, + 600 s


async def test_after_a_good_connection_closes_the_first_redial_is_within_a_second() -> None:
    time = FakeTime()

    def script(n: int) -> Reply:
        return Upgrade()

    async with HostileServer(script) as server:
        handler = Handler(time, until=time.now + 30, stay=5.0, server=server)  # 5 s, then 1001
        connection = dial(server, handler, time)
        run = asyncio.ensure_future(connection.run())
        async with asyncio.timeout(30):
            await handler.done.wait()
        await connection.close()
        await run
    gaps = [b - a - 5.0 for a, b in zip(handler.dials, handler.dials[1:], strict=False)]
    assert len(gaps) >= 3
    assert all(0 <= gap < 1.0 for gap in gaps)
