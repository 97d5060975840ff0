"""Deterministic CoinEx v2 depth traffic for the benchmarks: one market's pushes at a limit.

The server side keeps a deep book on scaled integers (price 2 decimals, amount 8) and moves
it at random: amounts change, levels vanish, new levels appear inside the spread or behind
it. The client's book is CoinEx's top-``limit`` window (spec A5.2): each push is the first
a full book (``is_full``), then incremental pushes listing the window's changed levels, with
explicit ``"0"`` deletions for levels that leave the window and inserts for those that enter
it. Every push carries the CRC32 of the whole window as a client must compute it: bids
descending then asks ascending, ``price:amount`` with the fixed-decimal text, ``:``-joined.
Frames are gzip-compressed JSON as the server sends them (binary websocket frames). No float
touches a number.
"""

from __future__ import annotations

import gzip
import json
import random
import zlib
from dataclasses import dataclass, field

MARKET = "BTCUSDT"
PRICE_DECIMALS, QTY_DECIMALS = 2, 8


def _text(units: int, decimals: int) -> str:
    whole, frac = divmod(units, 10**decimals)
    return f"{whole}.{frac:0{decimals}d}"


@dataclass
class CoinExTraffic:
    limit: int
    updates: int
    seed: int = 1
    frames: list[bytes] = field(default_factory=list)  # gzip, as received
    texts: list[str] = field(default_factory=list)  # the same, decompressed
    final_bids: list[tuple[str, str]] = field(default_factory=list)
    final_asks: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        mid = 3_000_000  # 30000.00
        bids = {mid - 50 - 10 * i: rng.randint(1, 10**9) for i in range(self.limit * 3)}
        asks = {mid + 50 + 10 * i: rng.randint(1, 10**9) for i in range(self.limit * 3)}
        window = self._window(bids, asks)
        self._push(True, window, window, 1_700_000_000_000)
        for step in range(self.updates):
            for _ in range(rng.randint(1, 3)):
                self._move(rng, bids, asks)
            new = self._window(bids, asks)
            self._push(False, window, new, 1_700_000_000_000 + 200 * (step + 1))
            window = new
        self.final_bids = [(p, q) for p, q in window[0]]
        self.final_asks = [(p, q) for p, q in window[1]]

    def _move(self, rng: random.Random, bids: dict[int, int], asks: dict[int, int]) -> None:
        side = bids if rng.random() < 0.5 else asks
        best = max(bids) if side is bids else min(asks)
        sign = -1 if side is bids else 1
        roll = rng.random()
        if roll < 0.6 and side:  # an amount changes near the top
            price = best + sign * 10 * rng.randint(0, self.limit)
            if price in side:
                side[price] = rng.randint(1, 10**9)
                return
        if roll < 0.8 and len(side) > self.limit + 5:  # a level vanishes
            price = best + sign * 10 * rng.randint(0, self.limit - 1)
            side.pop(price, None)
            return
        # a level appears: inside the window, or just behind the best
        other_best = min(asks) if side is bids else max(bids)
        price = best + sign * 10 * rng.randint(-1, self.limit)
        if (side is bids and price >= other_best) or (side is asks and price <= other_best):
            return
        side[price] = rng.randint(1, 10**9)

    def _window(
        self, bids: dict[int, int], asks: dict[int, int]
    ) -> tuple[list[tuple[str, str]], ...]:
        top_bids = sorted(bids, reverse=True)[: self.limit]
        top_asks = sorted(asks)[: self.limit]
        return (
            [(_text(p, PRICE_DECIMALS), _text(bids[p], QTY_DECIMALS)) for p in top_bids],
            [(_text(p, PRICE_DECIMALS), _text(asks[p], QTY_DECIMALS)) for p in top_asks],
        )

    def _push(self, full: bool, old: tuple[list[tuple[str, str]], ...],
              new: tuple[list[tuple[str, str]], ...], stamp: int) -> None:  # fmt: skip
        sides = []
        for before, after in zip(old, new, strict=True):
            if full:
                sides.append([list(level) for level in after])
                continue
            was, now = dict(before), dict(after)
            changed = [[p, q] for p, q in after if was.get(p) != q]
            gone = [[p, "0"] for p in was if p not in now]
            sides.append(gone + changed)
        text = ":".join(f"{p}:{q}" for p, q in (*new[0], *new[1]))
        depth = {"asks": sides[1], "bids": sides[0], "last": new[1][0][0],
                 "updated_at": stamp, "checksum": zlib.crc32(text.encode())}  # fmt: skip
        data = {"market": MARKET, "is_full": full, "depth": depth}
        message = {"method": "depth.update", "data": data, "id": None}
        raw = json.dumps(message, separators=(",", ":"))
        self.texts.append(raw)
        self.frames.append(gzip.compress(raw.encode(), compresslevel=6, mtime=0))
