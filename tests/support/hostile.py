"""A websocket server that misbehaves on purpose, on 127.0.0.1 port 0.

It is a plain asyncio server that speaks just enough HTTP and websocket framing to answer
each connection attempt as a script says: an HTTP error instead of the upgrade, or the
upgrade followed by raw bytes (a frame no conforming server would send). After an upgrade
it reads the client's frames: it answers ``ping`` requests with a Kraken-style ``pong``,
acknowledges every ``subscribe`` (one ack per symbol, and no data ever), and answers a close
frame with a close frame, so that every client can leave politely.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_CLOSE_OK = b"\x88\x02\x03\xe8"


@dataclass(frozen=True)
class Refuse:
    """Answer the upgrade with HTTP ``status`` and ``body`` (after ``hold`` is set, if given)."""

    status: int
    body: bytes = b""
    hold: asyncio.Event | None = None


@dataclass(frozen=True)
class Upgrade:
    """Accept the upgrade, then write ``then`` (raw bytes: usually one hostile frame)."""

    then: bytes = b""


Reply = Refuse | Upgrade
Script = Callable[[int], Reply]
"""Attempt number (1 = first connection) -> what to answer it."""


def frame(opcode: int, payload: bytes, *, fin: bool = True, mask: bytes | None = None) -> bytes:
    """One websocket frame, as raw bytes; ``mask`` makes it masked (servers must not)."""
    first = (0x80 if fin else 0) | opcode
    size = len(payload)
    mask_bit = 0x80 if mask is not None else 0
    if size < 126:
        header = bytes([first, mask_bit | size])
    elif size < 1 << 16:
        header = bytes([first, mask_bit | 126]) + size.to_bytes(2, "big")
    else:
        header = bytes([first, mask_bit | 127]) + size.to_bytes(8, "big")
    if mask is None:
        return header + payload
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


def frame_header(opcode: int, size: int) -> bytes:
    """Only the header of a (binary) frame announcing ``size`` bytes: what a frame over the
    client's limit starts with (the client must give up before reading the payload)."""
    return bytes([0x80 | opcode, 127]) + size.to_bytes(8, "big")


@dataclass
class HostileServer:
    """``async with HostileServer(script) as server``: ``server.url`` to dial."""

    script: Script
    attempts: int = 0
    requests: list[bytes] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}/v2"

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    def drop(self) -> None:
        """Cut every open connection (no close frame), as a network failure would."""
        for writer in list(self._writers):
            writer.transport.abort()

    def close_all(self, code: int, reason: bytes = b"") -> None:
        """Send every open connection a close frame with ``code`` (the client answers it)."""
        for writer in list(self._writers):
            writer.write(frame(0x8, code.to_bytes(2, "big") + reason))

    async def wait_attempts(self, n: int, timeout: float = 10.0) -> None:
        """Wait (on events, not time) until ``n`` connection attempts arrived."""
        async with asyncio.timeout(timeout):
            while self.attempts < n:
                self._changed.clear()
                await self._changed.wait()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            request = await reader.readuntil(b"\r\n\r\n")
            self.attempts += 1
            self._changed.set()
            reply = self.script(self.attempts)
            if isinstance(reply, Refuse):
                await self._refuse(writer, reply)
                return
            writer.write(_switching_protocols(request) + reply.then)
            await writer.drain()
            await self._read_frames(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _refuse(self, writer: asyncio.StreamWriter, reply: Refuse) -> None:
        if reply.hold is not None:
            await reply.hold.wait()
        head = (
            f"HTTP/1.1 {reply.status} Refused\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(reply.body)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode() + reply.body)
        await writer.drain()

    async def _read_frames(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            head = await reader.readexactly(2)
            opcode, size = head[0] & 0x0F, head[1] & 0x7F
            if size == 126:
                size = int.from_bytes(await reader.readexactly(2), "big")
            elif size == 127:
                size = int.from_bytes(await reader.readexactly(8), "big")
            mask = await reader.readexactly(4) if head[1] & 0x80 else b"\0\0\0\0"
            data = await reader.readexactly(size)
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x8:  # close: answer it, then hang up
                writer.write(_CLOSE_OK)
                await writer.drain()
                return
            if opcode in (0x1, 0x2):
                self.requests.append(payload)
                for answer in _answers(payload):
                    writer.write(frame(0x1, answer))
                await writer.drain()


def _switching_protocols(request: bytes) -> bytes:
    key = b""
    for line in request.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            key = value.strip()
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest())  # RFC 6455 mandates SHA-1 here
    return (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )


def _answers(payload: bytes) -> list[bytes]:
    """Kraken v2 answers: a pong for a ping, an ack per symbol for a subscribe."""
    try:
        request = json.loads(payload)
    except ValueError:
        return []
    if not isinstance(request, dict):
        return []
    now = "2024-01-01T00:00:00.000000Z"
    method, req_id = request.get("method"), request.get("req_id")
    times = {"time_in": now, "time_out": now}
    if method == "ping":
        return [json.dumps({"method": "pong", "req_id": req_id, **times}).encode()]
    if method != "subscribe":
        return []
    params = request.get("params") or {}
    channel = params.get("channel")
    results = [{"channel": channel, "symbol": s} for s in params.get("symbol") or []]
    return [
        json.dumps(
            {"method": method, "req_id": req_id, "result": r, "success": True, **times}
        ).encode()
        for r in results or [{"channel": channel}]
    ]
