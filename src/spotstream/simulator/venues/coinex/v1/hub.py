"""The CoinEx v1 fan-out: who watches which market on the v1 socket, and its pushes.

A :class:`~spotstream.simulator.venues.coinex.paced.PacedFeed` (as v2's hub: a feed of the
simulator's one fan-out, so a v1 client sees the same book and trades as a v2 or Kraken
client of the pair, with the same pacing). It shares CoinEx v2's depth machinery
(:class:`~spotstream.simulator.venues.coinex.depth_groups.DepthGroups`: one window per
(market, limit, interval), ``"0"`` deletions for levels leaving it, the checksum of the
whole window). Pushes:

- ``deals.update`` and ``kline.update``: at once, on each step that traded;
- ``depth.update`` and ``state.update``: paced, at most once per ``push_interval_ns`` of
  market time (200 ms, as v2), with what changed since the last push.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from spotstream.protocol.coinex.v1.wire import MarketStateV1
from spotstream.simulator.faults import Faults
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.state import Market
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.venues.coinex.depth_groups import DepthGroup, DepthGroups, DepthKey
from spotstream.simulator.venues.coinex.paced import PacedFeed
from spotstream.simulator.venues.coinex.v1 import frames, klines
from spotstream.simulator.venues.coinex.v2 import frames as v2_frames
from spotstream.simulator.venues.coinex.v2.depth import DepthChange, DepthWindow


class Subscriber(Protocol):
    outbox: list[bytes]


Group = dict[Subscriber, None]  # insertion-ordered set
KlineKey = tuple[str, int]  # market, interval seconds


class CoinExV1Hub(PacedFeed):
    """CoinEx v1 public market data for every v1 connection of one simulator."""

    def __init__(
        self, market: Market, fanout: MarketFanout, clock: Callable[[], int], faults: Faults
    ) -> None:
        super().__init__(market, fanout, clock)
        self.depth_groups = DepthGroups(
            self.market,
            self.fanout,
            self.clock,
            self.markets,
            self.numbers,
            render=self._depth_payload,
            frame=frames.frame,
            watch=lambda name, delta: self.watch(name, delta, market_data=False),
        )
        self.depth = self.depth_groups.groups
        self.state: dict[Subscriber, frozenset[str]] = {}
        self.deals: dict[str, Group] = {name: {} for name in self.markets}
        self.kline: dict[KlineKey, Group] = {}
        faults.on_corrupt(self.corrupt_next_checksum)

    # --- who watches what ---------------------------------------------------------------------

    def join_depth(self, key: DepthKey, subscriber: Subscriber, full: bool) -> bytes:
        return self.depth_groups.join(key, subscriber, full)

    def leave_depth(self, key: DepthKey, subscriber: Subscriber) -> None:
        self.depth_groups.leave(key, subscriber)

    def corrupt_next_checksum(self, symbol: str) -> None:
        name = self.names.get(symbol, symbol)
        if name in self.markets:
            self.depth_groups.corrupt(name)

    # --- answers and first pushes ---------------------------------------------------------------

    def state_entry(self, name: str, *, totals: bool) -> MarketStateV1:
        symbol = self.markets[name].symbol
        s = v2_frames.market_state(name, self.market[symbol], self.numbers[name], self.bought(name))
        return MarketStateV1(
            close=s.close,
            deal=s.value,
            high=s.high,
            last=s.last,
            low=s.low,
            open=s.open,
            period=s.period,
            volume=s.volume,
            sell_total=s.volume_sell if totals else None,
            buy_total=s.volume_buy if totals else None,
        )

    def state_push(self, names: Iterable[str]) -> bytes:
        entries = {name: self.state_entry(name, totals=True) for name in names}
        return frames.push("state.update", [entries])

    def recent_deals(self, name: str) -> list[frames.Deal]:
        recent = self.market[self.markets[name].symbol].tape.recent
        return frames.deals(recent, self.numbers[name])

    def deals_push(self, name: str, deals: list[frames.Deal]) -> bytes:
        return frames.push("deals.update", [name, deals])

    def kline_row(self, name: str, interval: int) -> list[Any]:
        market = self.market[self.markets[name].symbol]
        return klines.current(market, self.numbers[name], name, interval)

    def kline_push(self, name: str, interval: int) -> bytes:
        return frames.push("kline.update", [self.kline_row(name, interval)])

    def depth_answer(self, name: str, limit: int, interval: str) -> frames.Depth:
        """``depth.query``: the top ``limit`` levels as they stand."""
        window = self.depth_groups.fresh(name, limit, interval)
        return self._depth(window, window.full(), corrupt=False)

    def _depth(self, window: DepthWindow, change: DepthChange, *, corrupt: bool) -> frames.Depth:
        market = self.market[self.markets[window.market].symbol]
        checksum = (change.checksum + 1) & 0xFFFFFFFF if corrupt else change.checksum
        return frames.Depth(
            asks=frames.levels(change.asks),
            bids=frames.levels(change.bids),
            last=window.numbers.price(market.ticker.last),
            time=self.clock() // frames.NS_PER_MS,
            checksum=checksum,
        )

    def _depth_payload(self, group: DepthGroup, change: DepthChange, is_full: bool) -> bytes:
        depth = self._depth(group.window, change, corrupt=group.take_corrupt())
        return frames.push("depth.update", [is_full, depth, group.window.market])

    # --- market steps (PacedFeed's hooks) ----------------------------------------------------

    def moved(self, name: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int) -> None:
        if not trades:
            return
        if self.deals[name]:
            listed = frames.deals(trades, self.numbers[name])
            _deliver(self.deals[name], self.deals_push(name, listed))
        for (market, interval), group in self.kline.items():
            if market == name and group:
                _deliver(group, self.kline_push(name, interval))

    def paced(self, dirty: set[str], traded: set[str], now_ns: int) -> None:
        self.depth_groups.push(dirty, now_ns)
        if traded:
            self._push_state(traded)

    def _push_state(self, traded: set[str]) -> None:
        entries: dict[str, MarketStateV1] = {}
        for subscriber, names in self.state.items():
            wanted = [name for name in self.markets if name in traded and name in names]
            for name in wanted:
                if name not in entries:
                    entries[name] = self.state_entry(name, totals=True)
            if wanted:
                payload = frames.push("state.update", [{n: entries[n] for n in wanted}])
                subscriber.outbox.append(frames.frame(payload))


def _deliver(group: Iterable[Subscriber], payload: bytes) -> None:
    data = frames.frame(payload)
    for subscriber in group:
        subscriber.outbox.append(data)
