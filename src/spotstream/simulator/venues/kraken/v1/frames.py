"""Kraken v1 frames other than book updates (spec §1-5), as msgspec Structs.

Control messages are JSON objects whose keys Kraken writes in alphabetical order (every
captured ``systemStatus``, ``subscriptionStatus``, ``pong`` and status answer); data messages
are arrays, ``[channelID, payload, channelName, pair]``, encoded from ``array_like`` Structs.
Every number is a string of the pair's fixed width (:mod:`.numbers`), except the counts and
whole-lot volumes Kraken sends as integers.
"""

from __future__ import annotations

from typing import Any

import msgspec

from spotstream.simulator.market.state import SymbolMarket
from spotstream.simulator.market.stats import NS_PER_MINUTE, Candle, TapeTrade
from spotstream.simulator.venues.kraken.v1.numbers import V1Numbers, epoch_text

API_VERSION = "1.9.1"
_ENCODER = msgspec.json.Encoder(decimal_format="number")  # echoed request numbers


def encode(message: object) -> bytes:
    return _ENCODER.encode(message)


# --- control messages ------------------------------------------------------------------------


class SystemStatus(msgspec.Struct, kw_only=True, rename={"connection_id": "connectionID"}):
    connection_id: int
    event: str
    status: str
    version: str


class Pong(msgspec.Struct, kw_only=True, omit_defaults=True):
    event: str
    reqid: int | None = None


class Heartbeat(msgspec.Struct, kw_only=True):
    event: str


class EventError(msgspec.Struct, kw_only=True, omit_defaults=True, rename="camel"):
    """An answer to a request whose event cannot be served (UNCONFIRMED envelope)."""

    error_message: str
    event: str
    reqid: int | None = None


class SubscriptionStatus(
    msgspec.Struct,
    kw_only=True,
    omit_defaults=True,
    rename={
        "channel_id": "channelID",
        "channel_name": "channelName",
        "error_message": "errorMessage",
    },
):
    """An ack (``subscribed``, ``unsubscribed``) or refusal (``error``), one per pair."""

    channel_id: int | None = None
    channel_name: str | None = None
    error_message: str | None = None
    event: str
    pair: str | None = None
    reqid: int | None = None
    status: str
    subscription: dict[str, Any] | None = None


def system_status(connection_id: int) -> bytes:
    return encode(
        SystemStatus(
            connection_id=connection_id, event="systemStatus", status="online", version=API_VERSION
        )
    )


def pong(reqid: int | None) -> bytes:
    return encode(Pong(event="pong", reqid=reqid))


def event_error(text: str, reqid: int | None = None) -> bytes:
    return encode(EventError(error_message=text, event="error", reqid=reqid))


def subscription_status(status: str, reqid: int | None, **fields: Any) -> bytes:
    """A ``subscriptionStatus`` (``fields``: the other keys of :class:`SubscriptionStatus`)."""
    return encode(
        SubscriptionStatus(event="subscriptionStatus", status=status, reqid=reqid, **fields)
    )


def sorted_object(value: dict[str, Any]) -> dict[str, Any]:
    """A request object echoed back as Kraken writes objects: keys in alphabetical order."""
    return {key: value[key] for key in sorted(value)}


HEARTBEAT = encode(Heartbeat(event="heartbeat"))


# --- market data -----------------------------------------------------------------------------


class TradeEntry(msgspec.Struct, array_like=True):
    price: str
    volume: str
    time: str
    side: str  # the taker's: "b" or "s"
    order_type: str  # the taker's: "l" or "m"
    misc: str = ""


class TradeMessage(msgspec.Struct, array_like=True):
    channel_id: int
    trades: list[TradeEntry]
    channel_name: str
    pair: str


class SpreadEntry(msgspec.Struct, array_like=True):
    bid: str
    ask: str
    timestamp: str
    bid_volume: str
    ask_volume: str


