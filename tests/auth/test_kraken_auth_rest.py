"""get_websockets_token end to end against a tiny local Kraken-like HTTP server."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import pytest

from spotstream.auth import (
    AuthenticationError,
    Credentials,
    NonceSource,
    Token,
    get_websockets_token,
    kraken_rest,
    sign,
)
from spotstream.errors import (
    ConnectionClosedError,
    InvalidRequestError,
    ProtocolError,
    RequestTimeoutError,
)

SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
OTHER_SECRET = "cHl0aG9uLWtyYWtlbi1zZGsgdW5pdC10ZXN0IHNlY3JldCB2YWx1ZQ=="
TOKEN_FORM_SIGN = (  # spec §4 vector 3
    "+mRDmY9Ks0Moc1zjv/BjfvYa98buO0x1yHChZR5onlfAzAUbfIYlLggUZzdQ0RsmXm4Sh+Q8iAIZdo2wSeHeiA=="
)
KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrSt"
TOKEN = "xeAQ/RCChBYNVh53sTv1yZ5H4wIbwDF20PiHtTF+4UI"
CREDS = Credentials(api_key=KEY, api_secret=SECRET)


@dataclass
class Request:
    head: list[str]
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeKraken:
    """Verifies API-Key, API-Sign and nonce order like Kraken; ``mode`` picks the reply framing."""

    secrets: dict[str, str]
    mode: str = "length"
    requests: list[Request] = field(default_factory=list)
    last_nonce: dict[str, int] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            await self._serve(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")[:-2]
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        body = await reader.readexactly(int(headers["content-length"]))
        self.requests.append(Request(lines[0].split(" "), headers, body))
        if self.mode == "hang":
            await reader.read()  # until the client gives up and closes
            return
        if self.mode == "close":
            return
        writer.write(self._frame(*self._verdict(lines[0], headers, body)))
        await writer.drain()

    def _verdict(self, start: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self.mode == "gateway":
            return 502, b"<html><body>502 Bad Gateway</body></html>"
        path = start.split(" ")[1]
        secret = self.secrets.get(headers.get("api-key", ""))
        if secret is None:
            return 200, _error("EAPI:Invalid key")
        nonce = parse_qs(body.decode())["nonce"][0]
        if headers.get("api-sign") != sign(path, nonce, body.decode(), secret):
            return 200, _error("EAPI:Invalid signature")
        if int(nonce) <= self.last_nonce.get(headers["api-key"], 0):
            return 200, _error("EAPI:Invalid nonce")
        self.last_nonce[headers["api-key"]] = int(nonce)
        return 200, json.dumps({"error": [], "result": {"token": TOKEN, "expires": 900}}).encode()

    def _frame(self, status: int, body: bytes) -> bytes:
        reason = {200: "OK", 502: "Bad Gateway"}[status]
        head = f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        if self.mode == "garbage":
            return b"SPDY/9 what\r\n\r\n"
        if self.mode == "chunked":
            chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(c), c) for c in (body[:7], body[7:]))
            tail = b"0\r\nX-Trailer: yes\r\n\r\n"
            interim = b"HTTP/1.1 100 Continue\r\n\r\n"
            return interim + f"{head}Transfer-Encoding: chunked\r\n\r\n".encode() + chunks + tail
        if self.mode == "eof":
            return f"{head}Connection: close\r\n\r\n".encode() + body
        if self.mode == "truncate":
            return f"{head}Content-Length: {len(body) + 50}\r\n\r\n".encode() + body
        return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def _error(text: str) -> bytes:
    return json.dumps({"error": [text], "result": {}}).encode()


@dataclass
class Served:
    kraken: FakeKraken
    url: str


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    kraken = FakeKraken(secrets={KEY: SECRET})
    server = await asyncio.start_server(kraken.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield Served(kraken, f"http://127.0.0.1:{port}")
    finally:
        server.close()
        await server.wait_closed()
        await asyncio.gather(*kraken.tasks, return_exceptions=True)


async def fetch(served: Served, creds: Credentials = CREDS, **kwargs: Any) -> Token:
    return await get_websockets_token(creds, base_url=served.url, **kwargs)


@pytest.mark.parametrize("mode", ["length", "chunked", "eof"])
async def test_token_is_returned(served: Served, mode: str) -> None:
    served.kraken.mode = mode
    assert await fetch(served) == Token(token=TOKEN, expires=900)


async def test_request_on_the_wire(served: Served) -> None:
    await fetch(served, nonce_source=NonceSource(clock=lambda: 1616492376594))
    (request,) = served.kraken.requests
    port = served.url.rsplit(":", 1)[1]
    assert request.head == ["POST", "/0/private/GetWebSocketsToken", "HTTP/1.1"]
    assert request.body == b"nonce=1616492376594"
    assert request.headers == {
        "host": f"127.0.0.1:{port}",
        "user-agent": "spotstream",
        "accept": "application/json",
        "api-key": KEY,
        "api-sign": TOKEN_FORM_SIGN,
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "content-length": "19",
        "connection": "close",
    }


async def test_default_nonce_source_increases_between_calls(served: Served) -> None:
    for _ in range(3):
        await fetch(served)
    nonces = [int(r.body.split(b"=")[1]) for r in served.kraken.requests]
    assert nonces == sorted(set(nonces))


async def test_stale_nonce_is_reported(served: Served) -> None:
    source = NonceSource(clock=lambda: 1616492376594)
    await fetch(served, nonce_source=source)
    with pytest.raises(AuthenticationError, match="EAPI:Invalid nonce"):
        await fetch(served, nonce_source=NonceSource(clock=lambda: 1616492376594))


async def test_invalid_signature_never_leaks_credentials(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = Credentials(api_key=KEY, api_secret=OTHER_SECRET)
    with pytest.raises(AuthenticationError) as info:
        await fetch(served, wrong)
    assert info.value.error == "EAPI:Invalid signature"
    assert info.value.method == "GetWebSocketsToken"
    for text in (str(info.value), repr(info.value), caplog.text):
        assert KEY not in text
        assert OTHER_SECRET not in text
    assert caplog.records, "expected a debug record"


async def test_unknown_key(served: Served) -> None:
    stranger = Credentials(api_key="K" * 56, api_secret=SECRET)
    with pytest.raises(AuthenticationError, match="EAPI:Invalid key"):
        await fetch(served, stranger)


async def test_gateway_error(served: Served) -> None:
    served.kraken.mode = "gateway"
    with pytest.raises(AuthenticationError, match="HTTP 502") as info:
        await fetch(served)
    assert info.value.status == 502


async def test_garbage_status_line(served: Served) -> None:
    served.kraken.mode = "garbage"
    with pytest.raises(ProtocolError, match="status line"):
        await fetch(served)


@pytest.mark.parametrize("mode", ["close", "truncate"])
async def test_dropped_connection(served: Served, mode: str) -> None:
    served.kraken.mode = mode
    with pytest.raises(ConnectionClosedError) as info:
        await fetch(served)
    assert KEY not in str(info.value)


async def test_timeout(served: Served) -> None:
    served.kraken.mode = "hang"
    with pytest.raises(RequestTimeoutError, match=r"within 0\.1s"):
        await fetch(served, timeout=0.1)


async def test_connection_refused() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(ConnectionClosedError, match=re.escape(f"127.0.0.1:{port}")):
        await get_websockets_token(CREDS, base_url=f"http://127.0.0.1:{port}")


async def test_https_uses_default_verifying_context(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    async def refuse(host: str, port: int, *, ssl: ssl.SSLContext | None) -> None:
        seen.update(host=host, port=port, ssl=ssl)
        raise ConnectionRefusedError("refused")

    monkeypatch.setattr(asyncio, "open_connection", refuse)
    with pytest.raises(ConnectionClosedError):
        await get_websockets_token(CREDS)
    assert (seen["host"], seen["port"]) == ("api.kraken.com", 443)
    assert isinstance(seen["ssl"], ssl.SSLContext)
    assert seen["ssl"].check_hostname
    assert seen["ssl"].verify_mode == ssl.CERT_REQUIRED


@pytest.mark.parametrize(
    "url",
    ["ftp://host", "https://", "https://host/prefix", "https://u:p@host", "http://h:99999", "h"],
)
async def test_bad_base_url(url: str) -> None:
    with pytest.raises(InvalidRequestError, match="base_url"):
        await get_websockets_token(CREDS, base_url=url)


@pytest.mark.parametrize(
    ("url", "authority"),
    [
        ("https://api.kraken.com", "api.kraken.com"),
        ("https://api.kraken.com:8443/", "api.kraken.com:8443"),
        ("http://localhost", "localhost"),
        ("http://[::1]:8080", "[::1]:8080"),
    ],
)
def test_host_header(url: str, authority: str) -> None:
    assert kraken_rest._parse_base_url(url).authority == authority
