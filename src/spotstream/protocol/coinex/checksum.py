"""CoinEx's depth checksum (socket API v2, ``depth.update``), for the client and the simulator.

A CRC32 (IEEE, zlib) of the **whole** local book after the push: every bid by price
descending, then every ask ascending, each level ``price:amount`` with the numbers' text
*as received* (trailing zeros kept: ``30736.00`` is not ``30736``), everything joined by
``:`` (a book without bids starts at the first ask). CoinEx calls the value a signed 32-bit
integer and sends it as an int above 2^31, a negative int or a string: it is compared
unsigned (:func:`wire_checksum`).

The books cache each level's text as received with the ``:`` separator
(:data:`COINEX_LEVEL_TEXT`), so a checksum is two cached joins and a CRC; with the C
accelerator built, one call that CRCs both sides' level texts without joining them
(:func:`spotstream.book.l2.crc_join`: with limit 50 nearly every push invalidates a side's
cached join, so the cache saves little and the join costs more than the CRC).
"""

from __future__ import annotations

from zlib import crc32

from spotstream.book import l2
from spotstream.book.l2 import L2Book, L2Checksum, LevelText, TextSource
from spotstream.errors import DecodeError

COINEX_MAX_LEVELS = 50
"""The deepest book a depth subscription keeps (``limit`` 5, 10, 20 or 50): all of it is read."""
COINEX_LEVEL_TEXT = LevelText(TextSource.RECEIVED, COINEX_MAX_LEVELS, b":")
"""A level's text: its price and amount as received, ``:`` between them and between levels."""
_SEPARATOR = b":"


def _checksum_cached(book: L2Book) -> int:
    bids, asks = book.bids, book.asks
    bid_text = bids.top if bids.top is not None else bids.top_text()
    ask_text = asks.top if asks.top is not None else asks.top_text()
    if bid_text and ask_text:
        return crc32(ask_text, crc32(_SEPARATOR, crc32(bid_text)))
    return crc32(bid_text or ask_text)


def _checksum_joined(book: L2Book) -> int:
    # The same CRC: bids then asks, ":" between levels and between the sides (if both).
    return _crc_join(book.bids.texts, book.asks.texts, COINEX_MAX_LEVELS, _SEPARATOR)


_crc_join = l2.crc_join
_checksum = _checksum_joined if l2.ACCELERATED else _checksum_cached


coinex_checksum = L2Checksum(COINEX_LEVEL_TEXT, _checksum)
"""CoinEx's depth CRC32: ``coinex_checksum(book)``, and what a ``VerifiedBook`` is given."""


def wire_checksum(value: object) -> int:
    """The checksum a push carries, as the unsigned 32-bit value the book computes: a positive
    or negative int, or its decimal text. Anything else raises :class:`DecodeError`."""
    if isinstance(value, str):
        text = value.removeprefix("-")
        if not text.isdigit() or len(text) > 10:
            raise DecodeError(f"bad depth checksum {value!r}")
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise DecodeError(f"bad depth checksum {value!r}")
    if not -(1 << 31) <= value < 1 << 32:
        raise DecodeError(f"depth checksum {value} is not a 32-bit integer")
    return value & 0xFFFFFFFF


def levels_checksum(bids: list[bytes], asks: list[bytes]) -> int:
    """The same CRC over levels given as ``price:amount`` texts as received (a REST depth
    answer: bids best first, then asks best first), with no book built."""
    return crc32(_SEPARATOR.join(bids + asks))
