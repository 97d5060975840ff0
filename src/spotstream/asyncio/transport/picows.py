"""The picows transport (default)."""

from __future__ import annotations

import picows

from spotstream.asyncio.transport import FrameSink
from spotstream.errors import ConnectionClosedError

_DATA = (picows.WSMsgType.TEXT, picows.WSMsgType.BINARY)


class _Listener(picows.WSListener):
    def __init__(self, sink: FrameSink) -> None:
        super().__init__()
        self.sink = sink

    def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
        msg_type = frame.msg_type
        if msg_type in _DATA:
            self.sink.on_frame(frame.get_payload_as_bytes())
        elif msg_type == picows.WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code())
            transport.disconnect()


class PicowsLink:
    def __init__(self, transport: picows.WSTransport) -> None:
        self._transport = transport
        self._closed = False

    async def send(self, data: bytes) -> None:
        if self._closed or self._transport.is_disconnected:
            raise ConnectionClosedError("connection is closed")
        self._transport.send(picows.WSMsgType.TEXT, data)

    async def run(self) -> None:
        await self._transport.wait_disconnected()
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
    async def connect(self, url: str, sink: FrameSink) -> PicowsLink:
        try:
            transport, _ = await picows.ws_connect(
                lambda: _Listener(sink), url, enable_auto_pong=True, max_frame_size=64 << 20
            )
        except (TimeoutError, OSError, picows.WSError) as exc:
            raise ConnectionClosedError(f"cannot connect to {url}: {exc}") from exc
        return PicowsLink(transport)
