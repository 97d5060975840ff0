"""Kraken's book checksums (v1 and v2, L2 and L3), for the client and the simulator alike.

Both are a CRC32 of the best 10 ask levels, then the best 10 bid levels, each number written
as its amount in units (fixed precision, no dot, no leading zeros). The client's books
cache that text per level (:data:`KRAKEN_LEVEL_TEXT` for L2, :func:`kraken_l3_level_text` for
L3), so a checksum is a join of cached texts and one CRC; the simulator writes the same text
through the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat
from typing import Protocol
from zlib import crc32

from spotstream.book.l2 import L2Book, L2Checksum, LevelText, TextSource
from spotstream.book.l3 import L3Checksum

KRAKEN_CHECKSUM_LEVELS = 10

KRAKEN_LEVEL_TEXT = LevelText(TextSource.UNITS, KRAKEN_CHECKSUM_LEVELS)
"""An L2 level's text: price units then qty units, for the best 10 levels per side."""


def _l2_checksum(book: L2Book) -> int:
    """The top 10 asks ascending, then the top 10 bids descending, each level as its price
    and quantity in units, concatenated (the books cache exactly that text)."""
    bids, asks = book.bids, book.asks
    bid_text = bids.top if bids.top is not None else bids.top_text()
    ask_text = asks.top if asks.top is not None else asks.top_text()
    return crc32(bid_text, crc32(ask_text))


kraken_checksum = L2Checksum(KRAKEN_LEVEL_TEXT, _l2_checksum)
"""Kraken's L2 CRC32: ``kraken_checksum(book)``, and what a ``VerifiedBook`` is given."""


def kraken_l3_text(orders: Iterable[tuple[int, int]]) -> bytes:
    """Orders' text in Kraken's L3 checksum: each ``(price units, qty units)`` as its two
    numbers' digits, concatenated in the order given (level by level, queue order)."""
    return b"".join([b"%d%d" % order for order in orders])


def kraken_l3_level_text(price: int, qtys: Iterable[int]) -> bytes:
    """One level's text, from its orders' quantities in queue order (what the client's
    L3 book caches per level)."""
    return kraken_l3_text(zip(repeat(price), qtys))


class L3SideText(Protocol):
    def text(self, limit: int) -> bytes:
        """The :func:`kraken_l3_text` of every order of the best ``limit`` levels."""
        ...


class L3Sides(Protocol):
    """An L3 book as the checksum reads it: the client's ``L3Book``, the simulator's queues."""

    @property
    def bids(self) -> L3SideText: ...
    @property
    def asks(self) -> L3SideText: ...


def kraken_l3_crc(book: L3Sides) -> int:
    """Kraken's L3 CRC32: every order of the best 10 ask levels (ascending, queue order),
    then of the best 10 bid levels (descending)."""
    levels = KRAKEN_CHECKSUM_LEVELS
    return crc32(book.bids.text(levels), crc32(book.asks.text(levels)))


kraken_l3_checksum = L3Checksum(kraken_l3_level_text, kraken_l3_crc)
"""Kraken's L3 CRC32: ``kraken_l3_checksum(book)``, and what a ``VerifiedL3Book`` is given."""
