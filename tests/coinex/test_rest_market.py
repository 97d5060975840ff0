"""CoinEx REST v2 public market data on the client: tickers, depth (checksum verified),
deals and klines; read sans-I/O from CoinEx-shaped answers, and fetched from the simulator."""

from __future__ import annotations

import asyncio
import json
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spotstream.auth import coinex_rest_market as market_rest
from spotstream.errors import (
    ChecksumMismatchError,
    DecodeError,
    InvalidArgumentsError,
    InvalidRequestError,
    RequestError,
)
from spotstream.models.enums import BookStatus, OrderSide
from spotstream.models.market import BookLevel, Kline
from spotstream.protocol.coinex.v2 import rest_market as rm
from spotstream.simulator.server import Simulator


def _body(data: Any, code: int = 0, message: str = "OK") -> bytes:
    return json.dumps({"code": code, "data": data, "message": message}).encode()


STATE = {
    "market": "BTCUSDT",
    "last": "30740.00",
    "open": "30000.00",
    "close": "30740.00",
    "high": "31000.00",
    "low": "29900.00",
    "volume": "1234.56789012",
    "value": "37900000.12",
    "volume_sell": "600.1",
    "volume_buy": "634.46789012",
    "period": 86400,
}


def _depth(bids: list[list[str]], asks: list[list[str]], checksum: object = None) -> bytes:
    if checksum is None:
        text = ":".join(f"{p}:{q}" for p, q in bids + asks).encode()
        checksum = zlib.crc32(text)
    depth = {"asks": asks, "bids": bids, "last": "30740.00", "updated_at": 1700000000123,
             "checksum": checksum}  # fmt: skip
    return _body({"market": "BTCUSDT", "is_full": True, "depth": depth})


# --- sans-I/O ---------------------------------------------------------------------------------


def test_tickers_read_as_the_sockets_state() -> None:
    [ticker] = rm.parse_tickers(200, _body([STATE]))
    assert ticker.symbol == "BTCUSDT"
    assert (ticker.last, ticker.open, ticker.value) == (
        Decimal("30740.00"),
        Decimal("30000.00"),
        Decimal("37900000.12"),
    )
    assert ticker.change == Decimal("740.00")
    assert ticker.taker_buy_volume == Decimal("634.46789012")
    assert (ticker.bid, ticker.vwap) == (None, None)


def test_ticker_queries() -> None:
    assert rm.ticker_query(None) == "/v2/spot/ticker"
    assert rm.ticker_query(["BTC/USDT", "ethusdt"]) == "/v2/spot/ticker?market=BTCUSDT,ETHUSDT"
    with pytest.raises(InvalidRequestError):
        rm.ticker_query(["BTC&x=1"])


def test_depth_verifies_its_checksum_over_the_text_as_received() -> None:
    bids = [["30736.00", "0.50000000"], ["30735.10", "1.2"]]
    asks = [["30740.00", "0.01000000"]]
    book = rm.parse_depth(200, _depth(bids, asks))
    assert book.status is BookStatus.SYNCED
    assert book.bids == (
        BookLevel(Decimal("30736.00"), Decimal("0.50000000")),
        BookLevel(Decimal("30735.10"), Decimal("1.2")),
    )
    assert book.asks == (BookLevel(Decimal("30740.00"), Decimal("0.01000000")),)
    assert str(book.bids[0].price) == "30736.00"  # exact, trailing zeros kept
    assert book.timestamp == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    text = b"30736.00:0.50000000:30735.10:1.2:30740.00:0.01000000"
    assert book.checksum == zlib.crc32(text)


def test_a_signed_or_textual_checksum_is_read_unsigned() -> None:
    bids, asks = [["2.00", "1"]], [["3.00", "1"]]
    crc = zlib.crc32(b"2.00:1:3.00:1")
    signed = crc - (1 << 32) if crc >= 1 << 31 else crc
    for sent in (signed, str(signed), crc):
        assert rm.parse_depth(200, _depth(bids, asks, sent)).checksum == crc