class SpreadMessage(msgspec.Struct, array_like=True):
    channel_id: int
    spread: SpreadEntry
    channel_name: str
    pair: str


class BestLevel(msgspec.Struct, array_like=True):
    price: str
    whole_lot_volume: int
    lot_volume: str


class LastTrade(msgspec.Struct, array_like=True):
    price: str
    lot_volume: str


class TickerData(msgspec.Struct):
    """Each pair of values is (today, last 24 hours): the simulated 24-hour window never
    rolls, so both are the same."""

    a: BestLevel
    b: BestLevel
    c: LastTrade
    v: tuple[str, str]
    p: tuple[str, str]
    t: tuple[int, int]
    l: tuple[str, str]  # noqa: E741  (Kraken's key)
    h: tuple[str, str]
    o: tuple[str, str]


class TickerMessage(msgspec.Struct, array_like=True):
    channel_id: int
    ticker: TickerData
    channel_name: str
    pair: str


class CandleEntry(msgspec.Struct, array_like=True):
    time: str  # the candle's last update
    etime: str  # the end of its interval
    open: str
    high: str
    low: str
    close: str
    vwap: str
    volume: str
    count: int


class OhlcMessage(msgspec.Struct, array_like=True):
    channel_id: int
    candle: CandleEntry
    channel_name: str
    pair: str


def trades(channel_id: int, pair: str, items: list[TapeTrade], numbers: V1Numbers) -> TradeMessage:
    entries = [
        TradeEntry(
            numbers.price(t.price),
            numbers.volume(t.qty),
            epoch_text(t.time_ns),
            "b" if t.side == "buy" else "s",
            "l" if t.ord_type == "limit" else "m",
        )
        for t in items
    ]
    return TradeMessage(channel_id, entries, "trade", pair)


def spread(
    channel_id: int, pair: str, market: SymbolMarket, numbers: V1Numbers, now_ns: int
) -> SpreadMessage:
    bid, bid_qty, ask, ask_qty = market.book.bbo()
    entry = SpreadEntry(
        numbers.price(-bid),
        numbers.price(ask),
        epoch_text(now_ns),
        numbers.volume(bid_qty),
        numbers.volume(ask_qty),
    )
    return SpreadMessage(channel_id, entry, "spread", pair)


def ticker(channel_id: int, pair: str, market: SymbolMarket, numbers: V1Numbers) -> TickerMessage:
    bid, bid_qty, ask, ask_qty = market.book.bbo()
    stats, price, volume = market.ticker, numbers.price, numbers.volume
    lot = 10**numbers.qty_places
    recent = market.tape.recent
    last_qty = recent[-1].qty if recent else 0

    def both(text: str) -> tuple[str, str]:
        return text, text

    data = TickerData(
        a=BestLevel(price(ask), ask_qty // lot, volume(ask_qty)),
        b=BestLevel(price(-bid), bid_qty // lot, volume(bid_qty)),
        c=LastTrade(price(stats.last), volume(last_qty)),
        v=both(volume(stats.volume)),
        p=both(price(stats.vwap)),
        t=(stats.trades, stats.trades),
        l=both(price(stats.low)),
        h=both(price(stats.high)),
        o=both(price(stats.open)),
    )
    return TickerMessage(channel_id, data, "ticker", pair)


def ohlc(
    channel_id: int, pair: str, candle: Candle, numbers: V1Numbers, channel_name: str
) -> OhlcMessage:
    price = numbers.price
    end = candle.begin_ns + candle.minutes * NS_PER_MINUTE
    entry = CandleEntry(
        time=epoch_text(candle.updated_ns or candle.begin_ns),
        etime=epoch_text(end),
        open=price(candle.open),
        high=price(candle.high),
        low=price(candle.low),
        close=price(candle.close),
        vwap=price(candle.vwap),
        volume=numbers.volume(candle.volume),
        count=candle.trades,
    )
    return OhlcMessage(channel_id, entry, channel_name, pair)
