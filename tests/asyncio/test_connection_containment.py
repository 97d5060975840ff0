"""ManagedConnection: an exception of its handler never ends ``run()``.

The handler is the venue session; here a fake one raises from each of its methods in turn,
against a well-behaved local websocket server.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.transport import transport_by_name
from spotstream.models.market import LifecycleEvent, LifecycleKind
from support.hostile import HostileServer, Reply, Upgrade, frame
from support.wait import eventually

FAST = ReconnectPolicy(initial=0.01, maximum=0.05)


class Broken(Exception):
    pass


class Handler:
    """A ConnectionHandler whose methods named in ``broken`` raise."""

    def __init__(self, *broken: str) -> None:
        self.broken = set(broken)
        self.frames: list[bytes | str] = []
        self.events: list[LifecycleEvent] = []
        self.opened = 0

    def _maybe(self, name: str) -> None:
        if name in self.broken:
            raise Broken(name)

    def on_frame(self, frame: bytes | str) -> None:
        self.frames.append(frame)
        self._maybe("on_frame")

    async def on_open(self, reconnect: bool) -> None:
        self.opened += 1
        await asyncio.sleep(0)
        self._maybe("on_open")

    def on_close(self) -> None:
        self._maybe("on_close")

    def keepalive_frame(self) -> bytes:
        return b'{"method":"ping"}'

    def on_lifecycle(self, event: LifecycleEvent) -> None:
        self.events.append(event)
        self._maybe("on_lifecycle")

    def kinds(self) -> list[LifecycleKind]:
        return [e.kind for e in self.events]


def _script(attempt: int) -> Reply:
    return Upgrade(frame(0x1, b'{"channel":"heartbeat"}'))


@pytest.mark.parametrize("transport", ["picows", "websockets"])
@pytest.mark.parametrize("broken", ["on_frame", "on_open", "on_close", "on_lifecycle"])
async def test_a_handler_that_raises_never_ends_the_connection_loop(
    transport: str, broken: str
) -> None:
    handler = Handler(broken)
    async with HostileServer(_script) as server:
        connection = ManagedConnection(
            server.url, transport_by_name(transport), handler, policy=FAST, clock=time.monotonic
        )
        run = asyncio.ensure_future(connection.run())
        await eventually(lambda: bool(handler.frames) and handler.opened == 1)
        server.drop()  # the handler's on_close and on_lifecycle run now
        await server.wait_attempts(2)
        await eventually(lambda: handler.opened == 2 and len(handler.frames) == 2)
        await connection.close()
        await run  # returns: nothing escaped
    assert connection.connects == 2
    if broken == "on_frame":
        assert connection.handler_errors == 2
    if broken in ("on_open", "on_close"):
        failed = [e for e in handler.events if e.kind is LifecycleKind.TASK_FAILED]
        assert failed
        assert all(isinstance(e.error, Broken) for e in failed)
        assert broken in failed[0].detail
