"""One simulated market: deep order books, trades at the touch, ticker statistics, candles.

Pure state: no I/O, no clock. :meth:`Market.step` applies one random market event to one
instrument at the time it is given and returns what changed (:class:`MarketStep`); the
venues turn that into frames. Each instrument draws from its own ``random.Random``
seeded from ``(seed, symbol)``, so its sequence of events depends on the seed only, whatever
the interleaving of instruments.

Books are kept deep (``levels`` per side, 1500 by default, never fewer than 90 % of it) so
that a depth-1000 subscriber's window is always full and levels slide into it from below.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, insort
from collections.abc import Iterable
from dataclasses import dataclass, field

from spotstream.simulator.market.instruments import (
    DEFAULT_ASSETS,
    DEFAULT_INSTRUMENTS,
    AssetSpec,
    InstrumentSpec,
)
from spotstream.simulator.market.stats import (
    CANDLE_INTERVALS,
    TRADE_HISTORY,
    CandleSeries,
    OrderType,
    Side,
    TapeTrade,
    TickerStats,
    TradeTape,
)

DEFAULT_LEVELS = 1500

# Event mix of one step (the rest modifies the quantity of a level).
P_TRADE = 0.15
P_INSERT = 0.20
P_DELETE = 0.20
DEEP_SHARE = 0.15  # share of level picks spread uniformly over the whole side
TOP_MEAN = 8.0  # mean index of the other level picks (exponential, best level = 0)

Level = tuple[int, int]  # (price units, qty units); qty 0 deletes the level
MarketFill = tuple[int, int, Side, OrderType]  # price, qty, taker side, taker order type


@dataclass(slots=True)
class MarketStep:
    """What one market event changed, in the order it happened."""

    symbol: str
    time_ns: int
    bids: list[Level] = field(default_factory=list)
    asks: list[Level] = field(default_factory=list)
    fills: list[MarketFill] = field(default_factory=list)
    trades: list[TapeTrade] = field(default_factory=list)  # the fills, once recorded
    bbo_changed: bool = False


class DeepSide:
    """One side of a deep book: sort keys best first (``price × sign``) and quantities."""

    __slots__ = ("keys", "qty", "sign")

    def __init__(self, sign: int) -> None:
        self.sign = sign  # 1 for asks (ascending prices), -1 for bids (descending)
        self.keys: list[int] = []
        self.qty: dict[int, int] = {}  # sort key -> qty units

    def levels(self, limit: int | None = None) -> list[Level]:
        """``(price, qty)`` best first."""
        sign, qty = self.sign, self.qty
        return [(key * sign, qty[key]) for key in self.keys[:limit]]

    def best(self) -> Level | None:
        if not self.keys:
            return None
        key = self.keys[0]
        return key * self.sign, self.qty[key]

    def set(self, price: int, qty: int) -> None:
        """Set the quantity at ``price``; zero removes the level."""
        key = price * self.sign
        if qty:
            if key not in self.qty:
                insort(self.keys, key)
            self.qty[key] = qty
        elif self.qty.pop(key, None) is not None:
            del self.keys[bisect_left(self.keys, key)]

    def copy(self) -> DeepSide:
        other = DeepSide(self.sign)
        other.keys = self.keys.copy()
        other.qty = self.qty.copy()
        return other

    def __len__(self) -> int:
        return len(self.keys)


class DeepBook:
    """Both sides of one instrument's full book."""

    __slots__ = ("asks", "bids", "symbol")

    def __init__(self, symbol: str, bids: DeepSide, asks: DeepSide) -> None:
        self.symbol = symbol
        self.bids = bids
        self.asks = asks

    def apply(self, bids: list[Level], asks: list[Level]) -> None:
        for price, qty in bids:
            self.bids.set(price, qty)
        for price, qty in asks:
            self.asks.set(price, qty)

    def copy(self) -> DeepBook:
        return DeepBook(self.symbol, self.bids.copy(), self.asks.copy())

    def bbo(self) -> tuple[int, int, int, int]:
        """Sort key and quantity of the best bid, then of the best ask."""
        bid, ask = self.bids.keys[0], self.asks.keys[0]
        return bid, self.bids.qty[bid], ask, self.asks.qty[ask]


