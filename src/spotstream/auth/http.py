"""HTTP/1.1 over the standard library: one request per connection, for the few REST calls a
websocket client needs (Kraken's token and pairs, CoinEx's account state and markets).

``Connection: close``; http:// (tests, simulator) and https:// (default SSL context). A base
URL may carry a path prefix where the venue's API is served under one (the simulator's
``http://host:port/coinex``): :attr:`Origin.prefix` is put before every request path. Bodies
are bounded; failures are typed (:class:`ConnectionClosedError`, :class:`ProtocolError`,
:class:`RequestTimeoutError`, :class:`InvalidRequestError` for a bad base URL). Nothing here
sees credentials except as opaque header values, and nothing here logs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from spotstream.errors import (
    ConnectionClosedError,
    InvalidRequestError,
    ProtocolError,
    RequestTimeoutError,
)

_CLOSE_GRACE = 1.0  # seconds granted to a clean (TLS) close once the response is read


@dataclass(frozen=True)
class Origin:
    secure: bool
    host: str
    port: int
    prefix: str = ""  # a path the API is served under ("" or "/coinex"), no trailing "/"

    @property
    def authority(self) -> str:
        """The ``Host`` header value: port omitted when it is the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == (443 if self.secure else 80) else f"{host}:{self.port}"


async def exchange(
    origin: Origin, request: bytes, timeout: float, what: str, max_body: int
) -> tuple[int, bytes]:
    """One round trip, its failures typed and naming ``what``: ``(status, body)``."""
    try:
        return await _round_trip(origin, request, timeout, max_body)
    except TimeoutError:
        raise RequestTimeoutError(
            f"{what}: no response from {origin.authority} within {timeout}s"
        ) from None
    except (OSError, asyncio.IncompleteReadError) as exc:
        raise ConnectionClosedError(
            f"{what}: connection to {origin.authority} failed: {exc!r}"
        ) from exc
    except ProtocolError as exc:
        raise ProtocolError(f"{what}: {exc}") from None


def parse_base_url(base_url: str, *, allow_path: bool = False) -> Origin:
    """Accept ``http(s)://host[:port]`` with no query or user info, and no path unless
    ``allow_path`` (then the path is the origin's prefix)."""
    parts = urlsplit(base_url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    valid = (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and (allow_path or parts.path in ("", "/"))
        and not (parts.query or parts.fragment or parts.username or parts.password)
        and port != -1
    )
    if not valid or parts.hostname is None:
        shape = "https://host[:port][/path]" if allow_path else "https://host[:port]"
        raise InvalidRequestError(f"base_url must look like {shape}, got {base_url!r}")
    secure = parts.scheme == "https"
    prefix = parts.path.rstrip("/") if allow_path else ""
    return Origin(secure, parts.hostname, port or (443 if secure else 80), prefix)


def encode_request(
    origin: Origin, method: str, path: str, headers: dict[str, str], body: bytes
) -> bytes:
    """A complete HTTP/1.1 request for ``path`` (after the origin's prefix): head (CRLF
    lines) followed by ``body`` (a body-less GET has no Content-Length)."""
    length = [] if method == "GET" and not body else [f"Content-Length: {len(body)}"]
    lines = [
        f"{method} {origin.prefix}{path} HTTP/1.1",
        f"Host: {origin.authority}",
        "User-Agent: spotstream",
        "Accept: application/json",
        *(f"{name}: {value}" for name, value in headers.items()),
        *length,
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _round_trip(
    origin: Origin, request: bytes, timeout: float, max_body: int
) -> tuple[int, bytes]:
    """Connect, send ``request``, read the whole response, all within ``timeout``; then close."""
    deadline = asyncio.get_running_loop().time() + timeout
    context = ssl.create_default_context() if origin.secure else None
    async with asyncio.timeout_at(deadline):
        reader, writer = await asyncio.open_connection(origin.host, origin.port, ssl=context)
    try:
        async with asyncio.timeout_at(deadline):
            writer.write(request)
            await writer.drain()
            return await _read_response(reader, max_body)
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(_CLOSE_GRACE):
                await writer.wait_closed()


async def _read_response(reader: asyncio.StreamReader, max_body: int) -> tuple[int, bytes]:
    """Read one final response (skipping 1xx interim ones): ``(status, decoded body)``."""
    status, headers = _parse_head(await _read_head(reader))
    while 100 <= status < 200:
        status, headers = _parse_head(await _read_head(reader))
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return status, await _read_chunked(reader, max_body)
    length = headers.get("content-length")
    if length is None:
        return status, await _read_to_eof(reader, max_body)
    if not length.isdigit() or int(length) > max_body:
        raise ProtocolError(f"bad Content-Length {length[:20]!r}")
    return status, await reader.readexactly(int(length))


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise ProtocolError("response head too large") from None


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    """Parse a status line and header lines; header names are lower-cased."""
    status_line, *lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    version, _, rest = status_line.partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or len(code) != 3 or not code.isdigit():
        raise ProtocolError(f"bad status line {status_line[:40]!r}")
    headers: dict[str, str] = {}
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon:
            raise ProtocolError("malformed response header")
        headers[name.strip().lower()] = value.strip()
    return int(code), headers


async def _read_chunked(reader: asyncio.StreamReader, max_body: int) -> bytes:
    """Decode a chunked body (RFC 9112 §7.1), discarding chunk extensions and trailers."""
    body = bytearray()
    while size := _chunk_size(await reader.readuntil(b"\r\n")):
        if len(body) + size > max_body:
            raise ProtocolError("response body too large")
        body += await reader.readexactly(size)
        if await reader.readexactly(2) != b"\r\n":
            raise ProtocolError("malformed chunk")
    while await reader.readuntil(b"\r\n") != b"\r\n":
        pass  # trailer fields
    return bytes(body)


def _chunk_size(line: bytes) -> int:
    text = line.split(b";", 1)[0].strip()
    if not text or len(text) > 8 or text.strip(b"0123456789abcdefABCDEF"):
        raise ProtocolError("malformed chunk size")
    return int(text, 16)


async def _read_to_eof(reader: asyncio.StreamReader, max_body: int) -> bytes:
    body = bytearray()
    while data := await reader.read(65536):
        body += data
        if len(body) > max_body:
            raise ProtocolError("response body too large")
    return bytes(body)
