"""Kraken WebSocket v2 level 3 (``wss://ws-l3.kraken.com/v2``): windows, fan-out and sessions.

:class:`L3Hub` keeps, per watched instrument, the market's orders (:class:`OrderBookL3`) and
one :class:`L3View` per subscribed depth (10, 100 or 1000 price levels per side). After each
change (a market step, or the matching engine's user orders moving) every view sends what
its subscribers need to hold the new best ``depth`` levels (spec §6.5):

- a level inside the window that changed: its orders' net ``delete`` / ``modify`` / ``add``;
- a level inside the window that disappeared: ``delete`` of each of its orders;
- a level that enters the window (new, or sliding up from below): ``add`` of each order;
- a level pushed out of the window: nothing (the client truncates).

Deletes come first, then the other events best level first, so a client that truncates after
every event also ends right. Every message carries the checksum of the best 10 levels, the same
for every depth. :class:`SimKrakenV2L3Session` is one connection (sans-I/O, like
:class:`~spotstream.simulator.venues.kraken.v2.public.SimKrakenV2PublicSession`); a token is
required on every subscribe and unsubscribe. The hub is a
:class:`~spotstream.simulator.market.fanout.VenueFeed` of its own: it follows every market step,
live or replayed, after the public hub.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable
from random import Random

import msgspec

from spotstream.protocol.kraken.v2 import wire
from spotstream.simulator.framing import ws_frame
from spotstream.simulator.market.state import MarketStep
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.market.tape import MarketTape
from spotstream.simulator.matching.orders import UserOrderOnBook
from spotstream.simulator.venues.kraken.v2 import frames
from spotstream.simulator.venues.kraken.v2.hub import KrakenV2Hub, Subscriber
from spotstream.simulator.venues.kraken.v2.l3_book import (
    Before,
    L3Change,
    LevelEvents,
    OrderBookL3,
    OrderQueueSide,
    snapshot_frame,
    update_frame,
)
from spotstream.simulator.venues.kraken.v2.public import (
    ALREADY_SUBSCRIBED,
    INVALID_ARGUMENTS,
    NAME_INVALID,
    NOT_FOUND,
    PING_PARAMS,
    UNSUPPORTED_EVENT,
)

L3_DEPTHS = (10, 100, 1000)
INVALID_TOKEN = "EAPI:Invalid token"


class L3View:
    """The best ``depth`` levels of one instrument's orders, as its subscribers hold them."""

    __slots__ = ("book", "depth", "subscribers", "worst")

    def __init__(self, book: OrderBookL3, depth: int) -> None:
        self.book = book
        self.depth = depth
        self.subscribers: dict[Subscriber, None] = {}
        self.worst = [self._worst(book.bids), self._worst(book.asks)]  # D-th key per side

    def _worst(self, side: OrderQueueSide) -> int | None:
        size = min(self.depth, len(side.keys))
        return side.keys[size - 1] if size else None

    def events(self, change: L3Change, diffs: LevelEvents) -> tuple[list[str], list[str]]:
        """The bid and ask events of ``change`` for this window (and follow it)."""
        return (
            self._side(0, self.book.bids, change.bids, diffs),
            self._side(1, self.book.asks, change.asks, diffs),
        )

    def _side(
        self, index: int, side: OrderQueueSide, touched: dict[int, Before], diffs: LevelEvents
    ) -> list[str]:
        """One side's events (deletes first, then the rest best level first); O(touched
        levels + levels sliding into the window)."""
        old_worst = self.worst[index]
        new_worst = self.worst[index] = self._worst(side)
        if not touched and new_worst == old_worst:
            return []
        deletes: list[str] = []
        updates: list[tuple[int, list[str]]] = []
        for key, before in touched.items():
            inside_before = before is not None and old_worst is not None and key <= old_worst
            exists = key in side.levels
            inside_after = exists and new_worst is not None and key <= new_worst
            if inside_before and (inside_after or not exists):
                gone, changed = diffs.level(side, key, before)
                deletes.extend(gone)
                if changed:
                    updates.append((key, changed))
            elif inside_after and not inside_before:
                updates.append((key, diffs.adds(side, key)))
        if new_worst is not None and (old_worst is None or new_worst > old_worst):
            start = 0 if old_worst is None else bisect_right(side.keys, old_worst)
            size = min(self.depth, len(side.keys))
            updates.extend(
                (key, diffs.adds(side, key)) for key in side.keys[start:size] if key not in touched
            )
        updates.sort(key=lambda item: item[0])
        deletes.extend(text for _, texts in updates for text in texts)
        return deletes


class _Instrument:
    __slots__ = ("book", "corrupt", "views")

    def __init__(self, book: OrderBookL3) -> None:
        self.book = book
        self.views: dict[int, L3View] = {}
        self.corrupt = False


