"""The generated market's liquidity on one side of a book, as a user's order takes it.

Live (rated) markets change for real: the level shrinks or goes, and the change is added to a
:class:`~spotstream.simulator.market.state.MarketStep` that the hub publishes, so book subscribers
see it with a correct checksum. A replayed max-rate tape cannot change (its frames are
encoded in advance), so there the crowd only remembers what was taken during this one order:
user fills happen at the book's prices, the public book does not show them.
"""

from __future__ import annotations

from spotstream.simulator.market.state import DeepSide, Level, MarketStep


class Crowd:
    """One side of the generated book, best level first, for one taker."""

    __slots__ = ("_index", "_side", "_step", "_used")

    def __init__(self, side: DeepSide, step: MarketStep | None) -> None:
        self._side = side
        self._step = step  # None: a replayed tape, left untouched
        self._index = 0
        self._used = 0

    def best(self) -> Level | None:
        """``(price, qty still available)`` of the best level, or ``None`` when empty."""
        side = self._side
        if self._index >= len(side.keys):
            return None
        key = side.keys[self._index]
        return key * side.sign, side.qty[key] - self._used

    def take(self, qty: int) -> None:
        """Take ``qty`` from the best level."""
        level = self.best()
        if level is None:
            return
        price, available = level
        if self._step is None:
            self._used += qty
            if self._used >= self._side.qty[self._side.keys[self._index]]:
                self._index += 1
                self._used = 0
            return
        left = max(0, available - qty)
        self._side.set(price, left)
        changes = self._step.bids if self._side.sign < 0 else self._step.asks
        changes.append((price, left))
        self._step.bbo_changed = True
