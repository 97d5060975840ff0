"""One client websocket of the simulator: feeds its venue session, writes the session's outbox.

Frames are written raw: the session queues complete, unmasked websocket frames and
:meth:`SocketConnection.flush` joins and writes them in one call (much cheaper than one
``WSTransport.send`` per frame). A client that falls ``MAX_WRITE_BUFFER`` behind is dropped.

Every complete message the client sends takes a token of the connection's
:class:`~spotstream.simulator.msgrate.TokenBucket` (when the simulator limits the message
rate); one that finds none is answered with the endpoint's ``throttled`` frame instead.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import picows

from spotstream.simulator.endpoints import Endpoint, VenueSession
from spotstream.simulator.msgrate import TokenBucket

if TYPE_CHECKING:
    from spotstream.simulator.server import Simulator

MAX_WRITE_BUFFER = 64 << 20  # a client this far behind is dropped
MAX_MESSAGE = 10 << 20  # a whole message, however fragmented (picows' single-frame limit)
MESSAGE_TOO_BIG = 1009  # the websocket close code for it
TRY_AGAIN_LATER = 1013  # the close code a reader too slow for max rate gets (if it reads it)


class SocketConnection(picows.WSListener):
    """One client socket: feeds its session and writes the session's outbox."""

    def __init__(self, sim: Simulator, endpoint: Endpoint) -> None:
        super().__init__()
        self.sim = sim
        self.route = endpoint
        self.endpoint = endpoint.name  # what drop_connections matches
        self.transport: Any = None
        self.session: VenueSession | None = None
        self.connection_id = 0
        self.paused = False
        self.paused_at = 0.0  # loop time flow control paused this connection
        self.muted = False  # half open: nothing is written any more (faults.half_open)
        self.last_sent = 0.0
        limit, throttled = sim.message_rate, endpoint.throttled
        self._bucket = TokenBucket(limit, sim.clock()) if limit is not None and throttled else None
        self._fragments: list[bytes] = []
        self._fragment_bytes = 0

    def on_ws_connected(self, transport: Any) -> None:
        self.transport = transport
        if self.sim.faults.take_drop_next():
            transport.disconnect(graceful=False)
            return
        self.connection_id = self.sim.next_connection_id()
        self.session = self.route.factory(self.sim, self.connection_id)
        self.sim.connections.add(self)
        self.session.open()
        self.flush()

    def on_ws_frame(self, transport: Any, frame: Any) -> None:
        kind = frame.msg_type
        if kind == picows.WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()
            return
        if kind not in (
            picows.WSMsgType.TEXT,
            picows.WSMsgType.BINARY,
            picows.WSMsgType.CONTINUATION,
        ):
            return
        part = frame.get_payload_as_bytes()
        self._fragment_bytes += len(part)
        if self._fragment_bytes > MAX_MESSAGE:  # continuation frames cannot grow it further
            self._fragments.clear()
            self._fragment_bytes = 0
            transport.send_close(MESSAGE_TOO_BIG, b"message too big")
            transport.disconnect()
            return
        self._fragments.append(part)
        if frame.fin and self.session is not None:
            payload = b"".join(self._fragments)
            self._fragments.clear()
            self._fragment_bytes = 0
            if self._bucket is not None and not self._bucket.take(self.sim.clock()):
                self._throttle(payload)
                return
            self.session.receive(payload)
            if self.route.moves_market:  # trading moves books other connections watch
                self.sim.flush()
            else:
                self.flush()

    def on_ws_disconnected(self, transport: Any) -> None:
        self.sim.connections.discard(self)
        if self.session is not None:
            self.session.close()
            self.session.outbox.clear()
            self.sim.credentials.release(self.connection_id)
        self.paused = False
        self.sim.wake_writers()

    def _throttle(self, payload: bytes) -> None:
        """Refuse a message over the rate limit (not executed)."""
        assert self.session is not None
        assert self.route.throttled is not None
        self.sim.throttled += 1
        self.session.outbox.append(self.route.throttled(payload, self.sim.clock()))
        self.flush()

    def pause_writing(self) -> None:
        self.paused = True
        self.paused_at = _loop_time()

    def resume_writing(self) -> None:
        self.paused = False
        self.sim.wake_writers()

    def flush(self) -> None:
        """Write what the session queued (unless the simulator is stalled)."""
        session = self.session
        if session is None or not session.outbox or self.sim.stalled:
            return
        if self.muted:
            session.outbox.clear()
            return
        data = b"".join(session.outbox)
        session.outbox.clear()
        if self.transport.is_disconnected:
            return
        socket = self.transport.underlying_transport
        socket.write(data)
        self.last_sent = time.monotonic()
        if socket.get_write_buffer_size() > MAX_WRITE_BUFFER:
            self.transport.disconnect(graceful=False)

    def close(self, code: int, reason: str) -> None:
        """A close frame with ``code``, then the disconnect (what is queued goes first)."""
        self.flush()
        self.transport.send_close(code, reason.encode())
        self.transport.disconnect()

    def drop(self) -> None:
        self.transport.disconnect(graceful=False)

    def drop_slow(self) -> None:
        """Drop a reader too slow for max rate: 1013 (try again later) if the socket can still
        take it, then cut (what it left unread would hold the close frame back anyway)."""
        if not self.transport.is_disconnected:
            self.transport.send_close(TRY_AGAIN_LATER, b"too slow")
        self.drop()


def _loop_time() -> float:
    return asyncio.get_running_loop().time()
