"""Checksums of order books, per protocol."""

from __future__ import annotations

from zlib import crc32

from spotstream.book.l2 import L2Book

KRAKEN_CHECKSUM_LEVELS = 10


def kraken_checksum(book: L2Book) -> int:
    """Kraken's CRC32 (v1 and v2 L2 books): the top 10 asks ascending, then the top 10 bids
    descending, each level as its price and quantity in units (fixed precision, no dot, no
    leading zeros), concatenated. The books watch exactly those 10 levels per side."""
    bids, asks = book.bids, book.asks
    bid_text = bids.top if bids.top is not None else bids.top_text()
    ask_text = asks.top if asks.top is not None else asks.top_text()
    return crc32(bid_text, crc32(ask_text))
