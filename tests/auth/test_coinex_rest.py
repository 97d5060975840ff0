"""CoinEx REST v2 calls end to end against a tiny local CoinEx-like HTTP server: signature
headers (path prefix not signed), every page of open orders, CoinEx's refusals by code."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from spotstream.auth import coinex_rest
from spotstream.auth.coinex import CoinExCredentials, rest_signature
from spotstream.auth.http import parse_base_url
from spotstream.errors import (
    AuthenticationError,
    DecodeError,
    InvalidArgumentsError,
    InvalidRequestError,
    ProtocolError,
    RateLimitError,
    RequestError,
)
from spotstream.models.enums import OrderSide, OrderStatus
from spotstream.models.orders import Balance, Wallet

ACCESS_ID = "4DA36FFC61334695A66F8D29020EB589"
SECRET = "B51068CF10B34E7789C374AB932696A05E0A629BE7BFC62F"
CREDS = CoinExCredentials(ACCESS_ID, SECRET)
NOW = 1700490703564


def clock() -> int:
    return NOW


def order(order_id: int, market: str = "BTCUSDT") -> dict[str, Any]:
    return {
        "order_id": order_id, "market": market, "market_type": "SPOT", "ccy": "BTC",
        "side": "buy", "type": "limit", "amount": "0.5", "price": "30000.00",
        "unfilled_amount": "0.3", "filled_amount": "0.2", "filled_value": "6000.00",
        "client_id": "c1", "base_fee": "0", "quote_fee": "1.2", "discount_fee": "0",
        "maker_fee_rate": "0.002", "taker_fee_rate": "0.002", "last_filled_amount": "0.2",
        "last_filled_price": "30000.00", "created_at": 1689152421692, "updated_at": 1689152421693,
    }  # fmt: skip


@dataclass
class Seen:
    method: str
    target: str
    headers: dict[str, str]


@dataclass
class FakeCoinEx:
    """Checks the X-COINEX headers like CoinEx (over the path after ``prefix``)."""

    prefix: str = ""
    orders: list[dict[str, Any]] = field(default_factory=list)
    refuse: tuple[int, int, str] | None = None  # HTTP status, code, message
    raw: tuple[int, bytes] | None = None
    endless: bool = False
    seen: list[Seen] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")[:-2]
            method, target, _ = head[0].split(" ")
            headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
            self.seen.append(Seen(method, target, headers))
            status, body = self.raw or self._answer(target, headers)
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
            )
            await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    def _answer(self, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
        if self.refuse is not None:
            status, code, message = self.refuse
            return status, json.dumps({"code": code, "data": {}, "message": message}).encode()
        assert target.startswith(self.prefix + "/v2/")
        path = target[len(self.prefix) :]
        url = urlsplit(path)
        if url.path == "/v2/time":
            return _ok({"timestamp": NOW + 5})
        if url.path == "/v2/spot/market":
            return _ok([_market()])
        expected = rest_signature(SECRET, "GET", path, b"", int(headers["x-coinex-timestamp"]))
        if headers.get("x-coinex-key") != ACCESS_ID or headers.get("x-coinex-sign") != expected:
            return 200, json.dumps({"code": 25001, "data": {}, "message": "bad sign"}).encode()
        if url.path == "/v2/assets/spot/balance":
            return _ok([{"ccy": "USDT", "available": "25837.077847838", "frozen": "6540.7"}])
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        assert query["market_type"] == "SPOT"
        page, limit = int(query["page"]), int(query["limit"])
        mine = [o for o in self.orders if query.get("market") in (None, o["market"])]
        chunk = mine[(page - 1) * limit : page * limit] or (mine[:1] if self.endless else [])
        more = self.endless or page * limit < len(mine)
        return _ok(chunk, {"total": len(mine), "has_next": more})


def _market() -> dict[str, Any]:
    return {
        "market": "CETUSDT", "taker_fee_rate": "0.002", "maker_fee_rate": "0.002",
        "min_amount": "0.05", "base_ccy": "CET", "quote_ccy": "USDT", "base_ccy_precision": 8,
        "quote_ccy_precision": 6, "is_amm_available": True, "is_margin_available": True,
        "is_pre_trading_available": False, "is_api_trading_available": True,
    }  # fmt: skip


def _ok(data: Any, pagination: dict[str, Any] | None = None) -> tuple[int, bytes]:
    doc: dict[str, Any] = {"code": 0, "data": data, "message": "OK"}
    if pagination is not None:
        doc["pagination"] = pagination
    return 200, json.dumps(doc).encode()


@dataclass
class Served:
    fake: FakeCoinEx
    url: str


@pytest.fixture(params=["", "/coinex"], ids=["root", "prefixed"])
async def served(request: pytest.FixtureRequest) -> AsyncIterator[Served]:
    fake = FakeCoinEx(prefix=request.param)
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield Served(fake, f"http://127.0.0.1:{port}{request.param}")
    finally:
        server.close()
        await server.wait_closed()
        await asyncio.gather(*fake.tasks, return_exceptions=True)


def test_rest_signature_is_the_documented_hmac() -> None:
    message = b"GET/v2/spot/pending-order?market=BTCUSDT1700490703564"
    expected = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
    assert rest_signature(SECRET, "get", "/v2/spot/pending-order?market=BTCUSDT", b"", NOW) == (
        expected
    )
    assert expected == expected.lower()


def test_base_urls_may_carry_a_prefix_only_where_allowed() -> None:
    assert parse_base_url("http://h:8080/coinex/", allow_path=True).prefix == "/coinex"
    assert parse_base_url("https://api.coinex.com", allow_path=True).prefix == ""
    with pytest.raises(InvalidRequestError, match="base_url"):
        parse_base_url("http://h:8080/coinex")


async def test_server_time_and_markets_are_public(served: Served) -> None:
    assert await coinex_rest.get_server_time(served.url) == NOW + 5
    assert await coinex_rest.server_offset_ms(served.url, clock=clock) == 5
    served.fake.seen.pop()
    (market,) = await coinex_rest.get_markets(served.url)
    assert (market.symbol, market.base, market.quote) == ("CETUSDT", "CET", "USDT")
    assert (market.price_precision, market.qty_precision) == (6, 8)
    assert (market.price_increment, market.qty_increment) == (Decimal("1e-6"), Decimal("1e-8"))
    assert (market.qty_min, market.marginable, market.status) == (Decimal("0.05"), True, "online")
    assert all("x-coinex-key" not in s.headers for s in served.fake.seen)
    assert [s.target for s in served.fake.seen] == [
        f"{served.fake.prefix}/v2/time",
        f"{served.fake.prefix}/v2/spot/market",
    ]


async def test_balances_are_signed_and_read(served: Served) -> None:
    (balance,) = await coinex_rest.get_balances(CREDS, served.url, clock=clock)
    assert balance == Balance(
        "USDT",
        Decimal("32377.777847838"),
        (
            Wallet("available", "spot", Decimal("25837.077847838")),
            Wallet("frozen", "spot", Decimal("6540.7")),
        ),
    )
    (seen,) = served.fake.seen
    assert seen.headers["x-coinex-timestamp"] == str(NOW)
    assert seen.headers["x-coinex-sign"] == rest_signature(
        SECRET, "GET", "/v2/assets/spot/balance", b"", NOW
    )


async def test_every_page_of_open_orders_is_read(served: Served) -> None:
    served.fake.orders = [order(i) for i in range(1, 251)] + [order(999, "ETHUSDT")]
    orders = await coinex_rest.get_pending_orders(CREDS, served.url, clock=clock)
    assert [o.order_id for o in orders] == [*(str(i) for i in range(1, 251)), "999"]
    assert len(served.fake.seen) == 3
    first = orders[0]
    assert (first.exec_type, first.status) == ("new", OrderStatus.PARTIALLY_FILLED)
    assert (first.symbol, first.side, first.quantity) == ("BTCUSDT", OrderSide.BUY, Decimal("0.5"))
    assert (first.filled_quantity, first.filled_cost) == (Decimal("0.2"), Decimal("6000.00"))
    assert (first.client_order_id, first.fill) == ("c1", None)


async def test_open_orders_of_one_market(served: Served) -> None:
    served.fake.orders = [order(1), order(2, "ETHUSDT")]
    orders = await coinex_rest.get_pending_orders(CREDS, served.url, "eth/usdt", clock=clock)
    assert [o.order_id for o in orders] == ["2"]
    assert "market=ETHUSDT" in served.fake.seen[0].target


async def test_a_server_that_never_ends_its_pages_is_stopped(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coinex_rest, "MAX_PAGES", 3)
    served.fake.orders, served.fake.endless = [order(1)], True
    with pytest.raises(ProtocolError, match="pages"):
        await coinex_rest.get_pending_orders(CREDS, served.url, clock=clock)
    assert len(served.fake.seen) == 3


async def test_a_wrong_secret_is_refused_without_leaking_it(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    other = CoinExCredentials(ACCESS_ID, "0" * 48)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RequestError) as info:
        await coinex_rest.get_balances(other, served.url, clock=clock)
    assert (info.value.code, info.value.text) == (25001, "bad sign")
    assert "0" * 48 not in caplog.text + str(info.value)
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    ("refusal", "error"),
    [
        ((200, 21002, "Signature Incorrect"), AuthenticationError),
        ((429, 23002, "too many requests"), RateLimitError),
        ((400, 20001, "invalid argument"), InvalidArgumentsError),
    ],
)
async def test_coinex_codes_are_typed_refusals(
    served: Served, refusal: tuple[int, int, str], error: type[Exception]
) -> None:
    served.fake.refuse = refusal
    with pytest.raises(error) as info:
        await coinex_rest.get_pending_orders(CREDS, served.url, clock=clock)
    assert isinstance(info.value, RequestError)


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ((502, b"<html>bad gateway</html>"), RequestError),
        ((200, b"<html>"), DecodeError),
        ((200, b'{"code":0,"data":{"nope":1},"message":"OK"}'), DecodeError),
    ],
)
async def test_answers_that_are_not_coinex_json(
    served: Served, raw: tuple[int, bytes], error: type[Exception]
) -> None:
    served.fake.raw = raw
    with pytest.raises(error):
        await coinex_rest.get_balances(CREDS, served.url, clock=clock)