class SymbolMarket:
    """The market of one instrument."""

    def __init__(
        self, spec: InstrumentSpec, rng: random.Random, now_ns: int, levels: int = DEFAULT_LEVELS
    ) -> None:
        self.spec = spec
        self.symbol = spec.symbol
        self.rng = rng
        self.tick = spec.tick
        self.qty_min = spec.qty_min_units
        self.typical_qty = spec.qty_units(spec.typical_qty)
        self.round_lot = 10 ** max(0, len(str(self.typical_qty)) - 3)  # two digits of typical
        self.min_levels = levels * 9 // 10
        self.max_levels = levels * 11 // 10
        self.bids = DeepSide(-1)
        self.asks = DeepSide(1)
        self.book = DeepBook(spec.symbol, self.bids, self.asks)
        mid = spec.price_units(spec.start_price)
        self.anchor = mid
        self._seed_side(self.bids, mid - self.tick, levels)
        self._seed_side(self.asks, mid + self.tick, levels)
        self.ticker = TickerStats.seed(rng, mid, self.typical_qty)
        self.candles = {m: CandleSeries(m) for m in CANDLE_INTERVALS}
        for series in self.candles.values():
            series.seed(rng, mid, self.tick, self.typical_qty, now_ns)
        self.tape = TradeTape(rng.randint(10_000_000, 90_000_000))
        self._seed_trades(mid, now_ns)

    # --- one event --------------------------------------------------------------------------

    def step(self, now_ns: int) -> MarketStep:
        """Apply one random event at ``now_ns``; returns what changed, trades recorded."""
        step = self.book_event(now_ns)
        if step.fills:
            step.trades = self.record(step.fills, now_ns)
        return step

    def book_event(self, now_ns: int = 0) -> MarketStep:
        """Apply one random event to the book only: fills are returned, not recorded."""
        step = MarketStep(self.symbol, now_ns)
        before = self.book.bbo()
        spread = (before[2] + before[0]) // self.tick  # in ticks, >= 1
        if spread > 1 and self.rng.random() < 0.1 * spread:
            self._improve(spread, step)
        else:
            self._event(step)
        self._keep_depth(self.bids, step.bids)
        self._keep_depth(self.asks, step.asks)
        step.bbo_changed = self.book.bbo() != before
        return step

    def record(self, fills: list[MarketFill], now_ns: int) -> list[TapeTrade]:
        """Record fills as trades at ``now_ns``: trade ids, ticker statistics, candles."""
        trades = []
        for price, qty, side, ord_type in fills:
            trades.append(self.tape.record(price, qty, side, ord_type, now_ns))
            self.ticker.add(price, qty)
            for series in self.candles.values():
                series.add(price, qty, now_ns)
        return trades

    def _event(self, step: MarketStep) -> None:
        rng = self.rng
        kind = rng.random()
        side, out = (self.bids, step.bids) if rng.random() < 0.5 else (self.asks, step.asks)
        if kind < P_TRADE:
            self._trade(side, step)
        elif kind < P_TRADE + P_INSERT:
            self._insert(side, out)
        elif kind < P_TRADE + P_INSERT + P_DELETE and len(side.keys) > self.min_levels:
            self._delete(side, out)
        else:
            self._modify(side, out)

    def _modify(self, side: DeepSide, out: list[Level]) -> None:
        key = side.keys[self._pick(len(side.keys))]
        qty = self._random_qty()
        if qty == side.qty[key]:
            qty += 1
        side.qty[key] = qty
        out.append((key * side.sign, qty))

    def _improve(self, spread: int, step: MarketStep) -> None:
        """A new best bid or ask inside the spread, leaning back toward the starting price."""
        rng = self.rng
        mid = (self.asks.keys[0] - self.bids.keys[0]) // 2
        lean = max(-0.3, min(0.3, (self.anchor - mid) * 10 / self.anchor))
        side, out = (self.bids, step.bids) if rng.random() < 0.5 + lean else (self.asks, step.asks)
        key = side.keys[0] - rng.randint(1, min(3, spread - 1)) * self.tick
        self._add(side, key, out)

    def _insert(self, side: DeepSide, out: list[Level]) -> None:
        """A new level next to a picked one: one tick better if free, else one tick worse."""
        keys = side.keys
        index = self._pick(len(keys))
        key = keys[index] - self.tick
        if index == 0 or key == keys[index - 1]:
            key = keys[index] + self.tick
        self._add(side, key, out)

    def _add(self, side: DeepSide, key: int, out: list[Level]) -> None:
        qty = self._random_qty()
        if key not in side.qty:
            if key * side.sign <= 0:
                return
            insort(side.keys, key)
        side.qty[key] = qty
        out.append((key * side.sign, qty))

    def _delete(self, side: DeepSide, out: list[Level]) -> None:
        index = self._pick(len(side.keys))
        key = side.keys.pop(index)
        del side.qty[key]
        out.append((key * side.sign, 0))

    def _trade(self, side: DeepSide, step: MarketStep) -> None:
        """A taker order against ``side``: a market order fills at the touch, level by level;
        a limit order at the best price only, and what it cannot fill there rests as the new
        best level of its own side (so one event can change both sides)."""
        rng = self.rng
        taker: Side = "sell" if side is self.bids else "buy"
        ord_type: OrderType = "market" if rng.random() < 0.7 else "limit"
        remaining = max(self.qty_min, int(self.typical_qty * rng.expovariate(3.0)))
        out, fills = (step.bids, step.fills) if side is self.bids else (step.asks, step.fills)
        for _ in range(4 if ord_type == "market" else 1):
            key = side.keys[0]
            price, available = key * side.sign, side.qty[key]
            take = min(remaining, available)
            if available - take < self.qty_min:
                take = available  # never leave a level below the minimum order size
            fills.append((price, take, taker, ord_type))
            remaining -= take
            if take < available:
                side.qty[key] = available - take
                out.append((price, available - take))
                return
            del side.keys[0], side.qty[key]
            out.append((price, 0))
            if remaining <= 0:
                return
        if ord_type == "limit" and remaining >= self.qty_min:
            own, own_out = (self.asks, step.asks) if side is self.bids else (self.bids, step.bids)
            own.set(price, remaining)
            own_out.append((price, remaining))

    def _keep_depth(self, side: DeepSide, out: list[Level]) -> None:
        """Keep the side between 90 % and 110 % of its target depth, far from the touch."""
        if len(side.keys) < self.min_levels:
            key = side.keys[-1] + self._gap()
            if key * side.sign > 0:
                side.keys.append(key)
                side.qty[key] = qty = self._random_qty()
                out.append((key * side.sign, qty))
        elif len(side.keys) > self.max_levels:
            key = side.keys.pop()
            del side.qty[key]
            out.append((key * side.sign, 0))

    # --- random draws -----------------------------------------------------------------------

    def _pick(self, size: int) -> int:
        """A level index, mostly near the touch, sometimes anywhere."""
        rng = self.rng
        if rng.random() < DEEP_SHARE:
            return int(rng.random() * size)
        return min(size - 1, int(-TOP_MEAN * math.log(1.0 - rng.random())))

    def _random_qty(self) -> int:
        """A level quantity: exponential around the typical size, sometimes a round number."""
        rng = self.rng
        qty = int(self.typical_qty * rng.expovariate(1.0))
        roll = rng.random()
        if roll < 0.25:
            unit = self.round_lot * (100 if roll < 0.05 else 1)
            qty = max(unit, qty // unit * unit)
        return max(qty, self.qty_min)

    def _gap(self) -> int:
        return self.tick if self.rng.random() < 0.75 else self.rng.randint(2, 3) * self.tick

    # --- initial state ----------------------------------------------------------------------

    def _seed_side(self, side: DeepSide, best_price: int, levels: int) -> None:
        key = best_price * side.sign
        for _ in range(levels):
            if key * side.sign <= 0:
                break
            side.keys.append(key)
            side.qty[key] = self._random_qty()
            key += self._gap()

    def _seed_trades(self, mid: int, now_ns: int) -> None:
        """Invent the trades of the last two minutes (a trade snapshot is never empty)."""
        rng = self.rng
        ages = sorted((rng.randint(1, 120_000_000_000) for _ in range(TRADE_HISTORY)), reverse=True)
        for age in ages:
            side: Side = "buy" if rng.random() < 0.5 else "sell"
            price = mid + (self.tick if side == "buy" else -self.tick)
            qty = max(self.qty_min, self._random_qty() // 10)
            self.tape.record(price, qty, side, "limit", now_ns - age)


class Market:
    """Every instrument of the simulated exchange."""

    def __init__(
        self,
        seed: int,
        now_ns: int,
        instruments: Iterable[InstrumentSpec] = DEFAULT_INSTRUMENTS,
        assets: Iterable[AssetSpec] = DEFAULT_ASSETS,
        levels: int = DEFAULT_LEVELS,
    ) -> None:
        self.assets = tuple(assets)
        self.instruments = {spec.symbol: spec for spec in instruments}
        self.symbols = {
            symbol: SymbolMarket(spec, random.Random(f"{seed}/{symbol}"), now_ns, levels)
            for symbol, spec in self.instruments.items()
        }

    def step(self, symbol: str, now_ns: int) -> MarketStep:
        return self.symbols[symbol].step(now_ns)

    def __getitem__(self, symbol: str) -> SymbolMarket:
        return self.symbols[symbol]

    def __contains__(self, symbol: object) -> bool:
        return symbol in self.symbols
