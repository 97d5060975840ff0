"""A local L2 book that verifies the exchange's checksum on every message."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from datetime import datetime

from spotstream.book.l2 import _FALLBACK, BookSide, L2Book, L2Checksum, _apply_levels
from spotstream.book.tracked import (
    _MISMATCH,
    _RESYNCING,
    _UNVERIFIED,
    _VERIFIED,
    ApplyResult,
    TrackedBook,
)
from spotstream.book.units import PrecisionError, PriceLevel, check_precision, from_units
from spotstream.models.market import BookLevel, BookSnapshot

__all__ = ["ApplyResult", "L2Checksum", "VerifiedBook"]


class VerifiedBook(TrackedBook[PriceLevel, PriceLevel]):
    """An :class:`L2Book` for one symbol, with status, counters and verification by the
    venue's ``checksum`` (the rules in :mod:`spotstream.book.tracked`); the book caches the
    level text that checksum reads."""

    __slots__ = ("_checksum", "book", "price_precision", "qty_precision")

    def __init__(
        self,
        symbol: str,
        depth: int,
        price_precision: int,
        qty_precision: int,
        checksum: L2Checksum,
    ) -> None:
        check_precision(symbol, "price precision", price_precision)
        check_precision(symbol, "qty precision", qty_precision)
        super().__init__(symbol)
        self.price_precision = price_precision
        self.qty_precision = qty_precision
        self.book = L2Book(depth, checksum.text)
        self._checksum: Callable[[L2Book], int] = checksum.compute  # the hot path: no __call__

    def _apply(
        self,
        bids: Iterable[PriceLevel],
        asks: Iterable[PriceLevel],
        checksum: int | None,
        timestamp: datetime | None,
        snapshot: bool,
    ) -> ApplyResult:
        # The per-message hot path: kept flat on purpose (BookSide.apply and verification
        # inlined: a Python call costs more here than what it does).
        book = self.book
        if snapshot:
            book.clear()
        pp, qp, depth = self.price_precision, self.qty_precision, book.depth
        book_bids, book_asks = book.bids, book.asks
        try:
            if _apply_levels is None:
                book_bids.apply_python(bids, pp, qp)
                book_asks.apply_python(asks, pp, qp)
            else:  # unrolled: a loop over the two sides costs ~0.1 us a message
                side = book_bids
                touched = _apply_levels(
                    side.keys, side.qtys, side.texts, bids, pp, qp, -1, side.source, side.separator
                )
                if touched == _FALLBACK:
                    side.apply_python(bids, pp, qp)
                elif touched < side.watch:
                    side.top = None
                side = book_asks
                touched = _apply_levels(
                    side.keys, side.qtys, side.texts, asks, pp, qp, 1, side.source, side.separator
                )
                if touched == _FALLBACK:
                    side.apply_python(asks, pp, qp)
                elif touched < side.watch:
                    side.top = None
        except PrecisionError:
            return self._invalid()
        bid_keys, ask_keys = book_bids.keys, book_asks.keys
        if snapshot and _repeats_a_price(bids, bid_keys, asks, ask_keys):
            return self._inconsistent()
        if len(bid_keys) > depth:
            book_bids.truncate(depth)
        if len(ask_keys) > depth:
            book_asks.truncate(depth)
        if bid_keys and ask_keys and bid_keys[0] + ask_keys[0] <= 0:  # bid keys are -price
            return self._inconsistent()
        if timestamp is not None:
            self.timestamp = timestamp
        if checksum is None:
            return _UNVERIFIED
        self.last_checksum = checksum
        if self._checksum(book) == checksum:
            self.counters.checksums_verified += 1
            return _VERIFIED
        self.counters.checksum_mismatches += 1
        self.status = _RESYNCING
        return _MISMATCH

    def _inconsistent(self) -> ApplyResult:
        """A crossed book, or a snapshot listing a price twice: as wrong as a checksum
        mismatch (counted, untrusted until a fresh snapshot), never served as synced."""
        self.counters.inconsistent += 1
        return self._invalid()

    def computed_checksum(self) -> int:
        return self._checksum(self.book)

    def snapshot(self, limit: int | None = None) -> BookSnapshot:
        """An immutable copy of the book (best first), optionally limited to ``limit`` levels."""
        return BookSnapshot(
            symbol=self.symbol,
            bids=self._levels(self.book.bids, limit),
            asks=self._levels(self.book.asks, limit),
            checksum=self.last_checksum,
            status=self.status,
            sequence=self.counters.updates,
            timestamp=self.timestamp,
        )

    def _levels(self, side: BookSide, limit: int | None) -> tuple[BookLevel, ...]:
        pp, qp = self.price_precision, self.qty_precision
        return tuple(BookLevel(from_units(p, pp), from_units(q, qp)) for p, q in side.levels(limit))


def _repeats_a_price(
    bids: Iterable[PriceLevel], bid_keys: list[int], asks: Iterable[PriceLevel], ask_keys: list[int]
) -> bool:
    """Whether a snapshot's levels hold fewer distinct prices than non-zero levels (a price
    listed twice); only lists are counted (an iterator was consumed by applying it)."""
    return _more_levels(bids, bid_keys) or _more_levels(asks, ask_keys)


def _more_levels(levels: Iterable[PriceLevel], keys: list[int]) -> bool:
    if not isinstance(levels, Sized) or len(levels) <= len(keys):
        return False
    return sum(1 for level in levels if not _is_zero(level.qty)) > len(keys)


def _is_zero(qty: object) -> bool:
    try:
        text = bytes(qty)  # type: ignore[call-overload]
    except TypeError:
        return qty == 0
    digits = text.strip(b'"').replace(b".", b"", 1)
    return digits.isdigit() and not digits.strip(b"0")
