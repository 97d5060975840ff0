"""CoinEx socket API v1 messages the simulator sends (spec B2-B5): JSON-RPC-like answers,
pushes, and the v1 objects inside them.

The wire shapes live here, in the simulator (the client's protocol layer is written apart).
Every function returns the JSON of one message; :func:`frame` wraps it in the **text**
websocket frame v1 sends (plain JSON, no gzip). Prices and amounts are strings with the
market's fixed decimals (:mod:`~spotstream.simulator.venues.coinex.markets`); times are float
seconds, except depth ``time`` (ms) and kline times (int seconds), as v1 writes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import msgspec

from spotstream.simulator.framing import WireDecimal, ws_frame
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.venues.coinex.markets import ENCODER, MarketNumbers

NS_PER_S = 1_000_000_000
NS_PER_MS = 1_000_000

# error codes and texts (spec B2: viabtc accessws)
INVALID_ARGUMENT = (1, "invalid argument")
INTERNAL_ERROR = (2, "internal error")
SERVICE_UNAVAILABLE = (3, "service unavailable")
METHOD_NOT_FOUND = (4, "method not found")
SERVICE_TIMEOUT = (5, "service timeout")
REQUIRE_AUTH = (6, "require authentication")
# viabtc's aw_sign.c answers a refused server.sign with code 11 and the sign backend's text
SIGNATURE_INCORRECT = (11, "signature incorrect")
TONCE_EXPIRED = (11, "tonce out of range")
TOO_MANY_REQUESTS = (23002, "too many requests")  # v2's throttle code (v1's is not known)

SUCCESS = {"status": "success"}


class _Error(msgspec.Struct):
    code: int
    message: str


class _Answer(msgspec.Struct):
    error: _Error | None
    result: Any
    id: int | None


class _Push(msgspec.Struct):
    method: str
    params: list[Any]
    id: None = None


class Depth(msgspec.Struct):
    asks: list[tuple[msgspec.Raw, msgspec.Raw]]
    bids: list[tuple[msgspec.Raw, msgspec.Raw]]
    last: WireDecimal
    time: int  # ms
    checksum: int  # unsigned


class Deal(msgspec.Struct):
    id: int
    time: float  # seconds
    type: str  # the taker's side
    price: WireDecimal
    amount: WireDecimal


class Balance(msgspec.Struct):
    available: Decimal
    frozen: Decimal


class Order(msgspec.Struct):
    """A v1 order (spec B5), in the documented field order."""

    id: int
    type: int  # 1 limit, 2 market
    side: int  # 1 sell, 2 buy
    user: int
    account: int
    option: int
    ctime: float
    mtime: float
    market: str
    source: str
    client_id: str
    price: Decimal
    amount: Decimal
    taker_fee: Decimal
    maker_fee: Decimal
    left: Decimal
    deal_stock: Decimal
    deal_money: Decimal
    deal_fee: Decimal
    money_fee: Decimal
    stock_fee: Decimal
    asset_fee: Decimal
    fee_discount: Decimal
    fee_asset: str | None
    last_deal_amount: Decimal
    last_deal_price: Decimal
    last_deal_time: float
    last_deal_id: int
    last_role: int  # 0 none, 1 maker, 2 taker
    stop_id: int


def frame(payload: bytes) -> bytes:
    return ws_frame(payload)


def ok(request_id: int | None, result: Any) -> bytes:
    return ENCODER.encode(_Answer(None, result, request_id))


def error(request_id: int | None, code: tuple[int, str]) -> bytes:
    return ENCODER.encode(_Answer(_Error(*code), None, request_id))


def push(method: str, params: list[Any]) -> bytes:
    return ENCODER.encode(_Push(method, params))


def seconds(ns: int) -> float:
    """A v1 time: float seconds (microseconds kept)."""
    return round(ns / NS_PER_S, 6)


def deal(trade: TapeTrade, numbers: MarketNumbers) -> Deal:
    return Deal(
        id=trade.trade_id,
        time=seconds(trade.time_ns),
        type=trade.side,
        price=numbers.price(trade.price),
        amount=numbers.amount(trade.qty),
    )


def deals(trades: Iterable[TapeTrade], numbers: MarketNumbers) -> list[Deal]:
    """``trades`` (given oldest first) newest first."""
    return [deal(trade, numbers) for trade in reversed(list(trades))]


def levels(raw: Sequence[tuple[bytes, bytes]]) -> list[tuple[msgspec.Raw, msgspec.Raw]]:
    return [(msgspec.Raw(b'"%b"' % p), msgspec.Raw(b'"%b"' % q)) for p, q in raw]
