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
book moves on a tape and the hub looks at it once per replayed batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from spotstream.protocol.coinex.v2 import wire
from spotstream.simulator.faults import Faults
from spotstream.simulator.market.fanout import MarketFanout, TapePlayer
from spotstream.simulator.market.state import Market, MarketStep
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.market.tape import MarketTape
from spotstream.simulator.venues.coinex.depth_groups import (
    FULL_INTERVAL_NS,
    DepthGroup,
    DepthGroups,
    DepthKey,
)
from spotstream.simulator.venues.coinex.markets import MarketNumbers, coinex_markets
from spotstream.simulator.venues.coinex.v2 import frames
from spotstream.simulator.venues.coinex.v2.depth import DepthChange, depth_push

PUSH_INTERVAL_NS = 200_000_000
__all__ = ["FULL_INTERVAL_NS", "PUSH_INTERVAL_NS", "CoinExV2Hub", "DepthGroup", "DepthKey"]


class Subscriber(Protocol):
    outbox: list[bytes]


Group = dict[Subscriber, None]  # insertion-ordered set


class CoinExV2Hub:
    """CoinEx v2 public market data for every connection of one simulator."""

    def __init__(
        self, market: Market, fanout: MarketFanout, clock: Callable[[], int], faults: Faults
    ) -> None:
        self.market = market
        self.fanout = fanout
        self.clock = clock
        self.faults = faults
        self.push_interval_ns = PUSH_INTERVAL_NS
        self.markets = coinex_markets(market.instruments.values())
        self.names = {spec.symbol: name for name, spec in self.markets.items()}
        quote = {asset.id: asset.precision for asset in market.assets}
        self.numbers = {
            name: MarketNumbers(spec, quote.get(spec.quote, 8))
            for name, spec in self.markets.items()
        }
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
        self._taker_buy: dict[str, int] = {}
        self._next_push_ns = 0
        self._dirty: set[str] = set()  # markets changed since the last paced push
        self._traded: set[str] = set()  # ... that traded (state)
        self._index_sent: dict[tuple[Subscriber, str], int] = {}
        self._watchers: Counter[str] = Counter()
        self.maintenance: list[frames.Maintenance] = []  # what /v2/maintain/info lists
        faults.on_corrupt(self.corrupt_next_checksum)
        fanout.add_feed(self)

    # --- who watches what ---------------------------------------------------------------------

    def watch(self, name: str, delta: int, *, market_data: bool = True) -> None:
        """A subscription to market ``name`` came (``delta`` 1) or went (-1)."""
        self._watchers[name] += delta
        self.fanout.watch(self.markets[name].symbol, delta, market_data=market_data)

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
        return frames.market_state(name, market, self.numbers[name], self._bought(name))

    def _bought(self, name: str) -> int:
        """The day's volume bought by takers (the seeded day's: half of its volume)."""
        bought = self._taker_buy.get(name)
        if bought is None:
            ticker = self.market[self.markets[name].symbol].ticker
            bought = self._taker_buy[name] = ticker.volume // 2
        return bought

    # --- market steps -------------------------------------------------------------------------

    def publish(self, step: MarketStep) -> None:
        name = self.names.get(step.symbol)
        if name is None or not self._watchers[name]:
            return
        self._moved(name, step.trades, step.bbo_changed, step.time_ns)
        if step.bids or step.asks:
            self._dirty.add(name)
        self.tick(step.time_ns)

    def attach_tape(self, tape: MarketTape) -> None:
        """Nothing to pre-encode: the paced pushes read the synced book."""

    def players(self, tape: MarketTape, now_ns: int) -> Sequence[TapePlayer]:
        """Once per replayed batch: push what the last batch changed (paced)."""
        name = self.names.get(tape.symbol)
        if name is not None and self._watchers[name]:
            tape.sync()
            self._dirty.add(name)
            self.tick(now_ns)
        return ()

    def replayed(
        self, symbol: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int
    ) -> None:
        name = self.names.get(symbol)
        if name is not None and self._watchers[name]:
            self._moved(name, trades, bbo_changed, now_ns)

    def _moved(self, name: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int) -> None:
        if trades:
            bought = sum(trade.qty for trade in trades if trade.side == "buy")
            self._taker_buy[name] = self._bought(name) + bought
            self._traded.add(name)
            if self.deals[name]:
                _deliver(self.deals[name], frames.deals(name, trades, self.numbers[name]))
        if bbo_changed and self.bbo[name]:
            symbol = self.markets[name].symbol
            market = self.market[symbol]
            _deliver(self.bbo[name], frames.bbo(name, market, self.numbers[name], now_ns))

    def tick(self, now_ns: int) -> None:
        """The paced pushes, if one is due."""
        if now_ns < self._next_push_ns:
            return
        self._next_push_ns = now_ns + self.push_interval_ns
        dirty, self._dirty = self._dirty, set()
        traded, self._traded = self._traded, set()
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
