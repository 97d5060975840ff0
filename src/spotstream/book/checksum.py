"""Checksums of order books, per protocol."""

from __future__ import annotations

import zlib

from spotstream.book.l2 import L2Book

KRAKEN_CHECKSUM_LEVELS = 10


def kraken_checksum(book: L2Book) -> int:
    """Kraken's CRC32 (v1 and v2 L2 books): the top 10 asks ascending, then the top 10 bids
    descending, each level as its price and quantity in units (fixed precision, no dot, no
    leading zeros), concatenated."""
    text = book.asks.checksum_text(KRAKEN_CHECKSUM_LEVELS) + book.bids.checksum_text(
        KRAKEN_CHECKSUM_LEVELS
    )
    return zlib.crc32(text.encode("ascii"))
