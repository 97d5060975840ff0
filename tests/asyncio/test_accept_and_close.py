"""A server that accepts every connection and closes it at once (issue 11): such a
connection is no success, so the client backs off as from a refusal instead of redialling
at the first step for ever; a connection whose streams were restored resets the backoff."""

from __future__ import annotations

import asyncio
import time

import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.transport import transport_by_name
from spotstream.models.market import LifecycleEvent, LifecycleKind
from support.hostile import HostileServer, Reply, Upgrade, frame

POLICY = ReconnectPolicy(initial=0.001, maximum=0.05)
CLOSE_1008 = frame(0x8, (1008).to_bytes(2, "big") + b"policy")


class Handler:
    def __init__(self) -> None:
        self.attempts: list[int] = []
        self.enough = asyncio.Event()

    def on_frame(self, frame: bytes | str) -> None:
        pass

    async def on_open(self, reconnect: bool) -> None:
        await asyncio.sleep(0.01)  # resubscribing takes a round trip

    def on_close(self) -> None:
        pass

    def keepalive_frame(self) -> bytes:
        return b"{}"

    def on_lifecycle(self, event: LifecycleEvent) -> None:
        if event.kind is LifecycleKind.RECONNECTING:
            self.attempts.append(event.attempt)
            if len(self.attempts) >= 6:
                self.enough.set()


def _close_at_once(attempt: int) -> Reply:
    return Upgrade(CLOSE_1008)


@pytest.mark.parametrize("transport", ["picows", "websockets"])
async def test_connections_closed_at_once_are_backed_off(transport: str) -> None:
    handler = Handler()
    async with HostileServer(_close_at_once) as server:
        connection = ManagedConnection(
            server.url, transport_by_name(transport), handler, policy=POLICY, clock=time.monotonic
        )
        run = asyncio.ensure_future(connection.run())
        await asyncio.wait_for(handler.enough.wait(), 30)  # a hang guard
        await connection.close()
        await run
    assert handler.attempts[:6] == [2, 3, 4, 5, 6, 7]  # backed off: not 1, 1, 1, ... (hammering)
