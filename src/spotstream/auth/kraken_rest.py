"""Fetch a Kraken WebSocket token over HTTP/1.1, with the standard library only.

One request per connection (``Connection: close``); http:// (tests, simulator) and https://
(default SSL context) are supported. Credentials never reach logs or exception messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from spotstream.auth.kraken import (
    Credentials,
    NonceSource,
    Token,
    build_token_request,
    parse_token_response,
)
from spotstream.errors import (
    ConnectionClosedError,
    InvalidRequestError,
    ProtocolError,
    RequestTimeoutError,
)

logger = logging.getLogger(__name__)

_DEFAULT_NONCES = NonceSource()
"""Shared by every call without an explicit source, so back-to-back calls never reuse a nonce."""

_MAX_BODY = 1 << 20
_CLOSE_GRACE = 1.0  # seconds granted to a clean (TLS) close once the response is read


@dataclass(frozen=True)
class _Origin:
    secure: bool
    host: str
    port: int

    @property
    def authority(self) -> str:
        """The ``Host`` header value: port omitted when it is the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == (443 if self.secure else 80) else f"{host}:{self.port}"


async def get_websockets_token(
    credentials: Credentials,
    *,
    base_url: str = "https://api.kraken.com",
    nonce_source: NonceSource | None = None,
    timeout: float = 10.0,
) -> Token:
    """POST ``/0/private/GetWebSocketsToken`` and return the token.

    Raises :class:`~spotstream.auth.errors.AuthenticationError` when Kraken refuses (its
    class also says why, e.g. :class:`~spotstream.errors.PermissionDeniedError` for a key
    without the WebSocket permission),
    :class:`ConnectionClosedError` when the connection fails or drops, :class:`ProtocolError`
    for a malformed HTTP response, :class:`RequestTimeoutError` after ``timeout`` seconds
    (covering connect, send and receive) and :class:`InvalidRequestError` for a bad ``base_url``.
    """
    origin = _parse_base_url(base_url)
    nonce = (nonce_source or _DEFAULT_NONCES).next()
    path, headers, body = build_token_request(credentials, nonce)
    logger.debug("requesting a WebSocket token from %s", origin.authority)
    try:
        status, response = await _round_trip(
            origin, _encode_request(origin, path, headers, body), timeout
        )
    except TimeoutError:
        raise RequestTimeoutError(
            f"GetWebSocketsToken: no response from {origin.authority} within {timeout}s"
        ) from None
    except (OSError, asyncio.IncompleteReadError) as exc:
        raise ConnectionClosedError(
            f"GetWebSocketsToken: connection to {origin.authority} failed: {exc!r}"
        ) from exc
    return parse_token_response(status, response)


def _parse_base_url(base_url: str) -> _Origin:
    """Accept ``http(s)://host[:port]`` with no path, query or user info."""
    parts = urlsplit(base_url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    valid = (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and parts.path in ("", "/")
        and not (parts.query or parts.fragment or parts.username or parts.password)
        and port != -1
    )
    if not valid or parts.hostname is None:
        raise InvalidRequestError(f"base_url must look like https://host[:port], got {base_url!r}")
    secure = parts.scheme == "https"
    return _Origin(secure, parts.hostname, port or (443 if secure else 80))


def _encode_request(origin: _Origin, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """A complete HTTP/1.1 POST: head (CRLF lines) followed by ``body``."""
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {origin.authority}",
        "User-Agent: spotstream",
        "Accept: application/json",
        *(f"{name}: {value}" for name, value in headers.items()),
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _round_trip(origin: _Origin, request: bytes, timeout: float) -> tuple[int, bytes]:
    """Connect, send ``request``, read the whole response, all within ``timeout``; then close."""
    deadline = asyncio.get_running_loop().time() + timeout
    context = ssl.create_default_context() if origin.secure else None
    async with asyncio.timeout_at(deadline):
        reader, writer = await asyncio.open_connection(origin.host, origin.port, ssl=context)
    try:
        async with asyncio.timeout_at(deadline):
            writer.write(request)
            await writer.drain()
            return await _read_response(reader)
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(_CLOSE_GRACE):
                await writer.wait_closed()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one final response (skipping 1xx interim ones): ``(status, decoded body)``."""
    status, headers = _parse_head(await _read_head(reader))
    while 100 <= status < 200:
        status, headers = _parse_head(await _read_head(reader))
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return status, await _read_chunked(reader)
    length = headers.get("content-length")
    if length is None:
        return status, await _read_to_eof(reader)
    if not length.isdigit() or int(length) > _MAX_BODY:
        raise ProtocolError(f"GetWebSocketsToken: bad Content-Length {length[:20]!r}")
    return status, await reader.readexactly(int(length))


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise ProtocolError("GetWebSocketsToken: response head too large") from None


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    """Parse a status line and header lines; header names are lower-cased."""
    status_line, *lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    version, _, rest = status_line.partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise ProtocolError(f"GetWebSocketsToken: bad status line {status_line[:40]!r}")
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon:
            raise ProtocolError("GetWebSocketsToken: malformed response header")
        headers[name.strip().lower()] = value.strip()
    return int(code), headers


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    """Decode a chunked body (RFC 9112 §7.1), discarding chunk extensions and trailers."""
    body = bytearray()
    while size := _chunk_size(await reader.readuntil(b"\r\n")):
        if len(body) + size > _MAX_BODY:
            raise ProtocolError("GetWebSocketsToken: response body too large")
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise ProtocolError("GetWebSocketsToken: malformed chunk")
    while await reader.readuntil(b"\r\n") != b"\r\n":
        pass  # trailer fields
    return bytes(body)


def _chunk_size(line: bytes) -> int:
    text = line.split(b";", 1)[0].strip()
    if not text or len(text) > 8 or text.strip(b"0123456789abcdefABCDEF"):
        raise ProtocolError("GetWebSocketsToken: malformed chunk size")
    return int(text, 16)


async def _read_to_eof(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while data := await reader.read(65536):
        body += data
        if len(body) > _MAX_BODY:
            raise ProtocolError("GetWebSocketsToken: response body too large")
    return bytes(body)
