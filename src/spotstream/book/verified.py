"""A local L2 book that verifies the exchange's checksum on every message."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from spotstream.book.l2 import BookSide, L2Book, L2Checksum
from spotstream.book.tracked import ApplyResult, TrackedBook
from spotstream.book.units import PrecisionError, PriceLevel, check_precision, from_units
from spotstream.models.enums import BookStatus
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
        # The per-message hot path: kept flat on purpose (verification inlined).
        book = self.book
        if snapshot:
            book.clear()
        pp, qp, depth = self.price_precision, self.qty_precision, book.depth
        book_bids, book_asks = book.bids, book.asks
        try:
            book_bids.apply(bids, pp, qp)
            book_asks.apply(asks, pp, qp)
        except PrecisionError:
            return self._invalid()
        if len(book_bids.keys) > depth:
            book_bids.truncate(depth)
        if len(book_asks.keys) > depth:
            book_asks.truncate(depth)
        if timestamp is not None:
            self.timestamp = timestamp
        if checksum is None:
            return ApplyResult.UNVERIFIED
        self.last_checksum = checksum
        if self._checksum(book) == checksum:
            self.counters.checksums_verified += 1
            return ApplyResult.VERIFIED
        self.counters.checksum_mismatches += 1
        self.status = BookStatus.RESYNCING
        return ApplyResult.MISMATCH

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
