"""Kraken's book checksums (v1 and v2, L2 and L3), for the client and the simulator alike.

Both are a CRC32 of the best 10 ask levels, then the best 10 bid levels, each number written
as its amount in units (fixed precision, no dot, no leading zeros). The books cache that
text per level (:data:`KRAKEN_LEVEL_TEXT` for L2, :func:`kraken_l3_level_text` for L3), so a
checksum is a join of cached texts and one CRC.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from zlib import crc32

from spotstream.book.l2 import L2Book, L2Checksum, LevelText, TextSource
from spotstream.book.l3 import L3Book, L3Checksum

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


def kraken_l3_level_text(price: int, qtys: Iterable[int]) -> bytes:
    """An L3 level's text: each of its orders, in queue order, as price units then qty
    units (the price repeated per order)."""
    return b"".join([b"%d%d" % (price, qty) for qty in qtys])


def kraken_l3_crc(bids: Iterable[bytes], asks: Iterable[bytes]) -> int:
    """Kraken's L3 CRC32 from each side's level texts (:func:`kraken_l3_level_text`), best
    first: every order of the best 10 ask levels, then of the best 10 bid levels. Only the
    first 10 texts of each side are read, so lazy iterables stay cheap on deep books."""
    levels = KRAKEN_CHECKSUM_LEVELS
    ask_text = b"".join(islice(asks, levels))
    return crc32(b"".join(islice(bids, levels)), crc32(ask_text))


def _l3_checksum(book: L3Book) -> int:
    return kraken_l3_crc(book.bids.level_texts(), book.asks.level_texts())


kraken_l3_checksum = L3Checksum(kraken_l3_level_text, _l3_checksum)
"""Kraken's L3 CRC32: ``kraken_l3_checksum(book)``, and what a ``VerifiedL3Book`` is given."""
