"""CoinEx socket API v2 public messages -> the exchange-neutral models (one small function
per message type). Times are CoinEx's integer milliseconds, as exact UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from spotstream.errors import DecodeError
from spotstream.models.enums import OrderSide
from spotstream.models.market import IndexPrice, Maintenance, Spread, Ticker, Trade
from spotstream.protocol.coinex.v2 import wire

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SIDES = {"buy": OrderSide.BUY, "sell": OrderSide.SELL}


_MILLIS = tuple(timedelta(0, 0, 0, n) for n in range(1000))
_last_second: tuple[int, datetime] = (0, _EPOCH)  # the latest whole second made, in ms


def millis(ms: int) -> datetime:
    """CoinEx's epoch milliseconds as a UTC datetime; :class:`DecodeError` if out of range.

    The hot path of every depth push: the datetime of the whole second is kept (pushes come
    many a second), so a push costs one addition of a ready timedelta. One tuple, replaced
    whole: a thread reads a pair that belongs together. The result is exactly
    ``_EPOCH + timedelta(milliseconds=ms)`` (a datetime's range ends on whole seconds, so
    the second is in range whenever the result is)."""
    rem = ms % 1000
    second = ms - rem
    global _last_second
    last = _last_second
    if last[0] != second:
        try:
            last = _last_second = (second, _EPOCH + timedelta(0, 0, 0, second))
        except (OverflowError, ValueError):
            raise DecodeError(f"not a timestamp: {ms}") from None
    return last[1] + _MILLIS[rem]


def side(name: str) -> OrderSide:
    try:
        return _SIDES[name]
    except KeyError:
        raise DecodeError(f"not a side: {name!r}") from None


def ticker(state: wire.MarketState) -> Ticker:
    return Ticker(
        symbol=state.market,
        bid=None,
        bid_qty=None,
        ask=None,
        ask_qty=None,
        last=state.last,
        volume=state.volume,
        vwap=None,
        low=state.low,
        high=state.high,
        change=state.last - state.open,
        change_pct=None,
        open=state.open,
        close=state.close,
        value=state.value,
        taker_buy_volume=state.volume_buy,
        taker_sell_volume=state.volume_sell,
    )


def trade(market: str, deal: wire.Deal) -> Trade:
    return Trade(
        symbol=market,
        side=side(deal.side),
        price=deal.price,
        qty=deal.amount,
        ord_type="",  # CoinEx does not say
        trade_id=deal.deal_id,
        timestamp=millis(deal.created_at),
    )


def bbo(data: wire.BboData) -> Spread:
    return Spread(
        symbol=data.market,
        bid=data.best_bid_price,
        ask=data.best_ask_price,
        bid_qty=data.best_bid_size,
        ask_qty=data.best_ask_size,
        timestamp=millis(data.updated_at),
    )


def index(data: wire.IndexData) -> IndexPrice:
    return IndexPrice(data.market, data.index_price, data.mark_price)


def maintenance(window: wire.MaintenanceWindow) -> Maintenance:
    scope = (window.scope,) if isinstance(window.scope, str) else tuple(window.scope)
    start, end = window.protect_duration_start, window.protect_duration_end
    return Maintenance(
        start=millis(window.started_at),
        end=millis(window.ended_at),
        scope=scope,
        protect_start=millis(start) if start else None,
        protect_end=millis(end) if end else None,
    )
