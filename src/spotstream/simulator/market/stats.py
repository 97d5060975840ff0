"""What trades leave behind: the trade tape, 24-hour ticker statistics and OHLC candles.

All prices are price units and all quantities qty units of one instrument; a notional is
``price_units × qty_units``, so a VWAP is ``notional // volume`` in price units.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

NS_PER_MINUTE = 60_000_000_000
CANDLE_HISTORY = 720  # candles kept per interval (the current one included)
CANDLE_INTERVALS = (1, 5, 15, 30, 60, 240, 1440, 10080, 21600)
"""The candle series every instrument keeps, in minutes (1 minute to 15 days); a venue
serves those of its own list, which must be among these."""
TRADE_HISTORY = 50  # trades kept for a trade snapshot

Side = Literal["buy", "sell"]
OrderType = Literal["limit", "market"]


@dataclass(slots=True)
class TapeTrade:
    """One fill; ``side`` is the taker's side."""

    price: int
    qty: int
    side: Side
    ord_type: OrderType
    trade_id: int
    time_ns: int


@dataclass(slots=True)
class Candle:
    minutes: int
    begin_ns: int
    open: int
    high: int
    low: int
    close: int
    trades: int = 0
    volume: int = 0
    notional: int = 0
    updated_ns: int = 0  # the time of its last trade (0: an invented past candle)

    @property
    def end_ns(self) -> int:
        return self.begin_ns + self.minutes * NS_PER_MINUTE

    @property
    def vwap(self) -> int:
        """Volume-weighted average price in price units (the close when nothing traded)."""
        return _div_round(self.notional, self.volume) if self.volume else self.close

    def add(self, price: int, qty: int) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.trades += 1
        self.volume += qty
        self.notional += price * qty


class CandleSeries:
    """The candles of one interval: closed history plus the current candle."""

    __slots__ = ("candles", "minutes")

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        self.candles: deque[Candle] = deque(maxlen=CANDLE_HISTORY)

    def begin_of(self, time_ns: int) -> int:
        return time_ns - time_ns % (self.minutes * NS_PER_MINUTE)

    def add(self, price: int, qty: int, time_ns: int) -> Candle:
        """Record a trade; returns the candle it went into (a new one at an interval's start)."""
        begin = self.begin_of(time_ns)
        current = self.candles[-1] if self.candles else None
        if current is None or current.begin_ns < begin:
            current = Candle(self.minutes, begin, price, price, price, price)
            self.candles.append(current)
        current.add(price, qty)
        current.updated_ns = time_ns
        return current

    def seed(self, rng: random.Random, close: int, tick: int, qty: int, now_ns: int) -> None:
        """Invent 60 past candles that end where the current interval begins."""
        count = 60
        step = max(tick, close * math.isqrt(self.minutes) // 20_000 // tick * tick)
        begin = self.begin_of(now_ns) - count * self.minutes * NS_PER_MINUTE
        price = close + rng.randint(-count, count) * step // 4
        for _ in range(count):
            open_ = max(tick, price)
            price = max(tick, open_ + rng.randint(-4, 4) * step)
            high = max(open_, price) + rng.randint(0, 2) * step
            low = max(tick, min(open_, price) - rng.randint(0, 2) * step)
            trades = rng.randint(1, 400)
            volume = qty * trades // 4 + 1
            notional = (high + low) // 2 * volume
            self.candles.append(
                Candle(self.minutes, begin, open_, high, low, price, trades, volume, notional)
            )
            begin += self.minutes * NS_PER_MINUTE


def aggregate(candles: Iterable[Candle], minutes: int) -> list[Candle]:
    """``candles`` (of one series, oldest first) merged into candles of ``minutes``, a
    multiple of theirs, each aligned on the epoch as a series' own are; oldest first."""
    width = minutes * NS_PER_MINUTE
    merged: list[Candle] = []
    for candle in candles:
        begin = candle.begin_ns - candle.begin_ns % width
        last = merged[-1] if merged else None
        if last is None or last.begin_ns != begin:
            merged.append(
                Candle(
                    minutes,
                    begin,
                    candle.open,
                    candle.high,
                    candle.low,
                    candle.close,
                    candle.trades,
                    candle.volume,
                    candle.notional,
                    candle.updated_ns,
                )
            )
            continue
        last.high = max(last.high, candle.high)
        last.low = min(last.low, candle.low)
        last.close = candle.close
        last.trades += candle.trades
        last.volume += candle.volume
        last.notional += candle.notional
        last.updated_ns = max(last.updated_ns, candle.updated_ns)
    return merged


@dataclass(slots=True)
class TickerStats:
    """Rolling statistics a ticker shows (the 24-hour window never rolls in the simulator)."""

    open: int  # price 24 hours ago
    last: int
    low: int
    high: int
    volume: int
    notional: int
    trades: int = 0  # how many trades the window holds

    @classmethod
    def seed(cls, rng: random.Random, price: int, qty: int) -> TickerStats:
        open_ = max(1, price + price * rng.randint(-300, 300) // 10_000)
        low = max(1, min(open_, price) - price * rng.randint(0, 200) // 10_000)
        high = max(open_, price) + price * rng.randint(0, 200) // 10_000
        volume = qty * rng.randint(2_000, 20_000) + rng.randint(0, qty)
        trades = volume // max(1, qty)  # as many as typical-size trades would make
        return cls(open_, price, low, high, volume, (low + high) // 2 * volume, trades)

    def add(self, price: int, qty: int) -> None:
        self.trades += 1
        self.last = price
        self.low = min(self.low, price)
        self.high = max(self.high, price)
        self.volume += qty
        self.notional += price * qty

    @property
    def vwap(self) -> int:
        return _div_round(self.notional, self.volume) if self.volume else self.last

    @property
    def change(self) -> int:
        return self.last - self.open

    @property
    def change_pct_hundredths(self) -> int:
        """The change in hundredths of a percent (ticker feeds show two decimals)."""
        return _div_round(self.change * 10_000, self.open)


class TradeTape:
    """The most recent trades of one instrument, and its trade id sequence."""

    __slots__ = ("next_id", "recent")

    def __init__(self, first_id: int) -> None:
        self.next_id = first_id
        self.recent: deque[TapeTrade] = deque(maxlen=TRADE_HISTORY)

    def record(self, price: int, qty: int, side: Side, ord_type: OrderType, now: int) -> TapeTrade:
        trade = TapeTrade(price, qty, side, ord_type, self.next_id, now)
        self.next_id += 1
        self.recent.append(trade)
        return trade


def _div_round(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero, on integers."""
    quotient, remainder = divmod(abs(numerator), abs(denominator))
    if remainder * 2 >= abs(denominator):
        quotient += 1
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient
