"""CoinEx socket API v2 public messages on the wire (spec A2, A4, A5), as msgspec Structs.

Pushes are objects tagged by ``method`` (``depth.update``, ``state.update`` ...) with
``"id": null``; answers carry the request's ``id`` with ``code`` (0 is success) and
``message``, and queries a ``data`` object. Every price and amount is a string: they decode
to exact ``Decimal`` (msgspec reads a Decimal from its text), except the depth levels,
which stay JSON text (``msgspec.Raw``, quotes included) because CoinEx's checksum is over
that text as received and the book's hot path reads it directly.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from spotstream.protocol.redact import redact_module

# --- answers ----------------------------------------------------------------------------------


class Response(msgspec.Struct, gc=False):
    """The answer to a request: ``code`` 0 is success; ``data`` is decoded per method."""

    id: int | None
    code: int
    message: str = ""
    data: msgspec.Raw = msgspec.Raw(b"")  # empty when absent


# --- pushes -----------------------------------------------------------------------------------


class Push(msgspec.Struct, tag_field="method", kw_only=True, gc=False):
    """Base of every push: tagged by ``method``, ``"id": null``."""

    id: None = None


class DepthLevel(msgspec.Struct, array_like=True, gc=False):
    price: msgspec.Raw
    qty: msgspec.Raw


class Depth(msgspec.Struct, gc=False):
    asks: list[DepthLevel]
    bids: list[DepthLevel]
    checksum: int | str  # a signed 32-bit integer, sent above 2^31, negative or as text
    last: Decimal | None = None
    updated_at: int | None = None  # ms


class DepthData(msgspec.Struct, gc=False):
    market: str
    is_full: bool
    depth: Depth


class DepthUpdate(Push, tag="depth.update"):
    data: DepthData


class MarketState(msgspec.Struct, gc=False):
    """A market's 24-hour ticker."""

    market: str
    last: Decimal
    open: Decimal
    close: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal  # base asset
    value: Decimal  # quote asset
    volume_sell: Decimal | None = None  # taker sell volume (spec A5.1: the docs conflict)
    volume_buy: Decimal | None = None
    period: int = 86400


class StateData(msgspec.Struct, gc=False):
    state_list: list[MarketState]


class StateUpdate(Push, tag="state.update"):
    data: StateData


class Deal(msgspec.Struct, gc=False):
    deal_id: int
    created_at: int  # ms
    side: str  # the taker's: buy / sell
    price: Decimal
    amount: Decimal


class DealsData(msgspec.Struct, gc=False):
    market: str
    deal_list: list[Deal]


class DealsUpdate(Push, tag="deals.update"):
    data: DealsData


class BboData(msgspec.Struct, gc=False):
    market: str
    updated_at: int
    best_bid_price: Decimal
    best_bid_size: Decimal
    best_ask_price: Decimal
    best_ask_size: Decimal


class BboUpdate(Push, tag="bbo.update"):
    data: BboData


class IndexData(msgspec.Struct, omit_defaults=True, gc=False):
    market: str
    index_price: Decimal
    mark_price: Decimal | None = None  # futures only


class IndexUpdate(Push, tag="index.update"):
    data: IndexData


# --- requests ---------------------------------------------------------------------------------


class Request(msgspec.Struct):
    method: str
    params: dict[str, Any]
    id: int


RESPONSE_DECODER = msgspec.json.Decoder(Response)
ENCODER = msgspec.json.Encoder()


class ServerTime(msgspec.Struct, gc=False):
    """``server.time``'s ``data`` (spec A4: UNCONFIRMED shape; only ``timestamp`` is read)."""

    timestamp: int  # ms


class MaintenanceWindow(msgspec.Struct, gc=False):
    """One entry of ``notice.update`` (CoinEx.Net's ``CoinExMaintenance``); times in ms."""

    started_at: int
    ended_at: int
    scope: list[str] | str = msgspec.field(default_factory=list)
    protect_duration_start: int | None = None
    protect_duration_end: int | None = None


class NoticeUpdate(Push, tag="notice.update"):
    """Maintenance notices. The ``data`` layout is UNCONFIRMED (spec A5.6): a bare list of
    windows, or an object holding the list, are both read."""

    data: list[MaintenanceWindow] | dict[str, list[MaintenanceWindow]]


TIME_DECODER = msgspec.json.Decoder(ServerTime)

PublicPush = DepthUpdate | StateUpdate | DealsUpdate | BboUpdate | IndexUpdate | NoticeUpdate
"""The public pushes, told apart by ``method``."""
PUSH_DECODER = msgspec.json.Decoder(PublicPush)


redact_module(globals())
