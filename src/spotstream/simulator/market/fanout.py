"""One market, many protocols: the fan-out every venue's hub hangs off.

The scheduler and the matching engine drive exactly one
:class:`~spotstream.simulator.market.feed.MarketListener` and one
:class:`~spotstream.simulator.market.feed.BookPublisher`; :class:`MarketFanout` is both. It
owns what is the same for every venue (who watches which symbol, so that the market steps
only those; the symbols open user orders keep moving; the max-rate tapes; the matching
engine's step listeners) and hands each market step to every registered :class:`VenueFeed`,
which turns it into its own frames. So two clients of two protocols watching one pair see the
same book and the same trades, and no venue knows another exists.

At max rate a venue does not compute frames per step: it gives one :class:`TapePlayer` per
pre-encoded stream (a book depth, say) and the fan-out plays every step of the batch to each
of them in turn, so that interleaved venues stay in step order. Trades of a replayed step are
recorded once, here, before any venue shows them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Protocol

from spotstream.simulator.market.feed import StepListener
from spotstream.simulator.market.state import Market, MarketStep
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.market.tape import MarketTape


class TapePlayer(Protocol):
    """One pre-encoded stream of a tape (for example one book depth of one venue)."""

    def play(self, index: int) -> None:
        """Queue the frame of step ``index`` for its subscribers (if the step has one)."""


class VenueFeed(Protocol):
    """What a venue's hub offers the fan-out."""

    def publish(self, step: MarketStep) -> None:
        """Queue the frames of one live step (already applied to the market, its trades
        recorded)."""

    def attach_tape(self, tape: MarketTape) -> None:
        """``tape.symbol`` switches to max-rate replay (pre-encode what is subscribed)."""

    def players(self, tape: MarketTape, now_ns: int) -> Sequence[TapePlayer]:
        """The streams to play the next batch of ``tape`` to, stamped ``now_ns``."""

    def replayed(
        self, symbol: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int
    ) -> None:
        """A replayed step traded (``trades``, recorded) or moved the best bid or ask."""


class MarketFanout:
    """The one fan-out of a simulator: every venue feed, and what they share."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.feeds: list[VenueFeed] = []
        self.tapes: dict[str, MarketTape] = {}
        self.order_symbols: frozenset[str] = frozenset()
        self.step_listeners: list[StepListener] = []
        self.on_activity: Callable[[], None] = lambda: None
        self._watchers: Counter[str] = Counter()  # symbol -> subscriptions to it (any venue)
        self._market_watchers: Counter[str] = Counter()  # ... to more than its book

    def add_feed(self, feed: VenueFeed) -> None:
        self.feeds.append(feed)

    # --- who watches what ---------------------------------------------------------------------

    def watch(self, symbol: str, delta: int, *, market_data: bool) -> None:
        """A venue's subscriptions to ``symbol`` changed by ``delta``; ``market_data``: they
        are to its trades, ticker or candles (so a replayed tape records its trades)."""
        self._watchers[symbol] += delta
        if market_data:
            self._market_watchers[symbol] += delta
        self.on_activity()

    @property
    def active_symbols(self) -> list[str]:
        """Symbols someone watches, in instrument order (the market steps only these)."""
        return [s for s in self.market.instruments if self._watchers[s]]

    def set_order_symbols(self, symbols: frozenset[str]) -> None:
        """Keep ``symbols`` moving even when nobody watches them (open user orders)."""
        for symbol in symbols - self.order_symbols:
            self._watchers[symbol] += 1
        for symbol in self.order_symbols - symbols:
            self._watchers[symbol] -= 1
        self.order_symbols = symbols
        self.on_activity()

    # --- live steps ---------------------------------------------------------------------------

    def sync(self, symbol: str) -> None:
        """Bring the market's book of ``symbol`` up to date (a tape updates it lazily)."""
        tape = self.tapes.get(symbol)
        if tape is not None:
            tape.sync()

    def publish(self, step: MarketStep) -> None:
        """Every venue queues the frames of one live step."""
        for feed in self.feeds:
            feed.publish(step)

    def after_step(self, step: MarketStep) -> None:
        """Show a published live step to the step listeners (the matching engine); separate
        from :meth:`publish` so that every venue shows the step before what follows from it."""
        for listener in self.step_listeners:
            listener(step)

    # --- max rate -----------------------------------------------------------------------------

    def attach_tape(self, tape: MarketTape) -> None:
        self.tapes[tape.symbol] = tape
        for feed in self.feeds:
            feed.attach_tape(tape)

    def replay(self, tape: MarketTape, count: int, now_ns: int) -> None:
        """Play the next ``count`` steps of ``tape`` to every venue, in step order."""
        symbol = tape.symbol
        players = [player for feed in self.feeds for player in feed.players(tape, now_ns)]
        watched = self._market_watchers[symbol] > 0
        matched = symbol in self.order_symbols
        fills, bbo_changed = tape.fills, tape.bbo_changed
        for _ in range(count):
            index = tape.advance()
            for player in players:
                player.play(index)
            if (watched or matched) and (fills[index] or bbo_changed[index]):
                self._market_data(tape, index, now_ns, watched, matched)

    def _market_data(
        self, tape: MarketTape, index: int, now_ns: int, watched: bool, matched: bool
    ) -> None:
        fills = tape.fills[index]
        trades = tape.market.record(fills, now_ns) if fills else []
        if watched:
            for feed in self.feeds:
                feed.replayed(tape.symbol, trades, tape.bbo_changed[index], now_ns)
        if matched and trades:
            step = MarketStep(tape.symbol, now_ns, fills=fills, trades=trades)
            for listener in self.step_listeners:
                listener(step)
