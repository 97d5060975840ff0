"""The websocket transport seam.

A transport opens a :class:`Link` that pushes every received text/binary frame into a
:class:`FrameSink`. Pushing (rather than an ``await recv()`` per frame) lets a fast transport
hand frames straight to the protocol without a queue hop. Two transports ship:
``picows`` (the default: C frame parser, measured fastest here) and ``websockets``
(pure Python, the reference implementation). See docs/performance.md for the measurements.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from spotstream.errors import ConnectionClosedError


class FrameSink(Protocol):
    def on_frame(self, frame: bytes | str) -> None: ...


class Link(Protocol):
    """An open websocket. ``close_code`` and ``close_reason`` are the peer's close frame's,
    once one arrived (``None`` and ``""`` when the socket ended without one)."""

    @property
    def close_code(self) -> int | None: ...

    @property
    def close_reason(self) -> str: ...

    async def send(self, data: bytes) -> None:
        """Send ``data`` as one text frame; raises ConnectionClosedError when closed."""

    async def run(self) -> None:
        """Deliver frames to the sink until the socket closes; returns then."""

    def abort(self) -> None:
        """Close at once (used when the connection looks dead)."""

    async def close(self) -> None:
        """Close politely and wait for the socket to go."""


class Transport(Protocol):
    async def connect(self, url: str, sink: FrameSink) -> Link: ...


HANDSHAKE_TIMEOUT = 10.0  # seconds for the websocket handshake (each transport's own bound)


def default_transport() -> Transport:
    from spotstream.asyncio.transport.picows import PicowsTransport

    return PicowsTransport()


def transport_by_name(name: str) -> Transport:
    if name == "picows":
        return default_transport()
    if name == "websockets":
        from spotstream.asyncio.transport.websockets import WebsocketsTransport

        return WebsocketsTransport()
    raise ValueError(f"unknown transport {name!r} (picows, websockets)")


class ClosedLink:
    """A link that is already closed (the state between connections)."""

    close_code: int | None = None
    close_reason = ""

    async def send(self, data: bytes) -> None:
        raise ConnectionClosedError("not connected")

    async def run(self) -> None:
        await asyncio.sleep(0)

    def abort(self) -> None:
        pass

    async def close(self) -> None:
        pass
