"""Max-rate mode: a cycle of book events, drawn once from the seeded market, replayed forever.

Computing a market event and its frames costs tens of microseconds in Python; a benchmark
client reads hundreds of thousands of frames a second. So in max-rate mode the simulator
draws ``steps / 2`` events from the seeded market once, appends the events that undo them (in
reverse order), and gets a cycle after which the book is exactly where it started. A venue
encodes its frames of the whole cycle once (per subscribed depth) and then only concatenates
them with a timestamp.

A client sees an ordinary stream: every update is consistent with the previous ones; the book
just wanders away and back. Fills happen in the forward half only; they are recorded as trades
(fresh trade ids, current time) when replayed, and only while someone watches the symbol's
trades, ticker or candles.
"""

from __future__ import annotations

from spotstream.simulator.market.state import Level, MarketFill, SymbolMarket

DEFAULT_TAPE_STEPS = 20_000


class MarketTape:
    """The cycle of one instrument and its replay position (venue-neutral)."""

    def __init__(self, market: SymbolMarket, steps: int = DEFAULT_TAPE_STEPS) -> None:
        self.market = market
        self.symbol = market.symbol
        self.bids: list[list[Level]] = []
        self.asks: list[list[Level]] = []
        self.fills: list[list[MarketFill]] = []
        self.bbo_changed: list[bool] = []
        self._record(max(1, steps // 2))
        self.size = len(self.bids)
        self.position = 0  # index of the next step to replay
        self._book_at = 0  # the market's deep book is in the state before this step

    def _record(self, half: int) -> None:
        """Draw ``half`` events, then undo them (the market's book ends where it began)."""
        book = self.market.book
        shadow = ({p: q for p, q in book.bids.levels()}, {p: q for p, q in book.asks.levels()})
        undo: list[tuple[list[Level], list[Level]]] = []
        for _ in range(half):
            step = self.market.book_event()
            self.bids.append(step.bids)
            self.asks.append(step.asks)
            self.fills.append(step.fills)
            self.bbo_changed.append(step.bbo_changed)
            undo.append((_undo(step.bids, shadow[0]), _undo(step.asks, shadow[1])))
        for bids, asks in reversed(undo):
            before = book.bbo()
            book.apply(bids, asks)
            self.bids.append(bids)
            self.asks.append(asks)
            self.fills.append([])
            self.bbo_changed.append(book.bbo() != before)

    def advance(self) -> int:
        """The index of the step to replay now; moves the position on."""
        index = self.position
        self.position = index + 1 if index + 1 < self.size else 0
        return index

    def sync(self) -> None:
        """Bring the market's deep book to the replay position (it is updated lazily)."""
        book, index = self.market.book, self._book_at
        while index != self.position:
            book.apply(self.bids[index], self.asks[index])
            index = index + 1 if index + 1 < self.size else 0
        self._book_at = index


def _undo(changes: list[Level], shadow: dict[int, int]) -> list[Level]:
    """The changes that restore the levels ``changes`` touched, in reverse order; keeps
    ``shadow`` (price -> qty) equal to the side after ``changes``."""
    restore = []
    for price, qty in changes:
        restore.append((price, shadow.get(price, 0)))
        if qty:
            shadow[price] = qty
        else:
            shadow.pop(price, None)
    restore.reverse()
    return restore
