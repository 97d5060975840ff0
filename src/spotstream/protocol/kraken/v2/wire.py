"""Kraken WebSocket v2 messages exactly as on the wire (see Kraken's WebSocket v2 reference).

Channel messages form one tagged union on ``channel`` so a frame is identified and decoded
in a single pass. Method responses keep ``result`` raw; it is decoded per method.
Fields the exchange may omit have defaults; unknown fields are ignored (forward compatible),
and the tests check that every field of every captured message is mapped here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

import msgspec

from spotstream.protocol.redact import redact_module

MessageType = Literal["snapshot", "update"]


class _Channel(msgspec.Struct, tag_field="channel", omit_defaults=True):
    pass


# --- connection-level ---------------------------------------------------------------------


class StatusWire(msgspec.Struct, omit_defaults=True):
    api_version: str
    system: Literal["online", "maintenance", "cancel_only", "post_only"]
    version: str
    connection_id: int | None = None


class StatusMessage(_Channel, tag="status"):
    type: MessageType
    data: list[StatusWire]


class HeartbeatMessage(_Channel, tag="heartbeat"):
    pass


# --- instrument ---------------------------------------------------------------------------


class AssetWire(msgspec.Struct, omit_defaults=True):
    id: str
    status: str
    precision: int
    precision_display: int
    borrowable: bool | None = None
    collateral_value: Decimal | None = None
    margin_rate: Decimal | None = None
    multiplier: Decimal | None = None


class PairWire(msgspec.Struct, omit_defaults=True):
    symbol: str
    base: str
    quote: str
    status: str
    qty_precision: int
    qty_increment: Decimal
    qty_min: Decimal
    price_precision: int
    price_increment: Decimal
    cost_precision: int | None = None
    cost_min: Decimal | None = None
    marginable: bool | None = None
    has_index: bool | None = None
    tick_size: Decimal | None = None
    margin_initial: Decimal | None = None
    position_limit_long: int | None = None
    position_limit_short: int | None = None
    tokenized: bool | None = None
    execution_venue: str | None = None


class InstrumentData(msgspec.Struct, omit_defaults=True):
    assets: list[AssetWire] = []
    pairs: list[PairWire] = []


class InstrumentMessage(_Channel, tag="instrument"):
    type: MessageType
    data: InstrumentData


# --- market data --------------------------------------------------------------------------


class TickerWire(msgspec.Struct, omit_defaults=True):
    symbol: str
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    last: Decimal
    volume: Decimal
    vwap: Decimal
    low: Decimal
    high: Decimal
    change: Decimal
    change_pct: Decimal
    timestamp: datetime | None = None


class TickerMessage(_Channel, tag="ticker"):
    type: MessageType
    data: list[TickerWire]


class TradeWire(msgspec.Struct, omit_defaults=True):
    symbol: str
    side: Literal["buy", "sell"]
    price: Decimal
    qty: Decimal
    ord_type: str
    trade_id: int
    timestamp: datetime


class TradeMessage(_Channel, tag="trade"):
    type: MessageType
    data: list[TradeWire]


class OhlcWire(msgspec.Struct, omit_defaults=True):
    symbol: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    trades: int
    volume: Decimal
    vwap: Decimal
    interval_begin: datetime
    interval: int
    timestamp: datetime | None = None  # deprecated by Kraken: the interval's end


class OhlcMessage(_Channel, tag="ohlc"):
    type: MessageType
    data: list[OhlcWire]
    timestamp: datetime | None = None


class BookLevelWire(msgspec.Struct, array_like=False):
    price: Decimal
    qty: Decimal


class BookWire(msgspec.Struct, omit_defaults=True):
    symbol: str
    bids: list[BookLevelWire]
    asks: list[BookLevelWire]
    checksum: int
    timestamp: datetime | None = None


class BookMessage(_Channel, tag="book"):
    type: MessageType
    data: list[BookWire]


# The same book schema with each number kept as its JSON text: the client's hot path turns
# that text straight into scaled integers (spotstream.book.units), exactly and without
# building a Decimal per number. ``BookMessage`` above is the typed reference model.


class BookLevelText(msgspec.Struct, gc=False):
    price: msgspec.Raw
    qty: msgspec.Raw


class BookTextWire(msgspec.Struct, omit_defaults=True):
    symbol: str
    bids: list[BookLevelText]
    asks: list[BookLevelText]
    checksum: int
    timestamp: datetime | None = None


class BookTextMessage(_Channel, tag="book"):
    type: MessageType
    data: list[BookTextWire]


ChannelMessage = (
    BookMessage
    | TickerMessage
    | TradeMessage
    | OhlcMessage
    | HeartbeatMessage
    | StatusMessage
    | InstrumentMessage
)
FastChannelMessage = (
    BookTextMessage
    | TickerMessage
    | TradeMessage
    | OhlcMessage
    | HeartbeatMessage
    | StatusMessage
    | InstrumentMessage
)

# --- method responses ---------------------------------------------------------------------


class Response(msgspec.Struct, omit_defaults=True):
    """Any method response; ``result`` is decoded per method (object or array)."""

    method: str
    req_id: int | None = None
    success: bool | None = None
    result: msgspec.Raw = msgspec.Raw()  # empty when absent (Raw cannot be in a union)
    error: str | None = None
    symbol: str | None = None  # on some subscribe failures
    status: str | None = None  # legacy field on some errors
    time_in: datetime | None = None
    time_out: datetime | None = None
    warnings: list[str] | None = None


class SubscribeResult(msgspec.Struct, omit_defaults=True):
    channel: str
    symbol: str | None = None
    snapshot: bool | None = None
    depth: int | None = None
    interval: int | None = None
    event_trigger: str | None = None
    warnings: list[str] | None = None
    maxratecount: int | None = None
    snap_orders: bool | None = None
    snap_trades: bool | None = None
    users: str | None = None


# --- requests -----------------------------------------------------------------------------


class SubscribeParams(msgspec.Struct, omit_defaults=True):
    channel: str
    symbol: list[str] | None = None
    depth: int | None = None
    interval: int | None = None
    event_trigger: str | None = None
    snapshot: bool | None = None
    token: str | None = None


class Request(msgspec.Struct, omit_defaults=True):
    method: str
    params: SubscribeParams | None = None
    req_id: int | None = None


CHANNEL_DECODER = msgspec.json.Decoder(ChannelMessage)
"""Every channel message into the typed models (book numbers as Decimal)."""
FAST_CHANNEL_DECODER = msgspec.json.Decoder(FastChannelMessage)
"""What the client runs per frame: as CHANNEL_DECODER, but book numbers stay JSON text."""
RESPONSE_DECODER = msgspec.json.Decoder(Response)
SUBSCRIBE_RESULT_DECODER = msgspec.json.Decoder(SubscribeResult)
ENCODER = msgspec.json.Encoder(decimal_format="number")


redact_module(globals())
