"""The CoinEx v2 fan-out: who watches which market, and the pushes each market step makes.

One :class:`~spotstream.simulator.market.fanout.VenueFeed` of the simulator's fan-out (so a
CoinEx client sees the same book and trades as a Kraken client of the same pair). Pushes:

- ``deals.update`` and ``bbo.update``: at once, on each step that traded / moved the touch;
- ``depth.update``, ``state.update`` and ``index.update``: paced, at most once per
  :attr:`CoinExV2Hub.push_interval_ns` of market time (200 ms, CoinEx's documented delay),
  with what changed since the last push; a depth group gets a full push every
  :attr:`CoinExV2Hub.full_interval_ns` (60 s) even when incremental.

Pacing runs on the simulator's clock when a market step arrives, so a still market sends
nothing (as CoinEx: pushes "only when something changed"), except at max rate, where the
book moves on a tape and the hub looks at it once per replayed batch (all of which is
:class:`~spotstream.simulator.venues.coinex.paced.PacedFeed`, shared with v1).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from spotstream.protocol.coinex.v2 import wire
from spotstream.simulator.faults import Faults
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.state import Market
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.venues.coinex.depth_groups import (
    FULL_INTERVAL_NS,
    DepthGroup,
    DepthGroups,
    DepthKey,
)
from spotstream.simulator.venues.coinex.paced import PUSH_INTERVAL_NS, PacedFeed
from spotstream.simulator.venues.coinex.v2 import frames
from spotstream.simulator.venues.coinex.v2.depth import DepthChange, depth_push

__all__ = ["FULL_INTERVAL_NS", "PUSH_INTERVAL_NS", "CoinExV2Hub", "DepthGroup", "DepthKey"]


class Subscriber(Protocol):
    outbox: list[bytes]


Group = dict[Subscriber, None]  # insertion-ordered set


class CoinExV2Hub(PacedFeed):
    """CoinEx v2 public market data for every connection of one simulator."""

    def __init__(
        self, market: Market, fanout: MarketFanout, clock: Callable[[], int], faults: Faults
    ) -> None:
        super().__init__(market, fanout, clock)
        self.faults = faults
        self.depth_groups = DepthGroups(
            market,
            fanout,
            clock,
            self.markets,
            self.numbers,
            render=self._payload,
            frame=frames.frame,
            watch=lambda name, delta: self.watch(name, delta, market_data=False),
        )
        self.depth: dict[DepthKey, DepthGroup] = self.depth_groups.groups
        self.state: dict[Subscriber, frozenset[str]] = {}
        self.deals: dict[str, Group] = {name: {} for name in self.markets}
        self.bbo: dict[str, Group] = {name: {} for name in self.markets}
        self.index: dict[str, Group] = {name: {} for name in self.markets}
        self.notice: Group = {}
        self._index_sent: dict[tuple[Subscriber, str], int] = {}
        self.maintenance: list[frames.Maintenance] = []  # what /v2/maintain/info lists
        faults.on_corrupt(self.corrupt_next_checksum)

    # --- who watches what ---------------------------------------------------------------------

    @property
    def full_interval_ns(self) -> int:
        return self.depth_groups.full_interval_ns

    @full_interval_ns.setter
    def full_interval_ns(self, value: int) -> None:
        self.depth_groups.full_interval_ns = value

    def depth_group(self, name: str, limit: int, interval: str) -> DepthGroup:
        return self.depth_groups.group(name, limit, interval)

    def join_depth(self, key: DepthKey, subscriber: Subscriber, if_full: bool) -> bytes:
        """Add a subscriber; its first push (the window, full), for it to send."""
        return self.depth_groups.join(key, subscriber, if_full)

    def leave_depth(self, key: DepthKey, subscriber: Subscriber) -> None:
        self.depth_groups.leave(key, subscriber)

    def forget(self, subscriber: Subscriber) -> None:
        """Drop what the hub remembers per subscriber (its connection is gone)."""
        self.state.pop(subscriber, None)
        for key in [k for k in self._index_sent if k[0] is subscriber]:
            del self._index_sent[key]

    def corrupt_next_checksum(self, symbol: str) -> None:
        """The fault switch: ``symbol`` is the market's pair (``BTC/USDT``) or its CoinEx name."""
        name = self.names.get(symbol, symbol)
        if name in self.markets:
            self.depth_groups.corrupt(name)

    def announce(self, window: tuple[float, float] | None) -> None:
        """The maintenance fault: ``(starts_in, lasts)`` seconds from now, or ``None`` (over);
        its ``notice.update`` goes to every ``notice`` subscriber."""
        self.maintenance.clear()
        if window is not None:
            start = frames.ms(self.clock()) + round(window[0] * 1000)
            end = start + round(window[1] * 1000)
            self.maintenance.append(frames.Maintenance(start, end, ["SPOT"], start, end))
        _deliver(self.notice, frames.notice(self.maintenance))

    # --- first pushes -------------------------------------------------------------------------

    def state_push(self, names: Sequence[str]) -> bytes:
        return frames.state(self.state_entry(name) for name in names)

    def deals_snapshot(self, name: str) -> bytes:
        recent = self.market[self.markets[name].symbol].tape.recent
        return frames.deals(name, recent, self.numbers[name])

    def bbo_push(self, name: str) -> bytes:
        symbol = self.markets[name].symbol
        self.fanout.sync(symbol)
        return frames.bbo(name, self.market[symbol], self.numbers[name], self.clock())

    def index_push(self, subscriber: Subscriber, name: str) -> bytes:
        symbol = self.markets[name].symbol
        self.fanout.sync(symbol)
        price = frames.index_price(self.market[symbol])
        self._index_sent[(subscriber, name)] = price
        return frames.index(name, price, self.numbers[name])

    def state_entry(self, name: str) -> wire.MarketState:
        market = self.market[self.markets[name].symbol]
        return frames.market_state(name, market, self.numbers[name], self.bought(name))

    # --- market steps (PacedFeed's hooks) ----------------------------------------------------

    def moved(self, name: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int) -> None:
        if trades and self.deals[name]:
            _deliver(self.deals[name], frames.deals(name, trades, self.numbers[name]))
        if bbo_changed and self.bbo[name]:
            symbol = self.markets[name].symbol
            market = self.market[symbol]
            _deliver(self.bbo[name], frames.bbo(name, market, self.numbers[name], now_ns))

    def paced(self, dirty: set[str], traded: set[str], now_ns: int) -> None:
        self.depth_groups.push(dirty, now_ns)
        if traded:
            self._push_state(traded)
        for name in dirty | traded:
            self._push_index(name)

    def _payload(self, group: DepthGroup, change: DepthChange, is_full: bool) -> bytes:
        window = group.window
        market = self.market[self.markets[window.market].symbol]
        corrupt = group.take_corrupt()
        return depth_push(
            window.market,
            change,
            is_full=is_full,
            last=window.numbers.price(market.ticker.last),
            updated_at=frames.ms(self.clock()),
            corrupt=corrupt,
        )

    def _push_state(self, traded: set[str]) -> None:
        entries: dict[str, wire.MarketState] = {}
        for subscriber, names in self.state.items():
            wanted = [name for name in self.markets if name in traded and name in names]
            if wanted:
                for name in wanted:
                    if name not in entries:
                        entries[name] = self.state_entry(name)
                subscriber.outbox.append(frames.frame(frames.state(entries[n] for n in wanted)))

    def _push_index(self, name: str) -> None:
        group = self.index[name]
        if not group:
            return
        market = self.market[self.markets[name].symbol]
        price = frames.index_price(market)
        payload = frames.frame(frames.index(name, price, self.numbers[name]))
        for subscriber in group:
            if self._index_sent.get((subscriber, name)) != price:
                self._index_sent[(subscriber, name)] = price
                subscriber.outbox.append(payload)


def _deliver(group: Iterable[Subscriber], payload: bytes) -> None:
    data = frames.frame(payload)
    for subscriber in group:
        subscriber.outbox.append(data)
