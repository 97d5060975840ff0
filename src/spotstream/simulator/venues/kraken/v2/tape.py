"""Kraken v2 book updates of a max-rate tape, encoded once per depth for the whole cycle.

The cycle itself (:class:`~spotstream.simulator.market.tape.MarketTape`) is venue-neutral;
here each subscribed depth gets the update frame (or ``None``) of every step of it, so the
hub only concatenates pre-encoded frames with a timestamp. Every update carries a correct
checksum.
"""

from __future__ import annotations

from spotstream.simulator.framing import PairNumbers
from spotstream.simulator.market.state import SymbolMarket
from spotstream.simulator.market.tape import DEFAULT_TAPE_STEPS, MarketTape
from spotstream.simulator.venues.kraken.v2.book import BookView, BookViewChange

__all__ = ["DEFAULT_TAPE_STEPS", "BookTape", "encode_updates"]

TapeUpdates = list[BookViewChange | None]


def encode_updates(tape: MarketTape, depth: int, numbers: PairNumbers) -> TapeUpdates:
    """The update frame (or ``None``) of every step of ``tape`` for a depth-``depth``
    window, indexed by step, computed from the current position."""
    tape.sync()
    scratch = tape.market.book.copy()
    view = BookView(scratch, depth, numbers)
    out: TapeUpdates = [None] * tape.size
    index = tape.position
    for _ in range(tape.size):
        bids, asks = tape.bids[index], tape.asks[index]
        scratch.apply(bids, asks)
        out[index] = view.update(bids, asks)
        index = index + 1 if index + 1 < tape.size else 0
    return out


class BookTape(MarketTape):
    """A market tape that keeps its Kraken v2 updates per depth (computed once each)."""

    def __init__(self, market: SymbolMarket, steps: int = DEFAULT_TAPE_STEPS) -> None:
        super().__init__(market, steps)
        self._updates: dict[int, TapeUpdates] = {}

    def updates(self, depth: int, numbers: PairNumbers) -> TapeUpdates:
        """The update frame (or ``None``) of every step for a depth-``depth`` window."""
        cached = self._updates.get(depth)
        if cached is None:
            cached = self._updates[depth] = encode_updates(self, depth, numbers)
        return cached
