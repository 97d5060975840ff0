"""The Kraken v2 fan-out: who watches what, and the frames each market step produces.

Subscribers are grouped by what they receive: book by (symbol, depth), ticker by (symbol,
event trigger), trade by symbol, ohlc by (symbol, interval). A group's frame is encoded once and
appended to the outbox of each of its subscribers (anything with an ``outbox`` list of
complete websocket frames: a
:class:`~spotstream.simulator.venues.kraken.v2.public.SimKrakenV2PublicSession`). The hub is one
:class:`~spotstream.simulator.market.fanout.VenueFeed` of the simulator's
:class:`~spotstream.simulator.market.fanout.MarketFanout` (what the scheduler and the matching
engine drive), to which it reports who watches what; in max-rate mode it pre-encodes each
tape's book updates per depth (:mod:`spotstream.simulator.venues.kraken.v2.tape`) and plays
them as the fan-out steps through the tape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Protocol

from spotstream.protocol.kraken.channels import OHLC_INTERVALS
from spotstream.simulator.faults import Faults
from spotstream.simulator.framing import NumberStyle, PairNumbers, rfc3339, timestamp, ws_frame
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.state import Market, MarketStep
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.market.tape import MarketTape
from spotstream.simulator.venues.kraken.v2 import frames
from spotstream.simulator.venues.kraken.v2.book import BOOK_TAIL, BookView, BookViewChange
from spotstream.simulator.venues.kraken.v2.tape import TapeUpdates, encode_updates


class Subscriber(Protocol):
    outbox: list[bytes]


Group = dict[Subscriber, None]  # insertion-ordered set: fan-out order is deterministic


class BookGroup:
    """The subscribers of one (symbol, depth) and their shared window; at max rate, the
    tape player of that depth."""

    __slots__ = ("corrupt", "malformed", "subscribers", "tape_updates", "time", "view")

    def __init__(self, view: BookView) -> None:
        self.view = view
        self.subscribers: Group = {}
        self.corrupt = False
        self.malformed = False
        self.tape_updates: list[BookViewChange | None] | None = None
        self.time = b""  # the timestamp text of the batch being played

    def play(self, index: int) -> None:
        assert self.tape_updates is not None
        update = self.tape_updates[index]
        if update is None:
            return
        if self.corrupt or self.malformed:
            update = self._faulty(update)
        frame = update.head + self.time + BOOK_TAIL  # deliver(), inlined: the max-rate loop
        for subscriber in self.subscribers:
            subscriber.outbox.append(frame)

    def deliver(self, update: BookViewChange, time: bytes) -> None:
        if self.corrupt or self.malformed:
            update = self._faulty(update)
        frame = update.head + time + BOOK_TAIL
        for subscriber in self.subscribers:
            subscriber.outbox.append(frame)

    def _faulty(self, update: BookViewChange) -> BookViewChange:
        """``update`` as the armed fault sends it (malformed wins over corrupted)."""
        if self.malformed:
            self.malformed = False
            return update.malformed()
        self.corrupt = False
        return update.corrupted()


class KrakenV2Hub:
    """Kraken v2 public market data for every connection of one simulator."""

    def __init__(
        self,
        market: Market,
        fanout: MarketFanout,
        clock: Callable[[], int],
        faults: Faults,
        style: NumberStyle,
    ) -> None:
        self.market = market
        self.fanout = fanout
        self.clock = clock
        self.faults = faults
        self.style: NumberStyle = style
        self.numbers = {
            s: PairNumbers(spec.price_precision, spec.qty_precision, style)
            for s, spec in market.instruments.items()
        }
        self.books: dict[str, dict[int, BookGroup]] = {}  # symbol -> depth -> group
        self.tickers: dict[tuple[str, str], Group] = {}
        self.trades: dict[str, Group] = {}
        self.ohlc: dict[tuple[str, int], Group] = {}
        self.instrument: Group = {}
        self._tape_updates: dict[str, dict[int, TapeUpdates]] = {}  # symbol -> depth -> ...
        self._market_watchers: Counter[str] = Counter()  # symbol -> its trades, ticker, ohlc
        self._corrupt_pending: set[str] = set()
        self._instrument_frame: bytes | None = None
        faults.on_corrupt(self.corrupt_next_checksum)
        faults.on_malform(self.malform_next_book)
        fanout.add_feed(self)

    # --- who watches what ---------------------------------------------------------------------

    def book_group(self, symbol: str, depth: int) -> BookGroup:
        groups = self.books.setdefault(symbol, {})
        group = groups.get(depth)
        if group is None:
            self.sync(symbol)
            view = BookView(self.market[symbol].book, depth, self.numbers[symbol])
            group = groups[depth] = BookGroup(view)
            tape = self.fanout.tapes.get(symbol)
            if tape is not None:
                group.tape_updates = self._updates(tape, depth)
            if symbol in self._corrupt_pending:
                self._corrupt_pending.discard(symbol)
                group.corrupt = True
        return group

    def join(self, symbol: str, group: Group | BookGroup, subscriber: Subscriber) -> None:
        members = group.subscribers if isinstance(group, BookGroup) else group
        members[subscriber] = None
        self._count(symbol, group, 1)

    def leave(self, symbol: str, group: Group | BookGroup, subscriber: Subscriber) -> None:
        members = group.subscribers if isinstance(group, BookGroup) else group
        if subscriber not in members:
            return
        del members[subscriber]
        self._count(symbol, group, -1)
        if isinstance(group, BookGroup) and not group.subscribers:
            del self.books[symbol][group.view.depth]

    def _count(self, symbol: str, group: Group | BookGroup, delta: int) -> None:
        if not symbol:
            return
        market_data = not isinstance(group, BookGroup)
        if market_data:
            self._market_watchers[symbol] += delta
        self.fanout.watch(symbol, delta, market_data=market_data)

    def corrupt_next_checksum(self, symbol: str) -> None:
        groups = self.books.get(symbol, {}).values()
        for group in groups:
            group.corrupt = True
        if not groups:
            self._corrupt_pending.add(symbol)

    def malform_next_book(self, symbol: str) -> None:
        """The next update of each of ``symbol``'s book groups goes out unusable (groups
        only: a symbol nobody watches has no next update to spoil)."""
        for group in self.books.get(symbol, {}).values():
            group.malformed = True

    def attach_tape(self, tape: MarketTape) -> None:
        """Switch ``tape.symbol`` to max-rate replay (its existing groups included)."""
        self._tape_updates[tape.symbol] = {}
        for group in self.books.get(tape.symbol, {}).values():
            group.tape_updates = self._updates(tape, group.view.depth)

    def _updates(self, tape: MarketTape, depth: int) -> TapeUpdates:
        """The tape's pre-encoded updates for ``depth`` (encoded once per depth)."""
        cache = self._tape_updates.setdefault(tape.symbol, {})
        updates = cache.get(depth)
        if updates is None:
            updates = cache[depth] = encode_updates(tape, depth, self.numbers[tape.symbol])
        return updates

    # --- snapshots ----------------------------------------------------------------------------

    def sync(self, symbol: str) -> None:
        """Bring the market's book of ``symbol`` up to date (max-rate mode updates it lazily)."""
        self.fanout.sync(symbol)

    def book_snapshot(self, group: BookGroup, now_ns: int) -> bytes:
        if group.tape_updates is not None:
            self.sync(group.view.symbol)
            group.view.reset()
        return group.view.snapshot(timestamp(now_ns))

    def ticker_snapshot(self, symbol: str, now_ns: int) -> bytes:
        self.sync(symbol)
        return frames.ticker(self.market[symbol], self.numbers[symbol], "snapshot", now_ns)

    def trade_snapshot(self, symbol: str) -> bytes:
        recent = self.market[symbol].tape.recent
        return frames.trades(symbol, recent, self.numbers[symbol], "snapshot")

    def ohlc_snapshot(self, symbol: str, interval: int, now_ns: int) -> bytes:
        candles = self.market[symbol].candles[interval].candles
        return frames.ohlc(symbol, candles, self.numbers[symbol], "snapshot", now_ns)

    def instrument_snapshot(self) -> bytes:
        if self._instrument_frame is None:
            self._instrument_frame = frames.instrument(
                self.market.assets, self.market.instruments.values(), self.style
            )
        return self._instrument_frame

    # --- market steps -------------------------------------------------------------------------

    def publish(self, step: MarketStep) -> None:
        """Queue the frames of one live market step (already applied to the market)."""
        time = rfc3339(step.time_ns).encode()
        for group in self.books.get(step.symbol, {}).values():
            update = group.view.update(step.bids, step.asks)
            if update is not None:
                group.deliver(update, time)
        self._publish_market_data(step.symbol, step.trades, step.bbo_changed, step.time_ns)

    def players(self, tape: MarketTape, now_ns: int) -> list[BookGroup]:
        """The book groups of ``tape.symbol`` to play the next batch to, stamped ``now_ns``."""
        time = rfc3339(now_ns).encode()
        groups = [g for g in self.books.get(tape.symbol, {}).values() if g.tape_updates is not None]
        for group in groups:
            group.time = time
        return groups

    def replayed(
        self, symbol: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int
    ) -> None:
        """A replayed step's trades and ticker (the book came from its player)."""
        self._publish_market_data(symbol, trades, bbo_changed, now_ns)

    def _publish_market_data(
        self, symbol: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int
    ) -> None:
        if not self._market_watchers[symbol]:
            return
        if trades:
            self._publish_trades(symbol, trades, now_ns)
            self._publish_ticker(symbol, "trades", now_ns)
        if bbo_changed:
            self._publish_ticker(symbol, "bbo", now_ns)

    def _publish_trades(self, symbol: str, trades: list[TapeTrade], now_ns: int) -> None:
        numbers = self.numbers[symbol]
        group = self.trades.get(symbol)
        if group:
            _deliver(group, frames.trades(symbol, trades, numbers, "update"))
        series = self.market[symbol].candles
        for interval in OHLC_INTERVALS:
            group = self.ohlc.get((symbol, interval))
            if group:
                candle = series[interval].candles[-1]
                _deliver(group, frames.ohlc(symbol, [candle], numbers, "update", now_ns))

    def _publish_ticker(self, symbol: str, trigger: str, now_ns: int) -> None:
        group = self.tickers.get((symbol, trigger))
        if group:
            self.sync(symbol)
            market, numbers = self.market[symbol], self.numbers[symbol]
            _deliver(group, frames.ticker(market, numbers, "update", now_ns))


def _deliver(group: Iterable[Subscriber], payload: bytes) -> None:
    frame = ws_frame(payload)
    for subscriber in group:
        subscriber.outbox.append(frame)
