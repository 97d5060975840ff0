"""Kraken's REST calls a websocket client needs, over HTTP/1.1 with the standard library only:
the WebSocket token (``POST /0/private/GetWebSocketsToken``) and the pairs' precisions
(``GET /0/public/AssetPairs``, which WebSocket v1 books need: v1 has no instrument channel).

One request per connection (``Connection: close``); http:// (tests, simulator) and https://
(default SSL context) are supported. Both calls share one round trip and its typed failures.
Credentials never reach logs or exception messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from spotstream.auth.kraken import (
    TOKEN_METHOD,
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
from spotstream.models.market import Instrument
from spotstream.protocol.kraken import asset_pairs

logger = logging.getLogger(__name__)

_DEFAULT_NONCES = NonceSource()
"""Shared by every call without an explicit source, so back-to-back calls never reuse a nonce."""

_MAX_BODY = 1 << 20
_MAX_PAIRS_BODY = 1 << 24  # every pair's entry with its fee tables: a few MB
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
    request = _encode_request(origin, "POST", path, headers, body)
    status, response = await _exchange(origin, request, timeout, TOKEN_METHOD, _MAX_BODY)
    return parse_token_response(status, response)


async def get_asset_pairs(
    *, base_url: str = "https://api.kraken.com", timeout: float = 10.0
) -> list[Instrument]:
    """GET ``/0/public/AssetPairs``: every pair on the websockets, as instruments
    (:func:`~spotstream.protocol.kraken.asset_pairs.parse_asset_pairs` says how).

    Raises Kraken's typed refusal (a :class:`~spotstream.errors.RequestError`) when it
    answers with errors or another HTTP status than 200, :class:`~spotstream.errors.DecodeError`
    for a body that is not the expected JSON, and the token call's transport errors:
    :class:`ConnectionClosedError`, :class:`ProtocolError`, :class:`RequestTimeoutError`
    after ``timeout`` seconds, :class:`InvalidRequestError` for a bad ``base_url``.
    """
    origin = _parse_base_url(base_url)
    logger.debug("requesting AssetPairs from %s", origin.authority)
    request = _encode_request(origin, "GET", asset_pairs.PATH, {}, b"")
    status, response = await _exchange(
        origin, request, timeout, asset_pairs.METHOD, _MAX_PAIRS_BODY
    )
    return asset_pairs.parse_asset_pairs(response, status)


async def _exchange(
    origin: _Origin, request: bytes, timeout: float, what: str, max_body: int
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


def _encode_request(
    origin: _Origin, method: str, path: str, headers: dict[str, str], body: bytes
) -> bytes:
    """A complete HTTP/1.1 request: head (CRLF lines) followed by ``body`` (a body-less GET
    has no Content-Length)."""
    length = [] if method == "GET" and not body else [f"Content-Length: {len(body)}"]
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: {origin.authority}",
        "User-Agent: spotstream",
        "Accept: application/json",
        *(f"{name}: {value}" for name, value in headers.items()),
        *length,
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


async def _round_trip(
    origin: _Origin, request: bytes, timeout: float, max_body: int
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
