"""The simulator under a client that stops reading (issue 11): at max rate the market waits
for flow control, so one stuck reader would freeze it for everyone. A connection paused
longer than ``slow_reader_timeout`` is dropped (counted in ``slow_dropped``) and the others
keep receiving."""

from __future__ import annotations

import asyncio
import json
import socket

import websockets

from spotstream.simulator.market.scheduler import REPLAY_BATCH
from spotstream.simulator.server import Simulator
from support.hostile import frame

TIMEOUT = 30.0
_UPGRADE = (
    "GET /v2 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)
_BOOK = {"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"]}}


async def _stuck_reader(port: int) -> asyncio.StreamWriter:
    """A raw websocket that subscribes to a book, then never reads again (small buffers)."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", port))
    reader, writer = await asyncio.open_connection(sock=raw, limit=4096)
    writer.write(_UPGRADE.encode())
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    writer.write(frame(0x1, json.dumps(_BOOK).encode(), mask=b"\1\2\3\4"))
    await writer.drain()
    return writer


async def test_a_reader_that_stops_is_dropped_and_the_market_goes_on() -> None:
    async with Simulator(seed=3, rate="max", slow_reader_timeout=0.5) as sim:
        writer = await _stuck_reader(sim.port)
        async with websockets.connect(sim.urls["public"], max_size=None) as polite:
            await polite.send(json.dumps(_BOOK))
            async with asyncio.timeout(TIMEOUT):
                while sim.slow_dropped == 0:  # keep reading while the stuck one is waited for
                    await polite.recv()
                steps = sim.engine.steps
                while sim.engine.steps < steps + 4 * REPLAY_BATCH:  # the market moves on
                    await polite.recv()
            assert sim.slow_dropped == 1
            assert len(sim.connections) == 1  # the polite one
        writer.transport.abort()


async def test_readers_that_keep_up_are_never_dropped() -> None:
    async with (
        Simulator(seed=3, rate="max", slow_reader_timeout=0.5) as sim,
        websockets.connect(sim.urls["public"], max_size=None) as polite,
    ):
        await polite.send(json.dumps(_BOOK))
        async with asyncio.timeout(TIMEOUT):
            updates = 0
            while updates < 500:
                message = json.loads(await polite.recv())
                updates += message.get("channel") == "book"
        assert sim.slow_dropped == 0
