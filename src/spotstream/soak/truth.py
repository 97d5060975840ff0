"""The simulator's truth about every watched book, and the check of a client's book against it.

:class:`Truth` is one more feed of the simulator's market fan-out: after every market step
(the scheduler's and the matching engine's, applied before any venue frames it) it records
a digest of the top ``depth`` levels of the step's book. A client's book after an applied
update must equal the truth after the step its last message came from: so a synced client
book whose digest is not among the recent truths of its pair is a wrong book. The digest is
exact (integer units, best first, both sides) and nothing races: the truth is recorded
before the frame leaves, and the client's book is read in one piece, with its status.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Sequence

from spotstream.models.enums import BookStatus
from spotstream.models.market import BookLevel, BookSnapshot
from spotstream.simulator.market.fanout import TapePlayer
from spotstream.simulator.market.state import Level, Market, MarketStep
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.market.tape import MarketTape

WINDOW = 2_000  # truths kept per pair: about 100 s of steps (a client lags far fewer); full
# within the first third of a long run, so the soak's own memory stays flat


class Truth:
    """Digests of the true top ``depth`` levels of ``symbols`` after each market step."""

    def __init__(self, market: Market, symbols: Sequence[str], depth: int) -> None:
        self.market = market
        self.depth = depth
        self._recent: dict[str, deque[int]] = {s: deque() for s in symbols}
        self._known: dict[str, Counter[int]] = {s: Counter() for s in symbols}
        self._scales = {
            s: (market.instruments[s].price_precision, market.instruments[s].qty_precision)
            for s in symbols
        }
        for symbol in symbols:
            self._record(symbol)

    # --- the fan-out's feed --------------------------------------------------------------------

    def publish(self, step: MarketStep) -> None:
        if step.symbol in self._recent:
            self._record(step.symbol)

    def attach_tape(self, tape: MarketTape) -> None:
        raise RuntimeError("the soak's truth needs live market steps (no max rate)")

    def players(self, tape: MarketTape, now_ns: int) -> Sequence[TapePlayer]:
        return ()

    def replayed(
        self, symbol: str, trades: list[TapeTrade], bbo_changed: bool, now_ns: int
    ) -> None:
        """Not at max rate (see :meth:`attach_tape`)."""

    # --- checks ---------------------------------------------------------------------------------

    def check(self, symbol: str, book: BookSnapshot) -> bool | None:
        """``None`` when ``book`` is not served as synced; else whether it is a true state."""
        if book.status is not BookStatus.SYNCED:
            return None
        digest = self.client_digest(symbol, book)
        return digest is not None and self._known[symbol][digest] > 0

    def client_digest(self, symbol: str, book: BookSnapshot) -> int | None:
        """The digest of a client's top ``depth`` levels (``None``: a price or quantity the
        pair's precision cannot hold, so not the truth)."""
        price_scale, qty_scale = self._scales[symbol]
        sides = []
        for levels in (book.bids[: self.depth], book.asks[: self.depth]):
            side = _units(levels, price_scale, qty_scale)
            if side is None:
                return None
            sides.append(side)
        return hash((tuple(sides[0]), tuple(sides[1])))

    def _record(self, symbol: str) -> None:
        book = self.market[symbol].book
        bids, asks = book.bids.levels(self.depth), book.asks.levels(self.depth)
        digest = hash((_flat(bids), _flat(asks)))
        recent, known = self._recent[symbol], self._known[symbol]
        recent.append(digest)
        known[digest] += 1
        if len(recent) > WINDOW:
            old = recent.popleft()
            known[old] -= 1
            if not known[old]:
                del known[old]


def _flat(levels: list[Level]) -> tuple[int, ...]:
    return tuple(units for level in levels for units in level)


def _units(levels: Sequence[BookLevel], price_scale: int, qty_scale: int) -> list[int] | None:
    out: list[int] = []
    for level in levels:
        for value, scale in ((level.price, price_scale), (level.qty, qty_scale)):
            scaled = value.scaleb(scale)
            if scaled != scaled.to_integral_value():
                return None
            out.append(int(scaled))
    return out
