"""Kraken v1 market data arrays (ticker, trade, spread, ohlc) -> channel events.

Each function decodes one frame of its channel with the channel's typed decoder (exact
``Decimal`` values) and returns its :class:`ChannelData`, keyed by the pair's v2 spelling.
v1 says nothing of snapshots here: every message is an update.
"""

from __future__ import annotations

from spotstream.errors import DecodeError
from spotstream.models.enums import EventKind
from spotstream.protocol.events import ChannelData, Event
from spotstream.protocol.kraken.symbols import to_v2 as canonical
from spotstream.protocol.kraken.v1 import translate, wire

OHLC_PREFIX = "ohlc-"


def ticker(frame: bytes | str) -> list[Event]:
    _, payload, _, pair = wire.TICKER_DECODER.decode(frame)
    symbol = canonical(pair)
    items: list[object] = [translate.ticker(symbol, payload)]
    return [ChannelData(("ticker", symbol, None), EventKind.UPDATE, items, frame)]


def trade(frame: bytes | str) -> list[Event]:
    _, rows, _, pair = wire.TRADE_DECODER.decode(frame)
    symbol = canonical(pair)
    items: list[object] = [translate.trade(symbol, row) for row in rows]
    return [ChannelData(("trade", symbol, None), EventKind.UPDATE, items, frame)]


def spread(frame: bytes | str) -> list[Event]:
    _, row, _, pair = wire.SPREAD_DECODER.decode(frame)
    symbol = canonical(pair)
    items: list[object] = [translate.spread(symbol, row)]
    return [ChannelData(("spread", symbol, None), EventKind.UPDATE, items, frame)]


def ohlc(frame: bytes | str) -> list[Event]:
    _, row, name, pair = wire.OHLC_DECODER.decode(frame)
    minutes = interval(name)
    symbol = canonical(pair)
    items: list[object] = [translate.kline(symbol, minutes, row)]
    return [ChannelData(("ohlc", symbol, minutes), EventKind.UPDATE, items, frame)]


def interval(name: str) -> int:
    """The interval of an ``ohlc-<minutes>`` channel name."""
    text = name.removeprefix(OHLC_PREFIX)
    if not text.isdigit():
        raise DecodeError(f"bad ohlc channel name {name!r}")
    return int(text)
