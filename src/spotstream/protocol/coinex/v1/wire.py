"""CoinEx socket API v1 on the wire (spec B2-B5), as msgspec Structs: the legacy JSON-RPC
style of viabtc's access server.

Requests are ``{"method", "params": [...], "id"}`` (params an **array**); answers
``{"error": null | {"code", "message"}, "result", "id"}``; pushes ``{"method": "x.update",
"params": [...], "id": null}``, told apart by ``method``. Prices and amounts are strings
(exact ``Decimal``); times are epoch seconds as JSON numbers with decimals (read exactly as
``Decimal``), except depth's ``time`` (ms) and a candle's (whole seconds). Depth levels stay
JSON text: the checksum is over the text as received (v2's :class:`Depth` with v1's ``time``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from spotstream.protocol.coinex.v1.deals import DealV1
from spotstream.protocol.coinex.v2.wire import Depth
from spotstream.protocol.redact import redact_module

# --- answers ----------------------------------------------------------------------------------


class ErrorBody(msgspec.Struct, gc=False):
    code: int
    message: str = ""


class Response(msgspec.Struct, gc=False):
    """The answer to a request: ``error`` null is success; ``result`` is read per method."""

    id: int | None
    error: ErrorBody | None = None
    result: msgspec.Raw = msgspec.Raw(b"null")


class Request(msgspec.Struct):
    method: str
    params: list[Any]
    id: int


# --- market data ------------------------------------------------------------------------------


class DepthV1(Depth, gc=False):
    """A depth object (``depth.query``'s result, ``depth.update``'s ``params[1]``)."""

    time: int | None = None  # ms


class MarketStateV1(msgspec.Struct, omit_defaults=True, gc=False):
    """A market's ticker over ``period`` seconds (``state.query``; ``state.update`` adds the
    taker totals), in the documented field order: the client reads it, the simulator
    writes it."""

    close: Decimal
    deal: Decimal  # quote asset
    high: Decimal
    last: Decimal
    low: Decimal
    open: Decimal
    period: int
    volume: Decimal  # base asset
    sell_total: Decimal | None = None  # taker volumes (later versions of the feed)
    buy_total: Decimal | None = None


KlineRow = tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal, Decimal, str]
"""time (s), open, close, high, low, volume (base), amount (quote), market: close before high."""


class Push(msgspec.Struct, tag_field="method", kw_only=True, gc=False):
    id: None = None


class DepthPush(Push, tag="depth.update"):
    params: tuple[bool, DepthV1, str]  # clean (a full book), depth, market


class StatePush(Push, tag="state.update"):
    params: tuple[dict[str, MarketStateV1]]


class DealsPush(Push, tag="deals.update"):
    params: tuple[str, list[DealV1]]  # market, deals newest first


class KlinePush(Push, tag="kline.update"):
    params: list[KlineRow]


# --- the account ------------------------------------------------------------------------------


class AssetV1(msgspec.Struct, gc=False):
    available: Decimal
    frozen: Decimal


class OrderV1(msgspec.Struct, gc=False):
    """An order as v1 tells it (``order.update``, ``order.query``'s records)."""

    id: int
    type: int  # 1 limit, 2 market
    side: int  # 1 sell, 2 buy
    market: str
    price: Decimal
    amount: Decimal
    left: Decimal
    deal_stock: Decimal  # filled, base asset
    deal_money: Decimal  # filled, quote asset
    ctime: Decimal  # epoch seconds
    mtime: Decimal
    client_id: str | None = ""
    option: int = 0
    deal_fee: Decimal | None = None
    fee_asset: str | None = None
    last_deal_amount: Decimal = Decimal(0)
    last_deal_price: Decimal = Decimal(0)
    last_deal_time: Decimal = Decimal(0)
    last_deal_id: int = 0
    last_role: int = 0  # 1 maker, 2 taker
    stop_id: int = 0


class AssetPush(Push, tag="asset.update"):
    params: tuple[dict[str, AssetV1]]


class OrderPush(Push, tag="order.update"):
    params: tuple[int, OrderV1]  # event (1 put, 2 update, 3 finish), the order


class OrderPage(msgspec.Struct, gc=False):
    """``order.query``'s result."""

    records: list[OrderV1]
    offset: int = 0
    limit: int = 0
    total: int = 0


PublicPush = DepthPush | StatePush | DealsPush | KlinePush
PrivatePush = AssetPush | OrderPush
PUBLIC_DECODER = msgspec.json.Decoder(PublicPush)
PRIVATE_DECODER = msgspec.json.Decoder(PrivatePush)
RESPONSE_DECODER = msgspec.json.Decoder(Response)
ENCODER = msgspec.json.Encoder()


redact_module(globals())
