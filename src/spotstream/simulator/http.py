"""One port for websockets and plain HTTP/1.1: a sniffing front protocol.

picows serves websockets fast but accepts only bodiless ``GET`` upgrade requests, while
Kraken's token call is a ``POST`` with a body. So the simulator listens with
:class:`FrontProtocol`: it buffers a connection's bytes until the end of a request head, then

- hands a websocket upgrade (``GET`` with ``Upgrade: websocket``) over to a picows
  ``WSProtocol`` built as ``picows.ws_create_server`` builds it, replaying the buffered bytes
  into it (the socket is picows' from then on: the fast path is untouched);
- answers anything else itself: ``Content-Length`` bodies, pipelined requests answered in
  order, keep-alive (HTTP/1.1 default) or close, ``Expect: 100-continue``, 400/413/431/501/505
  for requests it will not serve, 408 for one that stops halfway (a ``Content-Length``
  longer than what is sent). What to answer is the ``handler``'s business (sans-I/O:
  :class:`HttpRequest` in, :class:`HttpResponse` out).

A connection closed after an answer (a refusal, ``Connection: close``) lingers: the write side
is shut where the transport can, and what the client still sends is read and discarded (at
most :data:`LINGER_BYTES`, for at most :data:`LINGER_TIMEOUT` seconds) until it hangs up. So
the client reads the answer instead of a TCP reset (closing a socket with unread input resets
it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, cast

from picows import WSAutoPingStrategy
from picows.picows import WSProtocol  # type: ignore[attr-defined]  # not in its stubs

MAX_HEAD = 16 * 1024  # bytes of request line + headers
MAX_BODY = 1 << 20
IDLE_TIMEOUT = 60.0  # seconds an HTTP connection may sit without a complete request
LINGER_TIMEOUT = 2.0  # seconds a closing connection waits for the client to hang up
LINGER_BYTES = 4 * MAX_BODY  # input a closing connection reads and discards at most

_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_REQUEST_LINE = re.compile(rb"([A-Z]+) (\S+) HTTP/(\d)\.(\d)")
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
TEXT_PLAIN = (("Content-Type", "text/plain; charset=utf-8"),)


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One parsed request; ``headers`` keyed by lower-case name (repeats joined by ``, ``)."""

    method: str
    target: str
    version: str  # "HTTP/1.1" or "HTTP/1.0"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.partition("?")[2]

    @property
    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for t in self.headers.get("connection", "").split(",")}
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens

    @property
    def is_websocket_upgrade(self) -> bool:
        return self.method == "GET" and "websocket" in self.headers.get("upgrade", "").lower()


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What to answer: ``Content-Length`` and ``Connection`` are added when encoded."""

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = TEXT_PLAIN

    def encode(self, keep_alive: bool) -> bytes:
        lines = [f"HTTP/1.1 {self.status} {HTTPStatus(self.status).phrase}"]
        lines.extend(f"{name}: {value}" for name, value in self.headers)
        lines.append(f"Content-Length: {len(self.body)}")
        lines.append(f"Connection: {'keep-alive' if keep_alive else 'close'}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


class HttpError(Exception):
    """A request this server refuses at the HTTP level (the connection is closed after)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status

    def response(self) -> HttpResponse:
        return HttpResponse(self.status, HTTPStatus(self.status).phrase.encode() + b"\n")


def parse_head(head: bytes) -> HttpRequest:
    """Parse a request head (request line and header lines, without the blank line).

    Raises :class:`HttpError`: 400 for a malformed head, 505 for an HTTP version other
    than 1.0 and 1.1.
    """
    line, *header_lines = head.split(b"\r\n")
    match = _REQUEST_LINE.fullmatch(line)
    if match is None:
        raise HttpError(400)
    method, target, major, minor = match.groups()
    if (major, minor) not in ((b"1", b"1"), (b"1", b"0")):
        raise HttpError(505)
    headers: dict[str, str] = {}
    for header in header_lines:
        name, colon, value = header.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):  # also refuses obsolete line folding
            raise HttpError(400)
        key, text = name.decode("ascii").lower(), value.strip(b" \t").decode("latin-1")
        if key in headers:
            if key in ("content-length", "host") and headers[key] != text:
                raise HttpError(400)
            text = headers[key] if key in ("content-length", "host") else f"{headers[key]}, {text}"
        headers[key] = text
    version = f"HTTP/{major.decode()}.{minor.decode()}"
    return HttpRequest(method.decode(), target.decode("latin-1"), version, headers)


def body_length(request: HttpRequest) -> int:
    """How many body bytes follow the head: 501 for ``Transfer-Encoding`` (no chunked
    request bodies here), 400 for a malformed ``Content-Length``, 413 above :data:`MAX_BODY`."""
    if "transfer-encoding" in request.headers:
        raise HttpError(501)
    text = request.headers.get("content-length", "0")
    if not (text.isascii() and text.isdigit()):
        raise HttpError(400)
    length = int(text)
    if length > MAX_BODY:
        raise HttpError(413)
    return length


HttpHandler = Callable[[HttpRequest], HttpResponse]
UpgradeFactory = Callable[[], asyncio.BufferedProtocol]


