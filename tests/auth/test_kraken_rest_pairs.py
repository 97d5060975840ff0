"""get_asset_pairs over HTTP: against the simulator, and against servers that misbehave."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import pytest

from spotstream.auth.kraken_rest import get_asset_pairs
from spotstream.errors import (
    ConnectionClosedError,
    DecodeError,
    InvalidRequestError,
    ProtocolError,
    RequestError,
    RequestTimeoutError,
    UnknownPairError,
)
from spotstream.simulator import Simulator
from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS


async def test_the_simulators_pairs_arrive_as_instruments() -> None:
    async with Simulator(seed=4, rate=10) as sim:
        instruments = await get_asset_pairs(base_url=sim.urls["rest"], timeout=5)
    by_symbol = {i.symbol: i for i in instruments}
    assert set(by_symbol) == {spec.symbol for spec in DEFAULT_INSTRUMENTS}
    for spec in DEFAULT_INSTRUMENTS:
        got = by_symbol[spec.symbol]
        assert (got.price_precision, got.qty_precision) == (
            spec.price_precision,
            spec.qty_precision,
        )
        assert (got.price_increment, got.qty_min) == (spec.price_increment, spec.qty_min)


Reply = Callable[[bytes], bytes | None]  # the request's bytes -> the raw answer (None: hang)


@contextlib.asynccontextmanager
async def server(reply: Reply, seen: list[bytes]) -> AsyncIterator[str]:
    """A one-answer HTTP server on 127.0.0.1, port 0; yields its base URL."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        seen.append(request)
        answer = reply(request)
        if answer is None:
            await reader.read()  # until the client gives up
        else:
            writer.write(answer)
            await writer.drain()
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        listener.close()
        await listener.wait_closed()


def http(status: str, body: bytes, *headers: str) -> bytes:
    head = [f"HTTP/1.1 {status}", *headers]
    if not any(h.lower().startswith("transfer-encoding") for h in headers):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


PAIR = (
    b'{"error":[],"result":{"XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD",'
    b'"pair_decimals":1,"lot_decimals":8,"ordermin":"0.0001"}}}'
)


async def test_the_request_is_a_plain_get_and_a_chunked_answer_is_read() -> None:
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(PAIR), PAIR)
    seen: list[bytes] = []
    answer = http("200 OK", chunked, "Transfer-Encoding: chunked")
    async with server(lambda _: answer, seen) as url:
        (btc,) = await get_asset_pairs(base_url=url)
    assert (btc.symbol, btc.price_precision) == ("BTC/USD", 1)
    head = seen[0].decode("latin-1").split("\r\n")
    assert head[0] == "GET /0/public/AssetPairs HTTP/1.1"
    assert f"Host: {url.removeprefix('http://')}" in head
    assert not any(line.lower().startswith("content-length") for line in head)


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (http("200 OK", b'{"error":["EQuery:Unknown asset pair"]}'), UnknownPairError, "Unknown"),
        (http("502 Bad Gateway", b"<html>down</html>"), RequestError, "HTTP 502"),
        (http("200 OK", b"{}"), DecodeError, "AssetPairs"),
        (b"SPDY/9 200 OK\r\n\r\n", ProtocolError, "AssetPairs: bad status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", ProtocolError, "Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", ConnectionClosedError, "AssetPairs"),
    ],
)
async def test_failures_are_typed(answer: bytes, error: type[Exception], message: str) -> None:
    async with server(lambda _: answer, []) as url:
        with pytest.raises(error, match=message):
            await get_asset_pairs(base_url=url)


async def test_no_answer_times_out() -> None:
    async with server(lambda _: None, []) as url:
        with pytest.raises(RequestTimeoutError, match=r"AssetPairs: .* within 0\.1s"):
            await get_asset_pairs(base_url=url, timeout=0.1)


async def test_bad_base_url() -> None:
    with pytest.raises(InvalidRequestError, match="base_url"):
        await get_asset_pairs(base_url="ftp://example.com")