def test_a_checksum_that_does_not_verify_is_a_typed_error() -> None:
    bids, asks = [["2.00", "1"]], [["3.00", "1"]]
    crc = zlib.crc32(b"2.00:1:3.00:1")
    with pytest.raises(ChecksumMismatchError) as wrong:
        rm.parse_depth(200, _depth(bids, asks, (crc + 1) & 0xFFFFFFFF))
    assert (wrong.value.symbol, wrong.value.computed) == ("BTCUSDT", crc)
    assert wrong.value.expected == (crc + 1) & 0xFFFFFFFF
    # "2" is not "2.00": the checksum is over the text, never the value
    with pytest.raises(ChecksumMismatchError):
        rm.parse_depth(200, _depth([["2", "1"]], asks, crc))


def test_depth_queries_check_limit_and_interval() -> None:
    assert rm.depth_query("BTC/USDT", 5, "0.01") == (
        "/v2/spot/depth?market=BTCUSDT&limit=5&interval=0.01"
    )
    for limit, interval in ((7, "0"), (20, "0.5"), (20, "")):
        with pytest.raises(InvalidRequestError):
            rm.depth_query("BTCUSDT", limit, interval)


def _book(depth: dict[str, Any]) -> bytes:
    return _body({"market": "BTCUSDT", "is_full": True, "depth": depth})


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        _body({"market": "BTCUSDT"}),
        _book({"asks": [[1, 2]], "bids": [], "checksum": 0}),  # numbers, not strings
        _book({"asks": [["x", "1"]], "bids": [], "checksum": 0}),
        _book({"asks": [], "bids": [], "checksum": "abc"}),
        _book({"asks": [], "bids": [], "checksum": 1 << 40}),
    ],
)
def test_a_bad_depth_body_is_a_decode_error(body: bytes) -> None:
    with pytest.raises(DecodeError):
        rm.parse_depth(200, body)


def test_deals_come_oldest_first() -> None:
    deals = [
        {"deal_id": 12, "created_at": 1700000000002, "side": "buy", "price": "30718.42",
         "amount": "0.00000325"},
        {"deal_id": 11, "created_at": 1700000000001, "side": "sell", "price": "30718.40",
         "amount": "0.1"},
    ]  # fmt: skip
    trades = rm.parse_deals(200, _body(deals), "BTC/USDT")
    assert [t.trade_id for t in trades] == [11, 12]
    assert [t.side for t in trades] == [OrderSide.SELL, OrderSide.BUY]
    assert trades[1].price == Decimal("30718.42")
    assert trades[1].qty == Decimal("0.00000325")
    assert {t.symbol for t in trades} == {"BTCUSDT"}
    assert rm.deals_query("BTCUSDT", 5, 10) == "/v2/spot/deals?market=BTCUSDT&limit=5&last_id=10"
    for limit in (0, 1001):
        with pytest.raises(InvalidRequestError):
            rm.deals_query("BTCUSDT", limit)
    with pytest.raises(DecodeError):
        rm.parse_deals(200, _body([{"deal_id": 1, "side": "up"}]), "BTCUSDT")


