"""An L2 order book on scaled integers.

Each side keeps a sorted list of *sort keys* (best first: ask price units, or the negated
bid price units) searched with :mod:`bisect`, a dict of quantities, and the checksum text of
each level (``str(price_units) + str(qty_units)``). The text of the top ``watch`` levels is
cached and rebuilt only when a change reaches them, so a level update costs O(log n) plus a
memmove, and most checksums of a deep book hash cached bytes.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator

from spotstream.book.units import AMOUNT_CONTEXT, INVALID_AMOUNT, PrecisionError, PriceLevel

DEFAULT_WATCH = 10


class BookSide:
    """One side of a book. ``sign`` is 1 for asks (ascending) and -1 for bids (descending)."""

    __slots__ = ("keys", "qty", "sign", "text", "top", "watch")

    def __init__(self, sign: int, watch: int = DEFAULT_WATCH) -> None:
        self.sign = sign
        self.watch = watch
        self.keys: list[int] = []  # sort keys, best first
        self.qty: dict[int, int] = {}  # sort key -> quantity units
        self.text: dict[int, str] = {}  # sort key -> checksum text of the level
        self.top: bytes | None = b""  # cached text of the top `watch` levels (None: stale)

    def set(self, price: int, qty: int) -> None:
        """Set the quantity at ``price`` (units); zero removes the level."""
        key = price * self.sign
        keys = self.keys
        if qty:
            if key not in self.qty:
                insort(keys, key)
            self.qty[key] = qty
            self.text[key] = f"{price}{qty}"
        elif self.qty.pop(key, None) is not None:
            del self.text[key]
            self._touch(key)
            del keys[bisect_left(keys, key)]
            return
        else:
            return
        self._touch(key)

    def apply(self, levels: Iterable[PriceLevel], price_precision: int, qty_precision: int) -> None:
        """Apply exchange levels (exact Decimals) in order: the hot path, so ``set`` and the
        unit conversion are inlined. Raises :class:`PrecisionError` on a level that is not
        an amount of the pair (the side is then partly updated: drop the book)."""
        keys, qtys, texts, sign, ctx = self.keys, self.qty, self.text, self.sign, AMOUNT_CONTEXT
        for level in levels:
            try:
                scaled_price = level.price.scaleb(price_precision, ctx)
                scaled_qty = level.qty.scaleb(qty_precision, ctx)
                price, qty = int(scaled_price), int(scaled_qty)
            except INVALID_AMOUNT:
                raise PrecisionError(f"{level.price} x {level.qty} is not an amount") from None
            if price != scaled_price or qty != scaled_qty or price <= 0 or qty < 0:
                raise PrecisionError(f"{level.price} x {level.qty} does not fit the pair")
            key = price * sign
            if qty:
                if key not in qtys:
                    insort(keys, key)
                qtys[key] = qty
                texts[key] = f"{price}{qty}"
            elif qtys.pop(key, None) is not None:
                del texts[key]
                self._touch(key)
                del keys[bisect_left(keys, key)]
                continue
            else:
                continue
            if self.top is not None and (len(keys) <= self.watch or key <= keys[self.watch - 1]):
                self.top = None

    def _touch(self, key: int) -> None:
        if self.top is not None:
            keys, watch = self.keys, self.watch
            if len(keys) <= watch or key <= keys[watch - 1]:
                self.top = None

    def truncate(self, depth: int) -> None:
        """Drop the levels beyond ``depth`` (the exchange sends no deletes for them)."""
        keys = self.keys
        if len(keys) > depth:
            for key in keys[depth:]:
                del self.qty[key]
                del self.text[key]
            del keys[depth:]
            if depth < self.watch:
                self.top = None

    def clear(self) -> None:
        self.keys.clear()
        self.qty.clear()
        self.text.clear()
        self.top = b""

    def top_text(self) -> bytes:
        """The checksum text of the best ``watch`` levels, concatenated."""
        top = self.top
        if top is None:
            text = self.text
            top = self.top = "".join([text[k] for k in self.keys[: self.watch]]).encode()
        return top

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

    def __init__(self, depth: int, watch: int = DEFAULT_WATCH) -> None:
        self.depth = depth
        self.bids = BookSide(-1, watch)
        self.asks = BookSide(1, watch)

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