class FrontProtocol(asyncio.Protocol):
    """One accepted connection until it turns out to be a websocket (then it is picows')."""

    def __init__(
        self, handler: HttpHandler, upgrade: UpgradeFactory, open_connections: set[FrontProtocol]
    ) -> None:
        self._handler = handler
        self._upgrade_factory = upgrade
        self._open = open_connections  # the server's HTTP connections, to close on stop
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._head: HttpRequest | None = None  # the request whose body is awaited
        self._body_at = 0  # where that body starts in the buffer
        self._closing = False
        self._lingering = -1  # bytes still to discard before closing (-1: not lingering)
        self._timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # aiofastnet's transports are not asyncio.Transport subclasses, but behave as one
        self._transport = cast(asyncio.Transport, transport)
        self._open.add(self)
        self._arm_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._open.discard(self)
        self._cancel_timer()

    def data_received(self, data: bytes) -> None:
        if self._lingering >= 0:
            self._lingering -= len(data)
            if self._lingering < 0:  # it keeps sending: give up on it
                self.close()
            return
        if self._closing:
            return
        self._buffer += data
        self._arm_timer()
        try:
            self._process()
        except HttpError as error:
            self._finish(error.response(), keep_alive=False)

    def eof_received(self) -> bool:
        self._lingering = -1
        return False  # the client is done sending: close once our answers are written

    def close(self) -> None:
        """Close the connection (the server stops)."""
        if self._transport is not None:
            self._closing = True
            self._transport.close()

    # --- requests -----------------------------------------------------------------------------

    def _process(self) -> None:
        """Answer every complete request in the buffer, in order."""
        while not self._closing:
            request = self._head or self._read_head()
            if request is None:
                return
            if request.is_websocket_upgrade:
                self._upgrade()
                return
            length = body_length(request)
            end = self._body_at + length
            if len(self._buffer) < end:
                self._await_body(request)
                return
            self._head = None
            request = _with_body(request, bytes(self._buffer[self._body_at : end]))
            del self._buffer[:end]
            self._finish(self._handler(request), request.keep_alive)

    def _read_head(self) -> HttpRequest | None:
        while self._buffer.startswith(b"\r\n"):  # tolerated between pipelined requests
            del self._buffer[:2]
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self._buffer) > MAX_HEAD:
                raise HttpError(431)
            return None
        if end > MAX_HEAD:
            raise HttpError(431)
        request = parse_head(bytes(self._buffer[:end]))
        self._body_at = end + 4
        return request

    def _await_body(self, request: HttpRequest) -> None:
        if self._head is None and "100-continue" in request.headers.get("expect", "").lower():
            self._write(_CONTINUE)
        self._head = request

    def _finish(self, response: HttpResponse, keep_alive: bool) -> None:
        self._write(response.encode(keep_alive))
        if not keep_alive:
            self._linger()

    def _linger(self) -> None:
        """Close once the client hangs up (or after a bound), reading what it still sends."""
        transport = self._transport
        if transport is None or self._closing:
            return
        self._closing = True
        self._lingering = LINGER_BYTES
        self._buffer.clear()
        _shut_write(transport)
        self._cancel_timer()
        self._timer = asyncio.get_running_loop().call_later(LINGER_TIMEOUT, self.close)

    def _timed_out(self) -> None:
        """No complete request within :data:`IDLE_TIMEOUT`: 408 if one was begun."""
        self._timer = None
        if self._closing or not (self._buffer.strip(b"\r\n") or self._head is not None):
            self.close()
        else:
            self._finish(HttpError(408).response(), keep_alive=False)

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    # --- websocket handover -------------------------------------------------------------------

    def _upgrade(self) -> None:
        """Give the socket to a picows protocol and replay what was read into it."""
        transport = self._transport
        assert transport is not None
        self._cancel_timer()
        self._open.discard(self)
        self._closing = True  # nothing more for this object to do
        protocol = self._upgrade_factory()
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
        feed(protocol, bytes(self._buffer))
        self._buffer.clear()

    # --- idle timeout -------------------------------------------------------------------------

    def _arm_timer(self) -> None:
        self._cancel_timer()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(IDLE_TIMEOUT, self._timed_out)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _shut_write(transport: asyncio.Transport) -> None:
    """Send FIN once the answer is out, so the client sees the end of it: ``write_eof`` where
    the transport has it, else (aiofastnet's plain transports) ``shutdown`` of the socket when
    nothing is left to write. TLS is left to its own close (a bare FIN would cut it short)."""
    if transport.can_write_eof():
        transport.write_eof()
        return
    sock = transport.get_extra_info("socket")
    plain = transport.get_extra_info("sslcontext") is None
    if sock is not None and plain and transport.get_write_buffer_size() == 0:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)


def feed(protocol: asyncio.BufferedProtocol, data: bytes) -> None:
    """Deliver ``data`` to a buffered protocol as if the transport had read it."""
    view = memoryview(data)
    while view:
        buffer = memoryview(protocol.get_buffer(len(view))).cast("B")
        size = min(len(buffer), len(view))
        buffer[:size] = view[:size]
        protocol.buffer_updated(size)
        view = view[size:]


def _with_body(request: HttpRequest, body: bytes) -> HttpRequest:
    return HttpRequest(request.method, request.target, request.version, request.headers, body)


def picows_protocol_factory(route: Callable[[Any], Any]) -> UpgradeFactory:
    """What ``picows.ws_create_server(route)`` would construct per connection, with its
    default options (picows' logger, 5 s handshake timeout, auto-pong, 10 MiB frames)."""
    logger = logging.getLogger("picows.server")

    def factory() -> asyncio.BufferedProtocol:
        protocol: asyncio.BufferedProtocol = WSProtocol(
            None,  # host and port: server side
            None,  # ws path: server side
            False,  # is_client_side
            route,
            logger,
            True,  # disconnect_on_exception
            5,  # websocket_handshake_timeout
            False,  # enable_auto_ping
            20,  # auto_ping_idle_timeout
            20,  # auto_ping_reply_timeout
            WSAutoPingStrategy.PING_WHEN_IDLE,
            True,  # enable_auto_pong
            10 * 1024 * 1024,  # max_frame_size
            None,  # extra_headers
            16 * 1024,  # read_buffer_init_size
        )
        return protocol

    return factory
