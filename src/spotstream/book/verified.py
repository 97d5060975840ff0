"""A local L2 book that verifies the exchange's checksum on every message."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from enum import Enum

from spotstream.book.l2 import BookSide, L2Book
from spotstream.book.units import PrecisionError, PriceLevel, from_units
from spotstream.models import BookCounters, BookLevel, BookSnapshot, BookStatus


class ApplyResult(Enum):
    VERIFIED = "verified"  # applied, checksum matched
    UNVERIFIED = "unverified"  # applied, the message carried no checksum
    MISMATCH = "mismatch"  # applied, checksum differed: the book is no longer trusted
    IGNORED = "ignored"  # not applied: the book waits for a snapshot
    INVALID = "invalid"  # a level did not fit the instrument's precision: no longer trusted


Checksum = Callable[[L2Book], int]


class VerifiedBook:
    """An :class:`L2Book` for one symbol, with status, counters and checksum verification.

    After a mismatch the book is not trusted again until the next snapshot: updates are
    ignored (and counted) until then.
    """

    __slots__ = (
        "_checksum",
        "book",
        "counters",
        "ignored",
        "last_checksum",
        "price_precision",
        "qty_precision",
        "status",
        "symbol",
        "timestamp",
    )

    def __init__(
        self,
        symbol: str,
        depth: int,
        price_precision: int,
        qty_precision: int,
        checksum: Checksum,
    ) -> None:
        self.symbol = symbol
        self.price_precision = price_precision
        self.qty_precision = qty_precision
        self.book = L2Book(depth)
        self.status = BookStatus.SYNCING
        self.counters = BookCounters()
        self.ignored = 0
        self.last_checksum = 0
        self.timestamp: datetime | None = None
        self._checksum = checksum

    def apply_snapshot(
        self,
        bids: Iterable[PriceLevel],
        asks: Iterable[PriceLevel],
        checksum: int | None,
        timestamp: datetime | None = None,
    ) -> ApplyResult:
        if self.status is not BookStatus.SYNCING and self.counters.snapshots:
            self.counters.resyncs += 1
        self.book.clear()
        self.status = BookStatus.SYNCED
        self.counters.snapshots += 1
        return self._apply(bids, asks, checksum, timestamp)

    def apply_update(
        self,
        bids: Iterable[PriceLevel],
        asks: Iterable[PriceLevel],
        checksum: int | None,
        timestamp: datetime | None = None,
    ) -> ApplyResult:
        if self.status is not BookStatus.SYNCED:
            self.ignored += 1
            return ApplyResult.IGNORED
        self.counters.updates += 1
        return self._apply(bids, asks, checksum, timestamp)

    def _apply(
        self,
        bids: Iterable[PriceLevel],
        asks: Iterable[PriceLevel],
        checksum: int | None,
        timestamp: datetime | None,
    ) -> ApplyResult:
        # The per-message hot path: kept flat on purpose (no helper calls beyond the sides).
        book = self.book
        pp, qp, depth = self.price_precision, self.qty_precision, book.depth
        book_bids, book_asks = book.bids, book.asks
        try:
            book_bids.apply(bids, pp, qp)
            book_asks.apply(asks, pp, qp)
        except PrecisionError:
            self.status = BookStatus.RESYNCING
            return ApplyResult.INVALID
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

    def mark_resyncing(self) -> None:
        """The feed was interrupted (e.g. reconnect): wait for a fresh snapshot."""
        if self.status is BookStatus.SYNCED:
            self.status = BookStatus.RESYNCING

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