class L3Hub:
    """Level 3 for every connection of one simulator, fed every market step by the fan-out
    (after the public hub, whose numbers, clock and faults it shares).

    ``resting`` (the matching engine's ``resting_orders``) lists a symbol's user orders; call
    :meth:`users_changed` when they change.
    """

    def __init__(
        self,
        hub: KrakenV2Hub,
        seed: int,
        resting: Callable[[str], Iterable[UserOrderOnBook]] | None = None,
    ) -> None:
        self.hub = hub
        self.seed = seed
        self.resting = resting
        self.instruments: dict[str, _Instrument] = {}
        self._generations: Counter[str] = Counter()
        self._corrupt_pending: set[str] = set()
        hub.faults.on_corrupt(self.corrupt_next_checksum)
        hub.fanout.add_feed(self)

    def view(self, symbol: str, depth: int) -> L3View:
        """The view of ``symbol`` at ``depth`` (the instrument's orders are made on first use)."""
        instrument = self.instruments.get(symbol)
        if instrument is None:
            instrument = self.instruments[symbol] = _Instrument(self._new_book(symbol))
            if symbol in self._corrupt_pending:
                self._corrupt_pending.discard(symbol)
                instrument.corrupt = True
        view = instrument.views.get(depth)
        if view is None:
            view = instrument.views[depth] = L3View(instrument.book, depth)
        return view

    def _new_book(self, symbol: str) -> OrderBookL3:
        self.hub.sync(symbol)
        self._generations[symbol] += 1
        rng = Random(f"{self.seed}/{symbol}/level3/{self._generations[symbol]}")
        market, now = self.hub.market[symbol], self.hub.clock()
        book = OrderBookL3(market.book, self.hub.numbers[symbol], rng, market.qty_min, now)
        if self.resting is not None:
            book.apply_users(self.resting(symbol), now)
        return book

    def join(self, view: L3View, subscriber: Subscriber) -> None:
        self.hub.join(view.book.symbol, view.subscribers, subscriber)

    def leave(self, view: L3View, subscriber: Subscriber) -> None:
        symbol = view.book.symbol
        self.hub.leave(symbol, view.subscribers, subscriber)
        instrument = self.instruments.get(symbol)
        if instrument is None or view.subscribers:
            return
        instrument.views.pop(view.depth, None)
        if not instrument.views:
            del self.instruments[symbol]

    def snapshot(self, view: L3View) -> bytes:
        return snapshot_frame(view.book, view.depth, view.book.checksum(), self.hub.clock())

    def corrupt_next_checksum(self, symbol: str) -> None:
        instrument = self.instruments.get(symbol)
        if instrument is None:
            self._corrupt_pending.add(symbol)
        else:
            instrument.corrupt = True

    # --- changes ------------------------------------------------------------------------------

    def publish(self, step: MarketStep) -> None:
        """Follow one live market step (already applied to the market)."""
        instrument = self.instruments.get(step.symbol)
        if instrument is not None:
            change = instrument.book.apply_step(step.bids, step.asks, step.fills, step.time_ns)
            self.deliver(instrument, change)

    def attach_tape(self, tape: MarketTape) -> None:
        """Nothing to pre-encode: level 3 follows a tape step by step."""

    def players(self, tape: MarketTape, now_ns: int) -> list[_TapeFollower]:
        """Level 3 of ``tape.symbol`` follows the next batch of the tape step by step."""
        instrument = self.instruments.get(tape.symbol)
        if instrument is None:
            return []
        return [_TapeFollower(self, instrument, tape, now_ns)]

    def replayed(
        self, symbol: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int
    ) -> None:
        """Replayed trades are already in the orders a tape step removes."""

    def users_changed(self, symbol: str) -> None:
        """The matching engine's resting orders of ``symbol`` changed."""
        instrument = self.instruments.get(symbol)
        if instrument is not None and self.resting is not None:
            change = instrument.book.apply_users(self.resting(symbol), self.hub.clock())
            self.deliver(instrument, change)

    def deliver(self, instrument: _Instrument, change: L3Change) -> None:
        """Send each view what ``change`` means for its window."""
        if not change:
            return
        diffs = LevelEvents(instrument.book, change.time_ns)
        checksum: int | None = None
        for view in instrument.views.values():
            bids, asks = view.events(change, diffs)
            if not bids and not asks:
                continue
            if checksum is None:
                checksum = instrument.book.checksum()
                if instrument.corrupt:
                    instrument.corrupt = False
                    checksum = (checksum + 1) & 0xFFFFFFFF
            payload = update_frame(instrument.book.symbol, bids, asks, checksum, change.time_ns)
            frame = ws_frame(payload)
            for subscriber in view.subscribers:
                subscriber.outbox.append(frame)


class _TapeFollower:
    """Plays the steps of a max-rate tape to one instrument's level 3."""

    __slots__ = ("hub", "instrument", "now_ns", "tape")

    def __init__(self, hub: L3Hub, instrument: _Instrument, tape: MarketTape, now_ns: int) -> None:
        self.hub = hub
        self.instrument = instrument
        self.tape = tape
        self.now_ns = now_ns

    def play(self, index: int) -> None:
        tape = self.tape
        change = self.instrument.book.apply_step(
            tape.bids[index], tape.asks[index], tape.fills[index], self.now_ns
        )
        self.hub.deliver(self.instrument, change)


# --- sessions ---------------------------------------------------------------------------------


