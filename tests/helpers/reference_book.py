"""Independent reference implementations for book tests (no spotstream imports).

``book_checksum`` and ``_fmt`` are copied verbatim from Kraken's WebSocket v2 reference §6.4.
``ReferenceBook`` is the naive model: a dict of Decimal price -> Decimal qty per side,
sorted in full after every message and truncated to the depth.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from decimal import Decimal

Level = tuple[Decimal, Decimal]


# --- copied from the spec, §6.4 "Reference implementation (ours)" --------------------------
def _fmt(v: Decimal, decimals: int) -> str:
    s = f"{v:.{decimals}f}".replace(".", "").lstrip("0")
    return s  # (Kraken never checksums a zero qty; a zero price cannot occur)


def book_checksum(bids, asks, price_prec, qty_prec) -> int:  # type: ignore[no-untyped-def]
    # bids/asks: iterables of (Decimal price, Decimal qty)
    a = "".join(_fmt(p, price_prec) + _fmt(q, qty_prec) for p, q in sorted(asks)[:10])
    b = "".join(_fmt(p, price_prec) + _fmt(q, qty_prec) for p, q in sorted(bids, reverse=True)[:10])
    return zlib.crc32((a + b).encode()) & 0xFFFFFFFF


# --- end of the copy ------------------------------------------------------------------------


class ReferenceBook:
    """The obviously-correct L2 book: apply in order, delete on zero, sort, truncate."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}

    def apply(self, bids: Iterable[Level], asks: Iterable[Level], *, snapshot: bool) -> None:
        if snapshot:
            self.bids.clear()
            self.asks.clear()
        for side, levels in ((self.bids, bids), (self.asks, asks)):
            for price, qty in levels:
                if qty == 0:
                    side.pop(price, None)
                else:
                    side[price] = qty
        self.bids = dict(self.sorted_bids())
        self.asks = dict(self.sorted_asks())

    def sorted_bids(self) -> list[Level]:
        return sorted(self.bids.items(), reverse=True)[: self.depth]

    def sorted_asks(self) -> list[Level]:
        return sorted(self.asks.items())[: self.depth]

    def checksum(self, price_prec: int, qty_prec: int) -> int:
        return book_checksum(self.bids.items(), self.asks.items(), price_prec, qty_prec)


TextLevel = tuple[str, str]


def coinex_checksum(bids: Iterable[TextLevel], asks: Iterable[TextLevel]) -> int:
    """CoinEx's depth CRC (spec): every bid best first, then every ask, ``price:qty`` as
    received, all joined by ``:``; given the levels already sorted best first."""
    parts = [f"{p}:{q}" for p, q in bids] + [f"{p}:{q}" for p, q in asks]
    return zlib.crc32(":".join(parts).encode())


class TextReferenceBook:
    """The same naive model keeping each level's text as received (what CoinEx's checksum
    reads): price -> (price text, qty text); a level sent again replaces its text."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.bids: dict[Decimal, TextLevel] = {}
        self.asks: dict[Decimal, TextLevel] = {}

    def copy(self) -> TextReferenceBook:
        other = TextReferenceBook(self.depth)
        other.bids, other.asks = dict(self.bids), dict(self.asks)
        return other

    def apply(
        self, bids: Iterable[TextLevel], asks: Iterable[TextLevel], *, snapshot: bool
    ) -> None:
        if snapshot:
            self.bids.clear()
            self.asks.clear()
        for side, levels, best_first in ((self.bids, bids, True), (self.asks, asks, False)):
            for price, qty in levels:
                side.pop(Decimal(price), None)
                if Decimal(qty) != 0:
                    side[Decimal(price)] = (price, qty)
            kept = sorted(side.items(), reverse=best_first)[: self.depth]
            side.clear()
            side.update(kept)

    def sorted_bids(self) -> list[TextLevel]:
        return [text for _, text in sorted(self.bids.items(), reverse=True)]

    def sorted_asks(self) -> list[TextLevel]:
        return [text for _, text in sorted(self.asks.items())]

    def levels(self) -> tuple[list[Level], list[Level]]:
        """Both sides best first, as exact numbers."""
        return (
            [(Decimal(p), Decimal(q)) for p, q in self.sorted_bids()],
            [(Decimal(p), Decimal(q)) for p, q in self.sorted_asks()],
        )

    def kraken_checksum(self, price_prec: int, qty_prec: int) -> int:
        bids, asks = self.levels()
        return book_checksum(bids, asks, price_prec, qty_prec)

    def coinex_checksum(self) -> int:
        return coinex_checksum(self.sorted_bids(), self.sorted_asks())
