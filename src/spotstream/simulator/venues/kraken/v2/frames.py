"""Kraken v2 frames other than book updates, built from the wire Structs of
:mod:`spotstream.protocol.kraken.v2.wire` and written by the simulator's :data:`ENCODER`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Literal

import msgspec

from spotstream.protocol.kraken.v2 import wire
from spotstream.simulator.framing import (
    ENCODER,
    NumberStyle,
    PairNumbers,
    WireDecimal,
    amount,
    number,
    timestamp,
)
from spotstream.simulator.market.instruments import AssetSpec, InstrumentSpec
from spotstream.simulator.market.state import DeepBook, SymbolMarket
from spotstream.simulator.market.stats import NS_PER_MINUTE, Candle, TapeTrade

API_VERSION = "v2"
ENGINE_VERSION = "2.0.10"
HEARTBEAT = ENCODER.encode(wire.HeartbeatMessage())
OHLC_WARNINGS = ["timestamp is deprecated, use interval_begin"]
INSTRUMENT_WARNINGS = ["tick_size is deprecated, use price_increment"]


class _MethodlessError(msgspec.Struct, omit_defaults=True):
    """The answer to a request whose method cannot be read (not JSON, or no ``method``)."""

    error: str
    success: bool
    time_in: datetime
    time_out: datetime
    req_id: int | None = None


SystemStateText = Literal["online", "maintenance", "cancel_only", "post_only"]


def status(connection_id: int, system: SystemStateText = "online") -> bytes:
    item = wire.StatusWire(API_VERSION, system, ENGINE_VERSION, connection_id)
    return ENCODER.encode(wire.StatusMessage(type="update", data=[item]))


def pong(req_id: int | None, time_in: int, time_out: int) -> bytes:
    return ENCODER.encode(
        wire.Response("pong", req_id, time_in=timestamp(time_in), time_out=timestamp(time_out))
    )


def ack(
    method: str, req_id: int | None, result: wire.SubscribeResult, time_in: int, time_out: int
) -> bytes:
    return ENCODER.encode(
        wire.Response(
            method,
            req_id,
            success=True,
            result=msgspec.Raw(ENCODER.encode(result)),
            time_in=timestamp(time_in),
            time_out=timestamp(time_out),
        )
    )


def error(
    method: str | None,
    req_id: int | None,
    text: str,
    time_in: int,
    time_out: int,
    symbol: str | None = None,
) -> bytes:
    if method is None:
        return ENCODER.encode(
            _MethodlessError(text, False, timestamp(time_in), timestamp(time_out), req_id)
        )
    return ENCODER.encode(
        wire.Response(
            method,
            req_id,
            success=False,
            error=text,
            symbol=symbol,
            time_in=timestamp(time_in),
            time_out=timestamp(time_out),
        )
    )


# --- market data ---------------------------------------------------------------------------


def ticker(
    market: SymbolMarket, numbers: PairNumbers, kind: wire.MessageType, now_ns: int
) -> bytes:
    book: DeepBook = market.book
    bid, bid_qty, ask, ask_qty = book.bbo()
    stats = market.ticker
    price = numbers.price_number
    item = wire.TickerWire(
        symbol=market.symbol,
        bid=price(-bid),
        bid_qty=numbers.qty_number(bid_qty),
        ask=price(ask),
        ask_qty=numbers.qty_number(ask_qty),
        last=price(stats.last),
        volume=numbers.qty_number(stats.volume),
        vwap=price(stats.vwap),
        low=price(stats.low),
        high=price(stats.high),
        change=price(stats.change),
        change_pct=number(stats.change_pct_hundredths, 2, numbers.style),
        timestamp=timestamp(now_ns),
    )
    return ENCODER.encode(wire.TickerMessage(type=kind, data=[item]))


def trades(
    symbol: str, items: Iterable[TapeTrade], numbers: PairNumbers, kind: wire.MessageType
) -> bytes:
    data = [
        wire.TradeWire(
            symbol=symbol,
            side=t.side,
            price=numbers.price_number(t.price),
            qty=numbers.qty_number(t.qty),
            ord_type=t.ord_type,
            trade_id=t.trade_id,
            timestamp=timestamp(t.time_ns),
        )
        for t in items
    ]
    return ENCODER.encode(wire.TradeMessage(type=kind, data=data))


def ohlc(
    symbol: str,
    candles: Iterable[Candle],
    numbers: PairNumbers,
    kind: wire.MessageType,
    now_ns: int,
) -> bytes:
    price = numbers.price_number
    data = [
        wire.OhlcWire(
            symbol=symbol,
            open=price(c.open),
            high=price(c.high),
            low=price(c.low),
            close=price(c.close),
            trades=c.trades,
            volume=numbers.qty_number(c.volume),
            vwap=price(c.vwap),
            interval_begin=timestamp(c.begin_ns, 9),
            interval=c.minutes,
            timestamp=timestamp(c.begin_ns + c.minutes * NS_PER_MINUTE),
        )
        for c in candles
    ]
    return ENCODER.encode(wire.OhlcMessage(type=kind, data=data, timestamp=timestamp(now_ns, 9)))


# --- instrument ----------------------------------------------------------------------------


def instrument(
    assets: Iterable[AssetSpec], pairs: Iterable[InstrumentSpec], style: NumberStyle
) -> bytes:
    data = wire.InstrumentData(
        assets=[_asset(a, style) for a in assets], pairs=[_pair(p, style) for p in pairs]
    )
    return ENCODER.encode(wire.InstrumentMessage(type="snapshot", data=data))


def _asset(asset: AssetSpec, style: NumberStyle) -> wire.AssetWire:
    return wire.AssetWire(
        id=asset.id,
        status=asset.status,
        precision=asset.precision,
        precision_display=asset.precision_display,
        borrowable=asset.borrowable,
        collateral_value=_decimal(asset.collateral_value, style),
        margin_rate=_decimal(asset.margin_rate, style) if asset.margin_rate is not None else None,
    )


def _pair(pair: InstrumentSpec, style: NumberStyle) -> wire.PairWire:
    tick = number(pair.tick, pair.price_precision, style)
    margin = pair.margin_initial
    return wire.PairWire(
        symbol=pair.symbol,
        base=pair.base,
        quote=pair.quote,
        status=pair.status,
        qty_precision=pair.qty_precision,
        qty_increment=number(1, pair.qty_precision, style),
        qty_min=number(pair.qty_min_units, pair.qty_precision, style),
        price_precision=pair.price_precision,
        price_increment=tick,
        cost_precision=pair.cost_precision,
        cost_min=_decimal(pair.cost_min, style),
        marginable=pair.marginable,
        has_index=True,
        tick_size=tick,
        margin_initial=_decimal(margin, style) if margin is not None else None,
        position_limit_long=pair.position_limit_long,
        position_limit_short=pair.position_limit_short,
    )


def _decimal(value: Decimal, style: NumberStyle) -> WireDecimal:
    """A configured Decimal: shortest form, or as written in the configuration (fixed)."""
    if style == "shortest":
        return amount(value)
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return number(int(value.scaleb(places)), places, "fixed") if places else amount(value)
