"""A blackholed endpoint (issue 11): the TCP connect succeeds but no handshake answer ever
comes. Each attempt ends at the transport's handshake timeout (the reconnect loop goes on;
the connection's ``connect_timeout`` is the backstop), and ``close()`` cancels a connect in
flight instead of waiting for it."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.transport import Transport
from spotstream.asyncio.transport.picows import PicowsTransport
from spotstream.asyncio.transport.websockets import WebsocketsTransport
from spotstream.models.market import LifecycleEvent, LifecycleKind

FAST = ReconnectPolicy(initial=0.01, maximum=0.02)


def transport(name: str, handshake_timeout: float) -> Transport:
    kind = PicowsTransport if name == "picows" else WebsocketsTransport
    return kind(handshake_timeout=handshake_timeout)


@pytest.fixture
def blackhole() -> Iterator[str]:
    """A listening socket that never accepts nor answers (the kernel completes TCP)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        yield f"ws://127.0.0.1:{server.getsockname()[1]}/"


class Handler:
    def __init__(self) -> None:
        self.kinds: list[LifecycleKind] = []
        self.reconnecting = asyncio.Event()

    def on_frame(self, frame: bytes | str) -> None:
        pass

    async def on_open(self, reconnect: bool) -> None:
        pass

    def on_close(self) -> None:
        pass

    def keepalive_frame(self) -> bytes:
        return b"{}"

    def on_lifecycle(self, event: LifecycleEvent) -> None:
        self.kinds.append(event.kind)
        if event.kind is LifecycleKind.RECONNECTING and self.kinds.count(event.kind) >= 2:
            self.reconnecting.set()


@pytest.mark.parametrize("name", ["picows", "websockets"])
async def test_each_attempt_ends_at_the_handshake_timeout(blackhole: str, name: str) -> None:
    handler = Handler()
    connection = ManagedConnection(
        blackhole, transport(name, 0.05), handler, policy=FAST, clock=time.monotonic,
        connect_timeout=60,
    )  # fmt: skip
    run = asyncio.ensure_future(connection.run())
    await asyncio.wait_for(handler.reconnecting.wait(), 30)  # a hang guard, not a timing check
    assert LifecycleKind.CONNECTED not in handler.kinds
    await connection.close()
    await run


@pytest.mark.parametrize("name", ["picows", "websockets"])
async def test_close_cancels_a_connect_in_flight(blackhole: str, name: str) -> None:
    connection = ManagedConnection(
        blackhole, transport(name, 3600), Handler(), policy=FAST, clock=time.monotonic,
        connect_timeout=3600,
    )  # fmt: skip
    run = asyncio.ensure_future(connection.run())
    while connection._dialing is None:  # noqa: ASYNC110 - the first dial starts at once
        await asyncio.sleep(0)
    await connection.close()
    for _ in range(10):
        if run.done():
            break
        await asyncio.sleep(0)
    assert run.done()  # not 3,600 s later
    await run
