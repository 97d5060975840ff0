"""An independent, naive model of what a Kraken v2 client holds (no spotstream imports).

``book_checksum`` and ``_fmt`` are the reference implementation of Kraken's WebSocket v2 reference
§6.4, copied. :class:`NaiveBook` keeps a dict of Decimal price -> Decimal qty per side, applies
each message in order, then sorts and truncates the whole side to the depth.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from decimal import Decimal
from typing import Any


# --- the spec's reference implementation ----------------------------------------------------
def _fmt(v: Decimal, decimals: int) -> str:
    s = f"{v:.{decimals}f}".replace(".", "").lstrip("0")
    return s  # (Kraken never checksums a zero qty; a zero price cannot occur)


def book_checksum(
    bids: Iterable[tuple[Decimal, Decimal]],
    asks: Iterable[tuple[Decimal, Decimal]],
    price_prec: int,
    qty_prec: int,
) -> int:
    a = "".join(_fmt(p, price_prec) + _fmt(q, qty_prec) for p, q in sorted(asks)[:10])
    b = "".join(_fmt(p, price_prec) + _fmt(q, qty_prec) for p, q in sorted(bids, reverse=True)[:10])
    return zlib.crc32((a + b).encode()) & 0xFFFFFFFF


# --- end of the copy --------------------------------------------------------------------------


def loads(frame: str | bytes) -> Any:
    """Parse a frame with exact numbers (floats become Decimal, as a careful client does)."""
    return json.loads(frame, parse_float=Decimal)


class NaiveBook:
    """One symbol's book as a depth-``depth`` client holds it."""

    def __init__(self, depth: int, price_precision: int, qty_precision: int) -> None:
        self.depth = depth
        self.pp = price_precision
        self.qp = qty_precision
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}

    def apply(self, item: dict[str, Any], *, snapshot: bool) -> None:
        """Apply one ``data`` item of a book message (then truncate each side)."""
        if snapshot:
            self.bids.clear()
            self.asks.clear()
        for side, levels in ((self.bids, item["bids"]), (self.asks, item["asks"])):
            for level in levels:
                if level["qty"] == 0:
                    side.pop(level["price"], None)
                else:
                    side[level["price"]] = level["qty"]
        self.bids = dict(sorted(self.bids.items(), reverse=True)[: self.depth])
        self.asks = dict(sorted(self.asks.items())[: self.depth])

    @property
    def checksum(self) -> int:
        return book_checksum(self.bids.items(), self.asks.items(), self.pp, self.qp)

    def worst(self, side: str) -> Decimal | None:
        levels = self.bids if side == "bids" else self.asks
        if not levels:
            return None
        return min(levels) if side == "bids" else max(levels)
