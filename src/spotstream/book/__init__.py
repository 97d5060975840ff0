"""Local order books: exact integer prices; each venue supplies its checksum. Sans-I/O."""

from spotstream.book.l2 import L2Book, L2Checksum, LevelText, TextSource
from spotstream.book.l3 import L3Book, L3Checksum, VerifiedL3Book
from spotstream.book.units import from_units, to_units
from spotstream.book.verified import VerifiedBook

__all__ = [
    "L2Book",
    "L2Checksum",
    "L3Book",
    "L3Checksum",
    "LevelText",
    "TextSource",
    "VerifiedBook",
    "VerifiedL3Book",
    "from_units",
    "to_units",
]
