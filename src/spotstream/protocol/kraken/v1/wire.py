"""Kraken WebSocket v1 (1.9) wire models: the control objects, the data arrays, the requests.

Control messages are JSON objects tagged by ``event``; data messages are JSON arrays,
``[channelID, payload..., channelName, pair]`` (public) or ``[payload, channelName,
{"sequence": N}]`` (private). Every decimal, timestamps included, is a quoted string;
array payloads decode into ``array_like`` Structs with exact ``Decimal`` fields (msgspec reads
a JSON string or number into a Decimal from its text, never through a float).

Books have a second model, :class:`BookArray`: their numbers stay JSON text
(``msgspec.Raw``, quotes included) for the book's scaled-integer hot path; the typed
reference model of a book message is :func:`spotstream.protocol.kraken.v1.book.read_book_message`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from spotstream.protocol.redact import redact_module

# --- control messages (objects tagged by "event") -------------------------------------------


class _Event(msgspec.Struct, tag_field="event", omit_defaults=True, gc=False):
    pass


class SystemStatusEvent(_Event, tag="systemStatus"):
    status: str
    version: str = ""
    connection_id: int | None = msgspec.field(default=None, name="connectionID")


class HeartbeatEvent(_Event, tag="heartbeat"):
    pass


class PongEvent(_Event, tag="pong"):
    reqid: int | None = None


class Subscription(msgspec.Struct, omit_defaults=True):
    """The ``subscription`` object of requests and of ``subscriptionStatus``."""

    name: str
    depth: int | None = None
    interval: int | None = None
    token: str | None = None
    snapshot: bool | None = None
    ratecounter: bool | None = None
    consolidate_taker: bool | None = None
    rebased: bool | None = None
    maxratecount: int | None = None


class SubscriptionStatusEvent(_Event, tag="subscriptionStatus"):
    status: str  # subscribed, unsubscribed, error (ok: UNCONFIRMED, read as subscribed)
    channel_name: str | None = msgspec.field(default=None, name="channelName")
    pair: str | None = None
    reqid: int | None = None
    subscription: Subscription | None = None
    error_message: str | None = msgspec.field(default=None, name="errorMessage")
    channel_id: int | None = msgspec.field(default=None, name="channelID")


class ErrorEvent(_Event, tag="error"):
    """``{"event":"error","errorMessage":...}`` (an unknown event; UNCONFIRMED envelope)."""

    error_message: str = msgspec.field(default="", name="errorMessage")
    reqid: int | None = None


PublicEvent = SystemStatusEvent | HeartbeatEvent | PongEvent | SubscriptionStatusEvent | ErrorEvent


class AnyEvent(msgspec.Struct, gc=False):
    """Any control object: its ``event`` and ``reqid``, to route what no model matched."""

    event: str | None = None
    reqid: int | None = None
    error_message: str | None = msgspec.field(default=None, name="errorMessage")


# --- public data arrays ---------------------------------------------------------------------


class PriceVolume(msgspec.Struct, array_like=True, gc=False):
    """``[price, wholeLotVolume, lotVolume]`` (a ticker's best ask or bid)."""

    price: Decimal
    whole_lot_volume: int
    lot_volume: Decimal


class TodayDay(msgspec.Struct, array_like=True, gc=False):
    """``[today, last 24 hours]``."""

    today: Decimal
    last_24h: Decimal


class TickerPayload(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    a: PriceVolume  # best ask
    b: PriceVolume  # best bid
    c: tuple[Decimal, Decimal]  # last trade: price, lot volume
    v: TodayDay  # volume
    p: TodayDay  # volume-weighted average price
    t: tuple[int, int]  # number of trades
    l: TodayDay  # noqa: E741 - Kraken's key: low
    h: TodayDay  # high
    o: TodayDay  # open


class TradeRow(msgspec.Struct, array_like=True, gc=False):
    price: Decimal
    volume: Decimal
    time: Decimal  # epoch seconds, µs
    side: str  # b / s: the taker's side
    order_type: str  # m / l: the taker's order type
    misc: str = ""


class SpreadRow(msgspec.Struct, array_like=True, gc=False):
    bid: Decimal
    ask: Decimal
    timestamp: Decimal
    bid_volume: Decimal
    ask_volume: Decimal


class OhlcRow(msgspec.Struct, array_like=True, gc=False):
    time: Decimal  # of the last update
    end_time: Decimal  # the end of the interval
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    vwap: Decimal
    volume: Decimal
    count: int


TickerArray = tuple[int, TickerPayload, str, str]
TradeArray = tuple[int, list[TradeRow], str, str]
SpreadArray = tuple[int, SpreadRow, str, str]
OhlcArray = tuple[int, OhlcRow, str, str]


class BookLevelText(msgspec.Struct, array_like=True, gc=False):
    """``[price, volume, timestamp]`` or ``[..., "r"]``; the numbers as JSON text."""

    price: msgspec.Raw
    qty: msgspec.Raw
    timestamp: msgspec.Raw
    republished: str | None = None


class BookPayload(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    """One object of a book message: a snapshot's ``as``/``bs``, an update's ``a``/``b``
    (in one object or two), ``c`` the checksum (in the last object of an update)."""

    snapshot_asks: list[BookLevelText] | None = msgspec.field(default=None, name="as")
    snapshot_bids: list[BookLevelText] | None = msgspec.field(default=None, name="bs")
    asks: list[BookLevelText] | None = msgspec.field(default=None, name="a")
    bids: list[BookLevelText] | None = msgspec.field(default=None, name="b")
    checksum: str | None = msgspec.field(default=None, name="c")


BookArray = list[int | str | BookPayload]
"""A book message: ``[channelID, BookPayload, (BookPayload,) "book-N", pair]``."""


class BookUpdatePayload(msgspec.Struct, gc=False, forbid_unknown_fields=True):
    """One object of a book *update* (the hot path's model: no snapshot keys)."""

    asks: list[BookLevelText] | None = msgspec.field(default=None, name="a")
    bids: list[BookLevelText] | None = msgspec.field(default=None, name="b")
    checksum: str | None = msgspec.field(default=None, name="c")


BookUpdate = tuple[int, BookUpdatePayload, str, str]
"""The usual update: one object with either side or both and the checksum."""
BookUpdateTwo = tuple[int, BookUpdatePayload, BookUpdatePayload, str, str]
"""An update whose asks and bids come in two objects (the checksum in the second)."""

# --- requests -------------------------------------------------------------------------------


class SubscribeRequest(msgspec.Struct, omit_defaults=True):
    event: str  # subscribe / unsubscribe
    reqid: int
    subscription: Subscription
    pair: list[str] | None = None


class PingRequest(msgspec.Struct):
    reqid: int
    event: str = "ping"


ENCODER = msgspec.json.Encoder()
EVENT_DECODER: msgspec.json.Decoder[PublicEvent] = msgspec.json.Decoder(PublicEvent)
ANY_EVENT_DECODER = msgspec.json.Decoder(AnyEvent)
BOOK_DECODER = msgspec.json.Decoder(BookArray)
BOOK_UPDATE_DECODER = msgspec.json.Decoder(BookUpdate)
BOOK_UPDATE_TWO_DECODER = msgspec.json.Decoder(BookUpdateTwo)
ARRAY_DECODER: msgspec.json.Decoder[list[Any]] = msgspec.json.Decoder(list[Any])
TICKER_DECODER = msgspec.json.Decoder(TickerArray)
TRADE_DECODER = msgspec.json.Decoder(TradeArray)
SPREAD_DECODER = msgspec.json.Decoder(SpreadArray)
OHLC_DECODER = msgspec.json.Decoder(OhlcArray)


redact_module(globals())
