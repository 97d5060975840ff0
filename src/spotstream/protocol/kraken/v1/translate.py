"""Kraken v1 wire models -> the user models v2 gives too (one function per message type).

Models carry the v2 spelling of a pair (``BTC/USD``, not v1's ``XBT/USD``). Where v1 sends
less than v2, the rest is derived exactly: a ticker's 24-hour ``change`` is its last price
minus the 24-hour open, ``change_pct`` that change in percent of the open (rounded half even
to 2 decimals, as v2 sends it); a candle's start is its end minus the interval. v1 trades
carry no id (``trade_id`` is ``None``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from spotstream.errors import DecodeError
from spotstream.models.enums import OrderSide, SystemState
from spotstream.models.market import Kline, Spread, SystemStatus, Ticker, Trade
from spotstream.protocol.kraken.v1 import wire

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")
_SIDES = {"b": OrderSide.BUY, "s": OrderSide.SELL}
_ORDER_TYPES = {"l": "limit", "m": "market"}


def epoch(seconds: Decimal) -> datetime:
    """Kraken's epoch seconds (``"1534614057.321597"``) as an exact UTC datetime (µs)."""
    try:
        micros = int((seconds * 1_000_000).to_integral_exact())
    except (InvalidOperation, OverflowError, ValueError):
        raise DecodeError(f"not a timestamp: {seconds}") from None
    if micros < 0:
        raise DecodeError(f"not a timestamp: {seconds}")
    try:
        return _EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        raise DecodeError(f"not a timestamp: {seconds}") from None


def status(w: wire.SystemStatusEvent) -> SystemStatus:
    return SystemStatus(
        system=SystemState(w.status),
        api_version="v1",
        version=w.version,
        connection_id=w.connection_id,
    )


def ticker(symbol: str, w: wire.TickerPayload) -> Ticker:
    last, opened = w.c[0], w.o.last_24h
    change = last - opened
    pct = (change * _HUNDRED / opened).quantize(_CENT) if opened else Decimal(0)
    return Ticker(
        symbol=symbol,
        bid=w.b.price,
        bid_qty=w.b.lot_volume,
        ask=w.a.price,
        ask_qty=w.a.lot_volume,
        last=last,
        volume=w.v.last_24h,
        vwap=w.p.last_24h,
        low=w.l.last_24h,
        high=w.h.last_24h,
        change=change,
        change_pct=pct,
    )


def trade(symbol: str, w: wire.TradeRow) -> Trade:
    side = _SIDES.get(w.side)
    if side is None:
        raise DecodeError(f"trade side {w.side!r} is neither b nor s")
    return Trade(
        symbol=symbol,
        side=side,
        price=w.price,
        qty=w.volume,
        ord_type=_ORDER_TYPES.get(w.order_type, w.order_type),
        trade_id=None,
        timestamp=epoch(w.time),
    )


def spread(symbol: str, w: wire.SpreadRow) -> Spread:
    return Spread(
        symbol=symbol,
        bid=w.bid,
        ask=w.ask,
        bid_qty=w.bid_volume,
        ask_qty=w.ask_volume,
        timestamp=epoch(w.timestamp),
    )


def kline(symbol: str, interval: int, w: wire.OhlcRow) -> Kline:
    return Kline(
        symbol=symbol,
        open=w.open,
        high=w.high,
        low=w.low,
        close=w.close,
        trades=w.count,
        volume=w.volume,
        vwap=w.vwap,
        interval_begin=epoch(w.end_time) - timedelta(minutes=interval),
        interval=interval,
    )
