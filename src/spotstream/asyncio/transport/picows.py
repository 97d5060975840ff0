"""The picows transport (default).

Whatever ends a socket ends only that link: a protocol violation picows detects (a bad
opcode, a masked or oversized frame, an invalid close code...) makes ``run()`` return after
logging it, and every failure to connect becomes :class:`ConnectionClosedError` (or its
:class:`ConnectionRejectedError` when the server answered the upgrade with an HTTP error).
"""

from __future__ import annotations

import logging

import picows

from spotstream.asyncio.transport import HANDSHAKE_TIMEOUT, FrameSink
from spotstream.errors import ConnectionClosedError, ConnectionRejectedError

log = logging.getLogger("spotstream.transport")

_DATA = (picows.WSMsgType.TEXT, picows.WSMsgType.BINARY)


class _Listener(picows.WSListener):
    def __init__(self, sink: FrameSink) -> None:
        super().__init__()
        self.sink = sink
        self.close_code: int | None = None
        self.close_reason = ""

    def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
        msg_type = frame.msg_type
        if msg_type in _DATA:
            self.sink.on_frame(frame.get_payload_as_bytes())
        elif msg_type == picows.WSMsgType.CLOSE:
            self.close_code = frame.get_close_code().value
            self.close_reason = frame.get_close_message().decode("utf-8", "replace")
            transport.send_close(frame.get_close_code())
            transport.disconnect()


class PicowsLink:
    def __init__(
        self, transport: picows.WSTransport, url: str = "", listener: _Listener | None = None
    ) -> None:
        self._transport = transport
        self._url = url
        self._closed = False
        self._listener = listener

    @property
    def close_code(self) -> int | None:
        return self._listener.close_code if self._listener is not None else None

    @property
    def close_reason(self) -> str:
        return self._listener.close_reason if self._listener is not None else ""

    async def send(self, data: bytes) -> None:
        if self._closed or self._transport.is_disconnected:
            raise ConnectionClosedError("connection is closed")
        self._transport.send(picows.WSMsgType.TEXT, data)

    async def run(self) -> None:
        try:
            # Raises what made picows disconnect: a protocol error of the server's, or an
            # exception of the sink (the connection's own sink contains those).
            await self._transport.wait_disconnected()
        except Exception as exc:
            log.warning("%s: connection ended by a websocket error: %r", self._url, exc)
        finally:
            self._closed = True

    def abort(self) -> None:
        self._closed = True
        self._transport.disconnect(graceful=False)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._transport.send_close(picows.WSCloseCode.OK)
            self._transport.disconnect()
        await self._transport.wait_disconnected()


class PicowsTransport:
    """``handshake_timeout`` bounds the websocket handshake (picows' own timeout, which
    closes the socket cleanly); the TCP connect is bounded by the connection's
    ``connect_timeout``."""

    def __init__(self, handshake_timeout: float = HANDSHAKE_TIMEOUT) -> None:
        self.handshake_timeout = handshake_timeout

    async def connect(self, url: str, sink: FrameSink) -> PicowsLink:
        try:
            transport, listener = await picows.ws_connect(
                lambda: _Listener(sink),
                url,
                enable_auto_pong=True,
                max_frame_size=64 << 20,
                websocket_handshake_timeout=self.handshake_timeout,
            )
        except picows.WSInvalidStatusError as exc:
            status = int(exc.response.status) if exc.response is not None else 0
            raise ConnectionRejectedError(url, status, exc.raw_body or b"") from exc
        except Exception as exc:  # network, timeout, handshake, or a status picows cannot parse
            raise ConnectionClosedError(f"cannot connect to {url}: {exc}") from exc
        assert isinstance(listener, _Listener)
        return PicowsLink(transport, url, listener)
