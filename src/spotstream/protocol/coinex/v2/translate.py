"""CoinEx socket API v2 public messages -> the exchange-neutral models (one small function
per message type). Times are CoinEx's integer milliseconds, as exact UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

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
    return market_ticker(
        state.market, state.last, state.open, state.close, state.high, state.low,
        state.volume, state.value, state.volume_buy, state.volume_sell,
    )  # fmt: skip


def market_ticker(
    market: str,
    last: Decimal,
    open_: Decimal,
    close: Decimal,
    high: Decimal,
    low: Decimal,
    volume: Decimal,
    value: Decimal,
    taker_buy: Decimal | None,
    taker_sell: Decimal | None,
) -> Ticker:
    """A CoinEx ticker (v1's and v2's ``state``): no best bid or ask, no vwap, no percentage
    (a quotient is not exact); ``change`` is ``last - open``."""
    return Ticker(
        symbol=market,
        bid=None,
        bid_qty=None,
        ask=None,
        ask_qty=None,
        last=last,
        volume=volume,
        vwap=None,
        low=low,
        high=high,
        change=last - open_,
        change_pct=None,
        open=open_,
        close=close,
        value=value,
        taker_buy_volume=taker_buy,
        taker_sell_volume=taker_sell,
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
