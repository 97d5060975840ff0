"""An L2 order book on scaled integers.

Each side keeps three parallel lists ordered best first: the *sort keys* (ask price units,
or the negated bid price units, searched with :mod:`bisect`), the quantities, and the
checksum text of each level. A level update is one binary search plus list inserts/deletes
(a memmove), truncation is a slice deletion, and the checksum text of the top ``watch``
levels is one C-level join, cached until a change reaches those levels.

What that text is belongs to the venue, not to the book: a :class:`LevelText` says where a
level's text comes from (the scaled-integer digits, or the numbers as received), what
separates its parts, and how many levels per side a checksum reads. A venue's checksum is an
:class:`L2Checksum`: that text and the function that turns a book holding it into the CRC.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import IntEnum
from zlib import crc32

from spotstream.book.units import (
    _PAD,
    MAX_DIGITS,
    PrecisionError,
    PriceLevel,
    number_text,
    unit_digits,
    unquoted,
)


class TextSource(IntEnum):
    """Where a level's checksum text comes from; the values are the C accelerator's modes."""

    UNITS = 0  # the scaled-integer digits of price and quantity, without leading zeros
    RECEIVED = 1  # the numbers' text as received (a Decimal: its plain ``format(d, "f")``)


@dataclass(frozen=True, slots=True)
class LevelText:
    """A venue's checksum text, which the book caches so that a checksum is a join and a CRC.

    A level's text is its price, ``separator``, its quantity, each from ``source``; the text
    of a side's best ``watch`` levels (the ones the checksum reads) is their texts joined by
    ``separator``, cached as well.
    """

    source: TextSource
    watch: int
    separator: bytes = b""


# The optional C accelerator of BookSide.apply (src/spotstream/book/_fastbook.c); this module
# is the reference it must match, and the tests run both. SPOTSTREAM_PURE=1 turns it off.
ApplyLevels = Callable[
    [list[int], list[int], list[bytes], Iterable[PriceLevel], int, int, int, int, bytes], int
]
_FALLBACK = -2


def crc_join_python(first: list[bytes], second: list[bytes], watch: int, separator: bytes) -> int:
    """The CRC32 of ``separator.join(first[:watch] + second[:watch])``: two sides' level
    texts joined (a side without levels adds no separator). The reference of the C one."""
    if watch < 0:
        raise ValueError("watch must not be negative")
    return crc32(separator.join(first[:watch] + second[:watch]))


_apply_levels: ApplyLevels | None = None
crc_join: Callable[[list[bytes], list[bytes], int, bytes], int] = crc_join_python
""":func:`crc_join_python`, in C when the accelerator is built (no joined bytes made)."""
if not os.environ.get("SPOTSTREAM_PURE"):
    try:
        from spotstream.book import _fastbook

        _apply_levels = _fastbook.apply_levels
        crc_join = _fastbook.crc_join
    except ImportError:  # not compiled: pure Python
        pass
ACCELERATED = _apply_levels is not None


class BookSide:
    """One side of a book. ``sign`` is 1 for asks (ascending) and -1 for bids (descending);
    ``text`` is the checksum text its levels cache."""

    __slots__ = ("keys", "qtys", "received", "separator", "sign", "source", "texts", "top", "watch")

    def __init__(self, sign: int, text: LevelText) -> None:
        self.sign = sign
        self.source = text.source
        # A plain bool: an enum member lookup costs ~200 ns, and the hot paths test this.
        self.received = text.source is TextSource.RECEIVED
        self.separator = text.separator
        self.watch = text.watch
        self.keys: list[int] = []  # sort keys, best first
        self.qtys: list[int] = []  # quantity units, parallel to keys
        self.texts: list[bytes] = []  # checksum text of each level, parallel to keys
        self.top: bytes | None = b""  # cached text of the top `watch` levels (None: stale)

    def set(self, price: int, qty: int) -> None:
        """Set the quantity at ``price`` (units); zero removes the level. Only for a side of
        :attr:`TextSource.UNITS` text (the units are all it is given): raises ``ValueError``
        on another."""
        if self.received:
            raise ValueError("a side of received text learns its levels from apply()")
        key = price * self.sign
        keys = self.keys
        i = bisect_left(keys, key)
        present = i < len(keys) and keys[i] == key
        if qty:
            text = b"%d%b%d" % (price, self.separator, qty)
            if present:
                self.qtys[i] = qty
                self.texts[i] = text
            else:
                keys.insert(i, key)
                self.qtys.insert(i, qty)
                self.texts.insert(i, text)
        elif present:
            del keys[i], self.qtys[i], self.texts[i]
        else:
            return
        if i < self.watch:
            self.top = None

    def apply(self, levels: Iterable[PriceLevel], price_precision: int, qty_precision: int) -> None:
        """Apply exchange levels in order, exactly: each number's JSON text (or Decimal)
        becomes scaled-integer digits, and the level's checksum text is made as the side's
        :class:`LevelText` says.

        The per-message hot path, so ``set`` and ``unit_digits`` are inlined here. Raises
        :class:`PrecisionError` on a level that is not an amount of the pair (a sign, an
        exponent, too many decimals, a zero price); the side is then partly updated and
        the book must be dropped.
        """
        if _apply_levels is not None:
            touched = _apply_levels(
                self.keys,
                self.qtys,
                self.texts,
                levels,
                price_precision,
                qty_precision,
                self.sign,
                self.source,
                self.separator,
            )
            if touched != _FALLBACK:
                if touched < self.watch:
                    self.top = None
                return
        self.apply_python(levels, price_precision, qty_precision)

    def apply_python(
        self, levels: Iterable[PriceLevel], price_precision: int, qty_precision: int
    ) -> None:
        """:meth:`apply` in pure Python: the reference, and the path for every unusual number
        (Decimals, exponents, padding beyond the precision, errors)."""
        keys, qtys, texts, sign, pad = self.keys, self.qtys, self.texts, self.sign, _PAD
        received, separator = self.received, self.separator
        top_index = self.watch if self.top is not None else -1
        for level in levels:
            try:
                price_text, qty_text = bytes(level.price), bytes(level.qty)  # type: ignore[arg-type]
            except TypeError:  # Decimals (tests, typed models): the cold path
                price_text, qty_text = number_text(level.price), number_text(level.qty)
            if price_text[:1] == b'"' or qty_text[:1] == b'"':  # numbers sent as JSON strings
                price_text, qty_text = unquoted(price_text), unquoted(qty_text)
            # Inlined unit_digits() for the common shape; anything else takes the full path.
            whole, _, frac = price_text.partition(b".")
            n = len(frac)
            if n <= price_precision and whole.isdigit() and (not n or frac.isdigit()):
                price_digits = (whole + frac + pad[price_precision - n]).lstrip(b"0")
            else:
                price_digits = unit_digits(price_text, price_precision)
            whole, _, frac = qty_text.partition(b".")
            n = len(frac)
            if n <= qty_precision and whole.isdigit() and (not n or frac.isdigit()):
                qty_digits = (whole + frac + pad[qty_precision - n]).lstrip(b"0")
            else:
                qty_digits = unit_digits(qty_text, qty_precision)
            if not price_digits or len(price_digits) > MAX_DIGITS or len(qty_digits) > MAX_DIGITS:
                raise PrecisionError(f"{price_text!r} x {qty_text!r} is not a level")
            key = int(price_digits) * sign
            i = bisect_left(keys, key)
            if received:
                text = price_text + separator + qty_text
            elif separator:
                text = price_digits + separator + qty_digits
            else:  # the common case: one concatenation
                text = price_digits + qty_digits
            if i < len(keys) and keys[i] == key:
                if qty_digits:
                    qtys[i] = int(qty_digits)
                    texts[i] = text
                else:
                    del keys[i], qtys[i], texts[i]
            elif qty_digits:
                keys.insert(i, key)
                qtys.insert(i, int(qty_digits))
                texts.insert(i, text)
            else:
                continue  # deleting an absent level changes nothing
            if i < top_index:
                self.top = None
                top_index = -1

    def quantity(self, price: int) -> int | None:
        """The quantity at ``price`` (units), or ``None`` when there is no such level."""
        key = price * self.sign
        keys = self.keys
        i = bisect_left(keys, key)
        return self.qtys[i] if i < len(keys) and keys[i] == key else None

    def truncate(self, depth: int) -> None:
        """Drop the levels beyond ``depth`` (the exchange sends no deletes for them)."""
        if len(self.keys) > depth:
            del self.keys[depth:], self.qtys[depth:], self.texts[depth:]
            if depth < self.watch:
                self.top = None

    def clear(self) -> None:
        self.keys.clear()
        self.qtys.clear()
        self.texts.clear()
        self.top = b""

    def top_text(self) -> bytes:
        """The checksum text of the best ``watch`` levels, joined by the separator."""
        top = self.top
        if top is None:
            top = self.top = self.separator.join(self.texts[: self.watch])
        return top

    def levels(self, limit: int | None = None) -> Iterator[tuple[int, int]]:
        """``(price_units, qty_units)`` pairs, best first."""
        sign = self.sign
        for key, qty in zip(self.keys[:limit], self.qtys[:limit], strict=True):
            yield key * sign, qty

    def __len__(self) -> int:
        return len(self.keys)


class L2Book:
    """Bids and asks on scaled integers, truncated to ``depth`` levels per side, each level
    caching the checksum ``text`` of a venue."""

    __slots__ = ("asks", "bids", "depth")

    def __init__(self, depth: int, text: LevelText) -> None:
        self.depth = depth
        self.bids = BookSide(-1, text)
        self.asks = BookSide(1, text)

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


@dataclass(frozen=True, slots=True)
class L2Checksum:
    """A venue's checksum of an L2 book: the ``text`` its books must cache, and ``compute``,
    the CRC of a book that holds that text (it reads the cached top texts, so it is a join
    and a CRC per message). Calling the object computes it."""

    text: LevelText
    compute: Callable[[L2Book], int]

    def __call__(self, book: L2Book) -> int:
        return self.compute(book)
