"""An L2 order book on scaled integers.

Each side keeps a sorted list of *sort keys* (best first: ask price units, or the negated
bid price units) searched with :mod:`bisect`, a dict of quantities, and the checksum text of
each level (``str(price_units) + str(qty_units)``), so that a level update costs O(log n)
plus a memmove, and a checksum is a join of cached strings.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator


class BookSide:
    """One side of a book. ``sign`` is 1 for asks (ascending) and -1 for bids (descending)."""

    __slots__ = ("keys", "qty", "sign", "text")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.keys: list[int] = []  # sort keys, best first
        self.qty: dict[int, int] = {}  # sort key -> quantity units
        self.text: dict[int, str] = {}  # sort key -> checksum text of the level

    def set(self, price: int, qty: int) -> None:
        """Set the quantity at ``price`` (units); zero removes the level."""
        key = price * self.sign
        if qty:
            if key not in self.qty:
                insort(self.keys, key)
            self.qty[key] = qty
            self.text[key] = f"{price}{qty}"
        elif self.qty.pop(key, None) is not None:
            del self.text[key]
            del self.keys[bisect_left(self.keys, key)]

    def truncate(self, depth: int) -> None:
        """Drop the levels beyond ``depth`` (the exchange sends no deletes for them)."""
        keys = self.keys
        if len(keys) > depth:
            for key in keys[depth:]:
                del self.qty[key]
                del self.text[key]
            del keys[depth:]

    def clear(self) -> None:
        self.keys.clear()
        self.qty.clear()
        self.text.clear()

    def checksum_text(self, levels: int) -> str:
        text = self.text
        return "".join([text[k] for k in self.keys[:levels]])

    def levels(self, limit: int | None = None) -> Iterator[tuple[int, int]]:
        """``(price_units, qty_units)`` pairs, best first."""
        sign, qty = self.sign, self.qty
        for key in self.keys[:limit]:
            yield key * sign, qty[key]

    def __len__(self) -> int:
        return len(self.keys)


class L2Book:
    """Bids and asks on scaled integers, truncated to ``depth`` levels per side."""

    __slots__ = ("asks", "bids", "depth")

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.bids = BookSide(-1)
        self.asks = BookSide(1)

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()

    def truncate(self) -> None:
        self.bids.truncate(self.depth)
        self.asks.truncate(self.depth)

    def best_bid(self) -> tuple[int, int] | None:
        return next(self.bids.levels(1), None)

    def best_ask(self) -> tuple[int, int] | None:
        return next(self.asks.levels(1), None)
