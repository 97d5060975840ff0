"""What the CoinEx v1 and v2 hubs share as feeds of the simulator's fan-out: who watches
which market, the taker-buy tally of the day's volume, and the pacing of their pushes.

:class:`PacedFeed` is a :class:`~spotstream.simulator.market.fanout.VenueFeed`: on each live
market step (or replayed batch, at max rate) of a watched market it calls :meth:`~PacedFeed.moved`
at once (trades, a moved touch: what a hub pushes straight away) and
:meth:`~PacedFeed.paced` at most once per :attr:`~PacedFeed.push_interval_ns` of market time
with the markets whose book changed and those that traded since the last paced push
(CoinEx's 200 ms). A still market sends nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from spotstream.simulator.market.fanout import MarketFanout, TapePlayer
from spotstream.simulator.market.instruments import InstrumentSpec
from spotstream.simulator.market.state import Market, MarketStep
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.market.tape import MarketTape
from spotstream.simulator.venues.coinex.markets import MarketNumbers, coinex_markets

PUSH_INTERVAL_NS = 200_000_000


class PacedFeed:
    """A CoinEx hub's side of the fan-out (subclasses push in :meth:`moved` and :meth:`paced`)."""

    def __init__(self, market: Market, fanout: MarketFanout, clock: Callable[[], int]) -> None:
        self.market = market
        self.fanout = fanout
        self.clock = clock
        self.push_interval_ns = PUSH_INTERVAL_NS
        self.markets: dict[str, InstrumentSpec] = coinex_markets(market.instruments.values())
        self.names = {spec.symbol: name for name, spec in self.markets.items()}
        self.currencies = frozenset(c for s in self.markets.values() for c in (s.base, s.quote))
        quote = {asset.id: asset.precision for asset in market.assets}
        self.numbers = {
            name: MarketNumbers(spec, quote.get(spec.quote, 8))
            for name, spec in self.markets.items()
        }
        self._watchers: Counter[str] = Counter()
        self._taker_buy: dict[str, int] = {}
        self._next_push_ns = 0
        self._dirty: set[str] = set()  # markets whose book changed since the last paced push
        self._traded: set[str] = set()  # ... that traded
        fanout.add_feed(self)

    def watch(self, name: str, delta: int, *, market_data: bool = True) -> None:
        """A subscription to market ``name`` came (``delta`` 1) or went (-1)."""
        self._watchers[name] += delta
        self.fanout.watch(self.markets[name].symbol, delta, market_data=market_data)

    def bought(self, name: str) -> int:
        """The day's volume bought by takers (the seeded day's: half of its volume), counted
        while this feed watches the market."""
        bought = self._taker_buy.get(name)
        if bought is None:
            ticker = self.market[self.markets[name].symbol].ticker
            bought = self._taker_buy[name] = ticker.volume // 2
        return bought

    # --- the hooks ------------------------------------------------------------------------------

    def moved(self, name: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int) -> None:
        """A step of watched market ``name`` traded or moved the touch: the pushes sent at once."""

    def paced(self, dirty: set[str], traded: set[str], now_ns: int) -> None:
        """The paced pushes are due."""

    # --- the fan-out's feed ---------------------------------------------------------------------

    def publish(self, step: MarketStep) -> None:
        name = self.names.get(step.symbol)
        if name is None or not self._watchers[name]:
            return
        self._step(name, step.trades, step.bbo_changed, step.time_ns)
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
            self._step(name, trades, bbo_changed, now_ns)

    def tick(self, now_ns: int) -> None:
        """The paced pushes, if one is due."""
        if now_ns < self._next_push_ns:
            return
        self._next_push_ns = now_ns + self.push_interval_ns
        dirty, self._dirty = self._dirty, set()
        traded, self._traded = self._traded, set()
        self.paced(dirty, traded, now_ns)

    def _step(self, name: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int) -> None:
        if trades:
            bought = sum(trade.qty for trade in trades if trade.side == "buy")
            self._taker_buy[name] = self.bought(name) + bought
            self._traded.add(name)
        self.moved(name, trades, bbo_changed, now_ns)
