"""A raw Kraken client (v2, and v1 with :meth:`RawClient.request_v1`) for the simulator
tests, over ``websockets``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import websockets

from simulator.sim_reference import loads

TIMEOUT = 10.0


class RawClient:
    """A bare websocket client that speaks JSON and waits on conditions, never on sleeps."""

    def __init__(self, ws: websockets.ClientConnection) -> None:
        self.ws = ws
        self.frames: list[str] = []  # every frame received, in order

    async def close(self) -> None:
        """Drop the connection. A close handshake could wait behind megabytes of frames
        this client never read (the server keeps sending until the socket is full)."""
        self.ws.transport.abort()
        await self.ws.wait_closed()

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def recv_text(self, timeout: float = TIMEOUT) -> str:
        async with asyncio.timeout(timeout):
            frame = await self.ws.recv()
        text = frame if isinstance(frame, str) else frame.decode()
        self.frames.append(text)
        return text

    async def recv(self, timeout: float = TIMEOUT) -> Any:
        return loads(await self.recv_text(timeout))

    async def until(self, condition: Callable[[Any], bool], timeout: float = TIMEOUT) -> Any:
        """The first message for which ``condition`` holds (others are skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.recv()
                if condition(message):
                    return message

    async def request(self, message: dict[str, Any], answers: int = 1) -> list[Any]:
        """Send a request and return its ``answers`` responses (by ``req_id``)."""
        await self.send(message)
        req_id = message.get("req_id")
        out: list[Any] = []
        while len(out) < answers:
            out.append(await self.until(lambda m: "method" in m and m.get("req_id") == req_id))
        return out

    async def request_v1(self, message: dict[str, Any], answers: int = 1) -> list[Any]:
        """Send a v1 request and return its ``answers`` answers (objects with its ``reqid``)."""
        await self.send(message)
        reqid = message["reqid"]
        out: list[Any] = []
        while len(out) < answers:
            out.append(await self.until(lambda m: isinstance(m, dict) and m.get("reqid") == reqid))
        return out


async def connect(url: str, **options: Any) -> RawClient:
    ws = await websockets.connect(url, max_size=None, compression=None, **options)
    return RawClient(ws)


def is_channel(channel: str, kind: str | None = None) -> Callable[[Any], bool]:
    return lambda m: (
        isinstance(m, dict)
        and m.get("channel") == channel
        and (kind is None or m.get("type") == kind)
    )


def is_v1_channel(name: str) -> Callable[[Any], bool]:
    """A v1 data array of channel ``name`` (``"book-10"``, ``"trade"``, ...)."""
    return lambda m: isinstance(m, list) and m[-2] == name
