"""Local order books: exact integer prices, checksums per protocol. Sans-I/O."""

from spotstream.book.l2 import L2Book
from spotstream.book.l3 import L3Book, VerifiedL3Book
from spotstream.book.units import from_units, to_units
from spotstream.book.verified import VerifiedBook

__all__ = ["L2Book", "L3Book", "VerifiedBook", "VerifiedL3Book", "from_units", "to_units"]
