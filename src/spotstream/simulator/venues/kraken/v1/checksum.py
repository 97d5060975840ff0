"""Kraken WebSocket v1's book checksum, written from the spec (§6), on the wire strings.

For each of the best 10 asks (ascending) and then the best 10 bids (descending): the price
string exactly as sent, without its dot and its leading zeros, then the volume string the
same way; the CRC32 of the concatenation. Trailing zeros stay: they are part of the
fixed-width text. The simulator computes it here, from its own strings, not with the client's
book code, so that a client bug in either cannot hide in both.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

CHECKSUM_LEVELS = 10


def level_text(price: str, volume: str) -> str:
    """One level's part of the checksum text: ``("0.05005", "0.00000500") -> "5005500"``."""
    return price.replace(".", "").lstrip("0") + volume.replace(".", "").lstrip("0")


def checksum_of_texts(ask_texts: Iterable[str], bid_texts: Iterable[str]) -> int:
    """The CRC32 of level texts already cut to the best 10 per side (asks first)."""
    return zlib.crc32(("".join(ask_texts) + "".join(bid_texts)).encode("ascii")) & 0xFFFFFFFF


def v1_checksum(asks: Iterable[tuple[str, str]], bids: Iterable[tuple[str, str]]) -> int:
    """The checksum of a book given as ``(price, volume)`` wire strings, best level first."""
    ask_texts = [level_text(p, v) for p, v in list(asks)[:CHECKSUM_LEVELS]]
    bid_texts = [level_text(p, v) for p, v in list(bids)[:CHECKSUM_LEVELS]]
    return checksum_of_texts(ask_texts, bid_texts)
