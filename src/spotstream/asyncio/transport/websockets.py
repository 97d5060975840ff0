"""The ``websockets`` transport (pure Python reference implementation).

As with picows: an error ends only the link (``run()`` returns), and a failure to connect
is :class:`ConnectionClosedError`, or :class:`ConnectionRejectedError` for an HTTP error.
"""

from __future__ import annotations

import logging

import websockets
from websockets.asyncio.client import ClientConnection, connect

from spotstream.asyncio.transport import HANDSHAKE_TIMEOUT, FrameSink
from spotstream.errors import ConnectionClosedError, ConnectionRejectedError
from spotstream.protocol.redact import RedactingFilter

log = logging.getLogger("spotstream.transport")
wire_log = logging.getLogger("spotstream.transport.websockets")
"""What websockets logs of each connection (at DEBUG: every frame), secrets redacted."""
wire_log.addFilter(RedactingFilter())


class WebsocketsLink:
    def __init__(self, ws: ClientConnection, sink: FrameSink) -> None:
        self._ws = ws
        self._sink = sink

    @property
    def close_code(self) -> int | None:
        received = self._ws.protocol.close_rcvd
        return received.code if received is not None else None

    @property
    def close_reason(self) -> str:
        received = self._ws.protocol.close_rcvd
        return received.reason if received is not None else ""

    async def send(self, data: bytes) -> None:
        try:
            await self._ws.send(data, text=True)
        except websockets.ConnectionClosed as exc:
            raise ConnectionClosedError("connection is closed") from exc

    async def run(self) -> None:
        sink = self._sink
        try:
            async for message in self._ws:
                sink.on_frame(message)
        except websockets.ConnectionClosed:
            pass
        except Exception as exc:  # the sink's, or an error websockets did not wrap
            log.warning("connection ended by an error: %r", exc)
            self._ws.transport.abort()

    def abort(self) -> None:
        self._ws.transport.abort()

    async def close(self) -> None:
        await self._ws.close()


class WebsocketsTransport:
    """``handshake_timeout`` bounds TCP, TLS and the handshake (websockets' ``open_timeout``,
    which closes the socket cleanly)."""

    def __init__(self, handshake_timeout: float = HANDSHAKE_TIMEOUT) -> None:
        self.handshake_timeout = handshake_timeout

    async def connect(self, url: str, sink: FrameSink) -> WebsocketsLink:
        try:
            ws = await connect(
                url, max_size=64 << 20, compression=None, logger=wire_log,
                open_timeout=self.handshake_timeout,
            )  # fmt: skip
        except websockets.InvalidStatus as exc:
            response = exc.response
            raise ConnectionRejectedError(
                url, response.status_code, bytes(response.body or b"")
            ) from exc
        except Exception as exc:  # network, timeout, any other handshake failure
            raise ConnectionClosedError(f"cannot connect to {url}: {exc}") from exc
        return WebsocketsLink(ws, sink)
