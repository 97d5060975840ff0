"""An independent, naive model of what a Kraken v1 client holds (no spotstream imports).

``v1_fmt`` and ``v1_checksum`` are the reference implementation of Kraken's WebSocket v1
book checksum (our spec, §6), copied. :class:`NaiveV1Book` keeps each side as a dict of the
price string as sent -> the volume string as sent, applies an update's levels in array order,
truncates to the depth once the whole message is applied, and computes the checksum from the
strings it was sent (so a number written with a varying width would fail it).
"""

from __future__ import annotations

import re
import zlib
from decimal import Decimal
from typing import Any


# --- the spec's reference implementation ----------------------------------------------------
def v1_fmt(s: str) -> str:  # s is the wire string
    return s.replace(".", "").lstrip("0")


def v1_checksum(asks: list[tuple[str, str]], bids: list[tuple[str, str]]) -> int:
    body = "".join(v1_fmt(p) + v1_fmt(v) for p, v in asks[:10]) + "".join(
        v1_fmt(p) + v1_fmt(v) for p, v in bids[:10]
    )
    return zlib.crc32(body.encode()) & 0xFFFFFFFF


# --- end of the copy --------------------------------------------------------------------------

TIME = re.compile(r"^\d{10}\.\d{6}$")


def is_book(message: Any) -> bool:
    return isinstance(message, list) and str(message[-2]).startswith("book-")


class NaiveV1Book:
    """One pair's book as a depth-``depth`` v1 client holds it."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.bids: dict[str, str] = {}
        self.asks: dict[str, str] = {}
        self.widths: set[tuple[int, int]] = set()  # (price, volume) decimals seen
        self.republished = 0
        self.layouts: set[str] = set()  # "a", "b", "a+b" (two objects)

    def apply(self, message: list[Any]) -> int | None:
        """Apply one book message (snapshot or update); the update's checksum, if any."""
        payloads = message[1:-2]
        if "as" in payloads[0]:
            self.asks = {p: v for p, v, _ in (self._level(lv) for lv in payloads[0]["as"])}
            self.bids = {p: v for p, v, _ in (self._level(lv) for lv in payloads[0]["bs"])}
            self._truncate()
            return None
        self.layouts.add("+".join(k for p in payloads for k in p if k in "ab"))
        checksum = None
        for payload in payloads:
            for key, side in (("a", self.asks), ("b", self.bids)):
                for level in payload.get(key, ()):
                    price, volume, republished = self._level(level)
                    self.republished += republished
                    if Decimal(volume) == 0:
                        side.pop(price, None)
                    else:
                        side[price] = volume
            if "c" in payload:
                checksum = int(payload["c"])
        self._truncate()
        return checksum

    def _level(self, level: list[str]) -> tuple[str, str, bool]:
        price, volume, time = level[:3]
        assert TIME.match(time), level
        assert level[3:] in ([], ["r"]), level
        self.widths.add((len(price.partition(".")[2]), len(volume.partition(".")[2])))
        return price, volume, level[3:] == ["r"]

    def _truncate(self) -> None:
        self.asks = dict(sorted(self.asks.items(), key=lambda kv: Decimal(kv[0]))[: self.depth])
        self.bids = dict(
            sorted(self.bids.items(), key=lambda kv: Decimal(kv[0]), reverse=True)[: self.depth]
        )

    @property
    def checksum(self) -> int:
        return v1_checksum(list(self.asks.items()), list(self.bids.items()))

    def top(
        self,
    ) -> tuple[tuple[tuple[Decimal, Decimal], ...], tuple[tuple[Decimal, Decimal], ...]]:
        """Both sides as exact numbers (to compare with a v2 client's book)."""

        def exact(side: dict[str, str]) -> tuple[tuple[Decimal, Decimal], ...]:
            return tuple((Decimal(p), Decimal(v)) for p, v in side.items())

        return exact(self.bids), exact(self.asks)
