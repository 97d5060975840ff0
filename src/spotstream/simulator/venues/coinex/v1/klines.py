"""CoinEx v1 klines (spec B4) from the market's candles.

Every instrument keeps candle series of :data:`~spotstream.simulator.market.stats.CANDLE_INTERVALS`
minutes (the ones Kraken's ``ohlc`` serves, built from the simulator's trades). A v1
interval that is one of them is served as is; the others (3 minutes, 2, 6 and 12 hours,
3 days) are merged from the longest kept series that divides them (3 minutes from 1
minute, 12 hours from 4 hours, ...), bucketed from the epoch as CoinEx's are. A row is
``[time (int s), open, close, high, low, volume (base), amount (quote), market]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from spotstream.simulator.market.state import SymbolMarket
from spotstream.simulator.market.stats import CANDLE_INTERVALS, NS_PER_MINUTE, Candle
from spotstream.simulator.matching.accounts import from_units
from spotstream.simulator.venues.coinex.markets import MarketNumbers, money

INTERVALS = (60, 180, 300, 900, 1800, 3600, 7200, 14400, 21600, 43200, 86400, 259200, 604800)
"""The kline intervals v1 serves, in seconds (spec B4)."""
NS_PER_S = 1_000_000_000


def _base(minutes: int) -> int:
    return max(m for m in CANDLE_INTERVALS if m <= minutes and minutes % m == 0)


def candles(market: SymbolMarket, interval: int, *, last_only: bool = False) -> list[Candle]:
    """The candles of ``interval`` seconds, oldest first (the current one last;
    ``last_only``: only that one)."""
    minutes = interval // 60
    base = _base(minutes)
    series = market.candles[base].candles
    if base == minutes:
        return [series[-1]] if last_only else list(series)
    width = minutes * NS_PER_MINUTE
    if last_only:
        begin = series[-1].begin_ns - series[-1].begin_ns % width
        tail: list[Candle] = []
        for candle in reversed(series):
            if candle.begin_ns < begin:
                break
            tail.append(candle)
        return _merge(reversed(tail), minutes)
    return _merge(series, minutes)


def _merge(series: Iterable[Candle], minutes: int) -> list[Candle]:
    """Candles of a shorter interval merged into ``minutes``-minute ones."""
    width = minutes * NS_PER_MINUTE
    out: list[Candle] = []
    for candle in series:
        begin = candle.begin_ns - candle.begin_ns % width
        current = out[-1] if out and out[-1].begin_ns == begin else None
        if current is None:
            out.append(replace(candle, minutes=minutes, begin_ns=begin))
            continue
        current.high = max(current.high, candle.high)
        current.low = min(current.low, candle.low)
        current.close = candle.close
        current.trades += candle.trades
        current.volume += candle.volume
        current.notional += candle.notional
        current.updated_ns = max(current.updated_ns, candle.updated_ns)
    return out


def row(candle: Candle, numbers: MarketNumbers, name: str) -> list[Any]:
    """One kline row as v1 sends it."""
    value = from_units(candle.notional, numbers.price_precision + numbers.qty_precision)
    return [
        candle.begin_ns // NS_PER_S,
        numbers.price(candle.open),
        numbers.price(candle.close),
        numbers.price(candle.high),
        numbers.price(candle.low),
        numbers.amount(candle.volume),
        money(value, numbers.quote_precision),
        name,
    ]


def query(
    market: SymbolMarket, numbers: MarketNumbers, name: str, start: int, end: int, interval: int
) -> list[list[Any]]:
    """``kline.query``: the rows whose time is in ``[start, end]`` (seconds), oldest first."""
    return [
        row(candle, numbers, name)
        for candle in candles(market, interval)
        if start <= candle.begin_ns // NS_PER_S <= end
    ]


def current(market: SymbolMarket, numbers: MarketNumbers, name: str, interval: int) -> list[Any]:
    """The open candle's row (what ``kline.update`` pushes after a trade)."""
    return row(candles(market, interval, last_only=True)[-1], numbers, name)