def test_klines_and_their_periods() -> None:
    entry = {"market": "BTCUSDT", "created_at": 1700000400000, "open": "1.10", "close": "1.30",
             "high": "1.40", "low": "1.00", "volume": "10.5", "value": "12.345"}  # fmt: skip
    older = {**entry, "created_at": 1700000100000}
    klines = rm.parse_klines(200, _body([entry, older]), 300)
    assert [k.interval_begin.timestamp() for k in klines] == [1700000100, 1700000400]
    kline = klines[1]
    assert isinstance(kline, Kline)
    assert (kline.open, kline.high, kline.low, kline.close) == tuple(
        Decimal(x) for x in ("1.10", "1.40", "1.00", "1.30")
    )
    assert (kline.volume, kline.value, kline.interval) == (Decimal("10.5"), Decimal("12.345"), 5)
    assert (kline.trades, kline.vwap) == (None, None)
    assert rm.period_name("1hour") == rm.period_name(3600) == "1hour"
    assert rm.period_name(604800) == "1week"
    assert rm.kline_query("BTC/USDT", 60, 3) == "/v2/spot/kline?market=BTCUSDT&period=1min&limit=3"
    for bad in ("1h", 61, True, "60"):
        with pytest.raises(InvalidRequestError):
            rm.period_name(bad)  # type: ignore[arg-type]
    with pytest.raises(DecodeError):
        rm.parse_klines(200, _body([{**entry, "open": "x"}]), "5min")


def test_refusals_and_http_errors_are_typed() -> None:
    with pytest.raises(InvalidArgumentsError) as refused:
        rm.parse_tickers(200, _body({}, 4004, "Parameter error"))
    assert refused.value.code == 4004
    assert isinstance(refused.value, RequestError)
    with pytest.raises(RequestError):
        rm.parse_klines(502, b"<html>bad gateway</html>", "1min")


# --- against the simulator --------------------------------------------------------------------


async def test_market_data_from_the_simulator(sim: Simulator) -> None:
    url = sim.urls["coinex_rest"]
    tickers = await market_rest.get_tickers(url)
    assert [t.symbol for t in tickers] == ["BTCUSDT", "ETHUSDT"]
    [eth] = await market_rest.get_tickers(url, ["ETH/USDT"])
    assert eth.symbol == "ETHUSDT"
    book = await market_rest.get_depth(url, "BTC/USDT", 10)
    assert book.status is BookStatus.SYNCED
    assert len(book.bids) == len(book.asks) == 10
    assert book.bids[0].price < book.asks[0].price
    merged = await market_rest.get_depth(url, "BTCUSDT", 5, "10")
    assert all(level.price % 10 == 0 for level in merged.bids)
    deals = await market_rest.get_deals(url, "BTCUSDT", 5)
    assert len(deals) == 5
    ids = [d.trade_id for d in deals]
    assert ids == sorted(ids)
    older = await market_rest.get_deals(url, "BTCUSDT", 3, last_id=ids[0])
    assert all(d.trade_id is not None and d.trade_id < ids[0] for d in older)
    klines = await market_rest.get_klines(url, "BTCUSDT", "1min", 10)
    assert len(klines) == 10
    assert all(k.interval == 1 and k.low <= k.open <= k.high for k in klines)
    begins = [k.interval_begin for k in klines]
    assert begins == sorted(begins)
    hours = await market_rest.get_klines(url, "BTCUSDT", 7200, 4)
    assert [k.interval for k in hours] == [120] * 4
    assert all(k.interval_begin.timestamp() % 7200 == 0 for k in hours)


async def test_simulator_refusals_are_typed(sim: Simulator) -> None:
    url = sim.urls["coinex_rest"]
    with pytest.raises(InvalidArgumentsError):
        await market_rest.get_tickers(url, ["DOGEUSDT"])
    with pytest.raises(InvalidArgumentsError):
        await market_rest.get_deals(url, "DOGEUSDT")


async def test_a_wrong_checksum_over_http_raises() -> None:
    """A server whose depth does not verify: the typed error comes through the I/O path."""
    body = _depth([["2.00", "1"]], [["3.00", "1"]], 12345)
    served: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served.append(await reader.readuntil(b"\r\n\r\n"))
        head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        writer.write(head + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with pytest.raises(ChecksumMismatchError) as wrong:
            await market_rest.get_depth(f"http://127.0.0.1:{port}/x", "BTCUSDT", 5)
        assert wrong.value.expected == 12345
        assert served[0].startswith(b"GET /x/v2/spot/depth?market=BTCUSDT&limit=5&interval=0 ")
    finally:
        server.close()
        await server.wait_closed()
