"""The Kraken v1 fan-out: who watches what, and the v1 frames each market step produces.

The hub is a :class:`~spotstream.simulator.market.fanout.VenueFeed` of the same
:class:`~spotstream.simulator.market.fanout.MarketFanout` as Kraken v2's, so it sees every step
of the one market: a v1 and a v2 client watching a pair see the same book and the same trades,
in v1's names (the REST ``wsname``, ``XBT/USD``), numbers (:mod:`.numbers`) and checksums.
Subscribers are grouped by what they receive (book by pair and depth, ticker, trade and spread
by pair, ohlc by pair and interval); a group's frame is encoded once for all its members.

Decisions where Kraken's documentation is silent (UNCONFIRMED):

- ``channelID`` is fixed per (channel name, pair), the same on every connection, as captured
  (Kraken sent ``book-10`` ``XBT/USD`` as 336 in 2023 to different clients);
- a ticker is sent on every step that traded or moved the best bid or ask (once per step), a
  spread on every step that moved the best bid or ask, every subscribed ohlc interval's candle
  on every step that traded;
- at max rate the book frames are encoded once per tape and depth, every level stamped with
  the frame's time (a republished level too: its own last change is not tracked there).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Protocol

from spotstream.protocol.kraken.channels import BOOK_DEPTHS, OHLC_INTERVALS
from spotstream.simulator.faults import Faults
from spotstream.simulator.framing import ws_frame
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.state import Level, Market, MarketStep
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.market.tape import MarketTape
from spotstream.simulator.venues.kraken.rest import pair_names
from spotstream.simulator.venues.kraken.v1 import frames
from spotstream.simulator.venues.kraken.v1.book import V1BookUpdate, V1BookView
from spotstream.simulator.venues.kraken.v1.numbers import V1Numbers, epoch_text

CHANNEL_NAMES = (
    *(f"book-{depth}" for depth in BOOK_DEPTHS),
    "ticker",
    "trade",
    "spread",
    *(f"ohlc-{interval}" for interval in OHLC_INTERVALS),
)
FIRST_CHANNEL_ID = 320
CHANNELS_PER_PAIR = 32


class Subscriber(Protocol):
    outbox: list[bytes]


Group = dict[Subscriber, None]  # insertion-ordered set: fan-out order is deterministic
TapeUpdates = list[V1BookUpdate | None]


class LevelTimes:
    """When each level of one pair last changed (the time v1 sends with a republished level
    and in a snapshot), kept while the pair has v1 book subscribers."""

    __slots__ = ("asks", "bids")

    def __init__(self) -> None:
        self.bids: dict[int, str] = {}  # price units -> epoch text
        self.asks: dict[int, str] = {}

    def record(self, bids: list[Level], asks: list[Level], now_ns: int) -> None:
        text = epoch_text(now_ns)
        for levels, times in ((bids, self.bids), (asks, self.asks)):
            for price, qty in levels:
                if qty:
                    times[price] = text
                else:
                    times.pop(price, None)

    def __call__(self, sign: int, price: int) -> str | None:
        return (self.asks if sign > 0 else self.bids).get(price)


class V1BookGroup:
    """The subscribers of one (pair, depth) and their shared window; at max rate, the tape
    player of that depth."""

    __slots__ = ("corrupt", "subscribers", "tape_updates", "time", "view")

    def __init__(self, view: V1BookView) -> None:
        self.view = view
        self.subscribers: Group = {}
        self.corrupt = False
        self.tape_updates: TapeUpdates | None = None
        self.time = b""  # the time text of the batch being played

    def deliver(self, update: V1BookUpdate, time: bytes) -> None:
        if self.corrupt:
            self.corrupt = False
            update = update.corrupted()
        frame = update.frame(time)
        for subscriber in self.subscribers:
            subscriber.outbox.append(frame)

    def play(self, index: int) -> None:
        assert self.tape_updates is not None
        update = self.tape_updates[index]
        if update is None:
            return
        if self.corrupt:
            self.corrupt = False
            update = update.corrupted()
        frame = self.time.join(update.parts)  # deliver(), inlined: the max-rate loop
        for subscriber in self.subscribers:
            subscriber.outbox.append(frame)


class KrakenV1Hub:
    """Kraken v1 public market data for every connection of one simulator."""

    def __init__(
        self, market: Market, fanout: MarketFanout, clock: Callable[[], int], faults: Faults
    ) -> None:
        self.market = market
        self.fanout = fanout
        self.clock = clock
        self.faults = faults
        self.numbers = {s: V1Numbers(spec) for s, spec in market.instruments.items()}
        self.names = {s: pair_names(spec)[2] for s, spec in market.instruments.items()}
        self.symbols = {name: symbol for symbol, name in self.names.items()}  # v1 -> market
        self._index = {symbol: i for i, symbol in enumerate(market.instruments)}
        self.books: dict[str, dict[int, V1BookGroup]] = {}  # symbol -> depth -> group
        self.tickers: dict[str, Group] = {}
        self.trades: dict[str, Group] = {}
        self.spreads: dict[str, Group] = {}
        self.ohlc: dict[tuple[str, int], Group] = {}
        self.level_times: dict[str, LevelTimes] = {}
        self._tape_updates: dict[str, dict[int, TapeUpdates]] = {}  # symbol -> depth -> ...
        self._market_watchers: Counter[str] = Counter()
        self._corrupt_pending: set[str] = set()
        faults.on_corrupt(self.corrupt_next_checksum)
        fanout.add_feed(self)

    def channel_id(self, channel_name: str, symbol: str) -> int:
        offset = CHANNEL_NAMES.index(channel_name)
        return FIRST_CHANNEL_ID + CHANNELS_PER_PAIR * self._index[symbol] + offset

    # --- who watches what ---------------------------------------------------------------------

    def book_group(self, symbol: str, depth: int) -> V1BookGroup:
        groups = self.books.setdefault(symbol, {})
        group = groups.get(depth)
        if group is None:
            self.fanout.sync(symbol)
            channel_id = self.channel_id(f"book-{depth}", symbol)
            view = V1BookView(
                self.market[symbol].book,
                depth,
                self.numbers[symbol],
                channel_id,
                self.names[symbol],
            )
            group = groups[depth] = V1BookGroup(view)
            self.level_times.setdefault(symbol, LevelTimes())
            tape = self.fanout.tapes.get(symbol)
            if tape is not None:
                group.tape_updates = self._updates(tape, depth)
            if symbol in self._corrupt_pending:
                self._corrupt_pending.discard(symbol)
                group.corrupt = True
        return group

    def join(self, symbol: str, group: Group | V1BookGroup, subscriber: Subscriber) -> None:
        members = group.subscribers if isinstance(group, V1BookGroup) else group
        members[subscriber] = None
        self._count(symbol, group, 1)

    def leave(self, symbol: str, group: Group | V1BookGroup, subscriber: Subscriber) -> None:
        members = group.subscribers if isinstance(group, V1BookGroup) else group
        if subscriber not in members:
            return
        del members[subscriber]
        self._count(symbol, group, -1)
        if isinstance(group, V1BookGroup) and not group.subscribers:
            groups = self.books[symbol]
            del groups[group.view.depth]
            if not groups:
                del self.books[symbol]
                self.level_times.pop(symbol, None)

    def _count(self, symbol: str, group: Group | V1BookGroup, delta: int) -> None:
        market_data = not isinstance(group, V1BookGroup)
        if market_data:
            self._market_watchers[symbol] += delta
        self.fanout.watch(symbol, delta, market_data=market_data)

    def corrupt_next_checksum(self, symbol: str) -> None:
        groups = self.books.get(symbol, {}).values()
        for group in groups:
            group.corrupt = True
        if not groups:
            self._corrupt_pending.add(symbol)

    # --- snapshots ----------------------------------------------------------------------------

    def book_snapshot(self, group: V1BookGroup, now_ns: int) -> bytes:
        symbol = group.view.deep.symbol
        if group.tape_updates is not None:
            self.fanout.sync(symbol)
            group.view.reset()
            return group.view.snapshot(epoch_text(now_ns))
        return group.view.snapshot(epoch_text(now_ns), self.level_times.get(symbol))

    def ticker_frame(self, symbol: str) -> bytes:
        self.fanout.sync(symbol)
        channel_id = self.channel_id("ticker", symbol)
        message = frames.ticker(
            channel_id, self.names[symbol], self.market[symbol], self.numbers[symbol]
        )
        return frames.encode(message)

    def spread_frame(self, symbol: str, now_ns: int) -> bytes:
        self.fanout.sync(symbol)
        market, numbers = self.market[symbol], self.numbers[symbol]
        channel_id = self.channel_id("spread", symbol)
        return frames.encode(frames.spread(channel_id, self.names[symbol], market, numbers, now_ns))

    def ohlc_frame(self, symbol: str, interval: int) -> bytes:
        name = f"ohlc-{interval}"
        candle = self.market[symbol].candles[interval].candles[-1]
        channel_id = self.channel_id(name, symbol)
        message = frames.ohlc(channel_id, self.names[symbol], candle, self.numbers[symbol], name)
        return frames.encode(message)

    # --- the fan-out's feed -------------------------------------------------------------------

    def publish(self, step: MarketStep) -> None:
        """Queue the v1 frames of one live step (already applied to the market)."""
        symbol = step.symbol
        groups = self.books.get(symbol)
        if groups:
            times = self.level_times[symbol]
            now = epoch_text(step.time_ns).encode()
            for group in groups.values():
                update = group.view.update(step.bids, step.asks, times)
                if update is not None:
                    group.deliver(update, now)
            times.record(step.bids, step.asks, step.time_ns)
        self._market_data(symbol, step.trades, step.bbo_changed, step.time_ns)

    def attach_tape(self, tape: MarketTape) -> None:
        """Pre-encode the tape for the depths already subscribed."""
        self._tape_updates[tape.symbol] = {}
        for group in self.books.get(tape.symbol, {}).values():
            group.tape_updates = self._updates(tape, group.view.depth)

    def players(self, tape: MarketTape, now_ns: int) -> list[V1BookGroup]:
        time = epoch_text(now_ns).encode()
        groups = [g for g in self.books.get(tape.symbol, {}).values() if g.tape_updates is not None]
        for group in groups:
            group.time = time
        return groups

    def replayed(
        self, symbol: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int
    ) -> None:
        self._market_data(symbol, trades, bbo_changed, now_ns)

    def _updates(self, tape: MarketTape, depth: int) -> TapeUpdates:
        """The update (or ``None``) of every step of ``tape`` for a depth-``depth`` window,
        indexed by step, encoded once per depth from the current position."""
        cache = self._tape_updates.setdefault(tape.symbol, {})
        updates = cache.get(depth)
        if updates is not None:
            return updates
        tape.sync()
        scratch = tape.market.book.copy()
        symbol = tape.symbol
        channel_id = self.channel_id(f"book-{depth}", symbol)
        view = V1BookView(scratch, depth, self.numbers[symbol], channel_id, self.names[symbol])
        updates = cache[depth] = [None] * tape.size
        index = tape.position
        for _ in range(tape.size):
            bids, asks = tape.bids[index], tape.asks[index]
            scratch.apply(bids, asks)
            updates[index] = view.update(bids, asks)
            index = index + 1 if index + 1 < tape.size else 0
        return updates

    # --- trades, tickers, spreads, candles -----------------------------------------------------

    def _market_data(
        self, symbol: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int
    ) -> None:
        if not self._market_watchers[symbol]:
            return
        if trades:
            group = self.trades.get(symbol)
            if group:
                message = frames.trades(
                    self.channel_id("trade", symbol),
                    self.names[symbol],
                    trades,
                    self.numbers[symbol],
                )
                _deliver(group, frames.encode(message))
            for interval in OHLC_INTERVALS:
                group = self.ohlc.get((symbol, interval))
                if group:
                    _deliver(group, self.ohlc_frame(symbol, interval))
        if bbo_changed:
            group = self.spreads.get(symbol)
            if group:
                _deliver(group, self.spread_frame(symbol, now_ns))
        if trades or bbo_changed:
            group = self.tickers.get(symbol)
            if group:
                _deliver(group, self.ticker_frame(symbol))


def _deliver(group: Iterable[Subscriber], payload: bytes) -> None:
    frame = ws_frame(payload)
    for subscriber in group:
        subscriber.outbox.append(frame)