class _Envelope(msgspec.Struct):
    method: str
    params: msgspec.Raw = msgspec.Raw(b"")
    req_id: int | None = None


class _Params(msgspec.Struct):
    channel: str
    symbol: list[str] | None = None
    depth: int | None = None
    snapshot: bool | None = None
    token: str | None = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_PARAMS = msgspec.json.Decoder(_Params)


class SimKrakenV2L3Session:
    """One client connection to the level-3 endpoint.

    ``authorize(token)`` returns the token's account id, or ``None`` (unknown or expired).
    """

    def __init__(
        self, hub: L3Hub, connection_id: int, authorize: Callable[[str], str | None]
    ) -> None:
        self.hub = hub
        self.connection_id = connection_id
        self.authorize = authorize
        self.outbox: list[bytes] = []
        self.streams: dict[str, L3View] = {}  # symbol -> its view (one depth per symbol)

    def open(self) -> None:
        """Greet a new connection with the status update."""
        self._send(frames.status(self.connection_id))

    def close(self) -> None:
        """Leave every stream (the connection is gone)."""
        for view in self.streams.values():
            self.hub.leave(view, self)
        self.streams.clear()

    def receive(self, payload: bytes | str) -> None:
        """Handle one request frame."""
        time_in = self.hub.hub.clock()
        try:
            request = _ENVELOPE.decode(payload)
        except msgspec.MsgspecError:
            self._send(frames.error(None, None, UNSUPPORTED_EVENT, time_in, self.hub.hub.clock()))
            return
        if request.method == "ping":
            self._ping(request, time_in)
        elif request.method in ("subscribe", "unsubscribe"):
            params = self._params(request, time_in)
            if params is not None and request.method == "subscribe":
                self._subscribe(request, params, time_in)
            elif params is not None:
                self._unsubscribe(request, params, time_in)
        else:
            self._fail(request, time_in, UNSUPPORTED_EVENT)

    def _ping(self, request: _Envelope, time_in: int) -> None:
        if request.params:
            self._fail(request, time_in, PING_PARAMS)
        else:
            self._send(frames.pong(request.req_id, time_in, self.hub.hub.clock()))

    def _params(self, request: _Envelope, time_in: int) -> tuple[_Params, list[str]] | None:
        """Valid params with their distinct symbols, or ``None`` once the error is sent."""
        try:
            params = _PARAMS.decode(request.params or b"null")
        except msgspec.MsgspecError:
            self._fail(request, time_in, INVALID_ARGUMENTS)
            return None
        error = None
        if params.channel != "level3":
            error = NAME_INVALID
        elif params.token is None or self.authorize(params.token) is None:
            error = INVALID_TOKEN
        elif not params.symbol or (params.depth is not None and params.depth not in L3_DEPTHS):
            error = INVALID_ARGUMENTS
        if error is not None:
            self._fail(request, time_in, error)
            return None
        return params, list(dict.fromkeys(params.symbol or ()))

    def _subscribe(
        self, request: _Envelope, checked: tuple[_Params, list[str]], time_in: int
    ) -> None:
        params, symbols = checked
        rejection = self.hub.hub.faults.take_subscribe_rejection()
        snapshot = params.snapshot is not False
        for symbol in symbols:
            error = rejection or self._symbol_error(symbol)
            if error:
                self._fail(request, time_in, error, symbol)
                continue
            view = self.hub.view(symbol, params.depth or 10)
            self._ack(request, wire.SubscribeResult("level3", symbol, snapshot), time_in)
            if snapshot:
                self._send(self.hub.snapshot(view))
            self.hub.join(view, self)
            self.streams[symbol] = view

    def _unsubscribe(
        self, request: _Envelope, checked: tuple[_Params, list[str]], time_in: int
    ) -> None:
        params, symbols = checked
        for symbol in symbols:
            view = self.streams.get(symbol)
            if view is None or params.depth not in (None, view.depth):
                # Kraken answers with method "subscribe" here (as on the public endpoint)
                failed = _Envelope("subscribe", request.params, request.req_id)
                self._fail(failed, time_in, NOT_FOUND, symbol)
                continue
            del self.streams[symbol]
            self.hub.leave(view, self)
            self._ack(request, wire.SubscribeResult("level3", symbol), time_in)

    def _symbol_error(self, symbol: str) -> str | None:
        if symbol not in self.hub.hub.market:
            return f"Currency pair not supported {symbol}"
        if symbol in self.streams:
            return ALREADY_SUBSCRIBED
        return None

    # --- output -------------------------------------------------------------------------------

    def _ack(self, request: _Envelope, result: wire.SubscribeResult, time_in: int) -> None:
        clock = self.hub.hub.clock
        self._send(frames.ack(request.method, request.req_id, result, time_in, clock()))

    def _fail(
        self, request: _Envelope, time_in: int, error: str, symbol: str | None = None
    ) -> None:
        clock = self.hub.hub.clock
        self._send(frames.error(request.method, request.req_id, error, time_in, clock(), symbol))

    def _send(self, payload: bytes) -> None:
        self.outbox.append(ws_frame(payload))
