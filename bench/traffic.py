"""Deterministic Kraken order-book traffic for in-process benchmarks.

``generate()`` simulates one symbol's book and renders the same sequence of
messages twice: as Kraken WebSocket v2 frames and as Kraken WebSocket v1
frames.  Prices and quantities are kept as scaled integers (ticks and lot
units) and rendered as text, so no float ever touches a price or a quantity.

The simulation follows Kraken's book semantics for a subscription of
``depth`` levels:

* an update carries absolute quantities; quantity 0 deletes the level;
* clients truncate each side to ``depth`` after applying an update, so a level
  pushed out of the window by a better insert is dropped without a delete;
* when a level inside the window is deleted, the same message inserts the
  level that moves into view from deeper in the book, so the client stays full;
* every v2 frame and every v1 update carries a CRC32 checksum of the best ten
  levels per side.

Run ``python bench/traffic.py --self-test`` to re-apply the frames with a
naive Decimal reference book and check every checksum.
"""

from __future__ import annotations

import argparse
import heapq
import json
import re
import sys
import zlib
from bisect import bisect_left, insort
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from random import Random
from typing import Any

# 2023-10-06T17:35:55.440295Z in microseconds since the epoch.
_START_US = 1_696_613_755_440_295
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Levels kept beyond the visible window, so deletes can bring one into view.
_MIN_RESERVE = 5
_MAX_RESERVE = 40
# Spread (ticks) above which new best levels become likely, and mean gap
# between visible levels (ticks) above which inserts become more likely.
_WIDE_SPREAD = 4
_SPARSE_GAP = 3


@dataclass(frozen=True)
class Traffic:
    """A snapshot plus updates for one book, rendered for both protocols."""

    depth: int
    symbol_v2: str
    symbol_v1: str
    price_precision: int
    qty_precision: int
    v1_channel_id: int
    # Snapshot first, then one frame per update; v1_frames[i] matches v2_frames[i].
    v2_frames: list[bytes]
    v1_frames: list[bytes]
    # The book a correct client holds after the last frame, best level first.
    final_bids: list[tuple[Decimal, Decimal]]
    final_asks: list[tuple[Decimal, Decimal]]
    final_checksum: int
    # Level entries (including deletes) over all update frames.
    level_changes: int

    @property
    def updates(self) -> int:
        """Number of update frames (frames after the snapshot)."""
        return len(self.v2_frames) - 1


class _Side:
    """One side of the simulated full book: ticks -> lot units.

    Keys are stored as ``price * sign`` in an ascending list, so index 0 is the
    best level for both sides (bids use sign -1).
    """

    def __init__(self, *, is_bid: bool) -> None:
        self.sign = -1 if is_bid else 1
        self.keys: list[int] = []
        self.qty: dict[int, int] = {}
        # Per message: levels to send, in order, and prices already changed.
        self.out: list[tuple[int, int]] = []
        self.touched: set[int] = set()

    def __len__(self) -> int:
        return len(self.keys)

    def price(self, index: int) -> int:
        return self.keys[index] * self.sign

    def level(self, index: int) -> tuple[int, int]:
        price = self.price(index)
        return price, self.qty[price]

    def set(self, price: int, qty: int) -> None:
        if price not in self.qty:
            insort(self.keys, price * self.sign)
        self.qty[price] = qty

    def remove(self, price: int) -> None:
        del self.keys[bisect_left(self.keys, price * self.sign)]
        del self.qty[price]

    def top(self, count: int) -> list[tuple[int, int]]:
        return [self.level(i) for i in range(min(count, len(self.keys)))]


def _fixed(units: int, decimals: int) -> str:
    """Render scaled integer ``units`` with exactly ``decimals`` decimals."""
    if decimals == 0:
        return str(units)
    whole, frac = divmod(units, 10**decimals)
    return f"{whole}.{frac:0{decimals}d}"


def _v2_number(units: int, decimals: int) -> str:
    """Shortest JSON number text: trailing zeros trimmed, one decimal kept."""
    text = _fixed(units, decimals)
    if decimals == 0:
        return text + ".0"
    text = text.rstrip("0")
    return text + "0" if text.endswith(".") else text


def checksum(asks: list[tuple[int, int]], bids: list[tuple[int, int]]) -> int:
    """Kraken book CRC32 from scaled-integer levels, best first per side.

    Formatting a level with fixed decimals, removing the '.' and stripping
    leading zeros yields exactly the decimal digits of the scaled integer.
    """
    text = "".join(f"{p}{q}" for p, q in asks[:10]) + "".join(f"{p}{q}" for p, q in bids[:10])
    return zlib.crc32(text.encode())


class _Generator:
    """Random walk over a full book; emits the visible changes per message."""

    def __init__(self, depth: int, seed: int, price_precision: int, qty_precision: int) -> None:
        self.depth = depth
        self.rng = Random(seed)
        self.qty_precision = qty_precision
        self.bids = _Side(is_bid=True)
        self.asks = _Side(is_bid=False)
        # Mid price 30000 in ticks, whatever the precision.
        mid = 30_000 * 10**price_precision
        self.bids.set(mid, self._qty())
        self.asks.set(mid + self.rng.randint(1, 3), self._qty())
        for side in (self.bids, self.asks):
            self._replenish(side, depth + _MAX_RESERVE)

    def _qty(self) -> int:
        """A random lot size; about a third are round numbers."""
        unit = 10**self.qty_precision
        qty = self.rng.randint(1, 3 * unit)
        if self.rng.randrange(3) == 0:
            step = 10 ** max(0, self.qty_precision - self.rng.randint(1, 4))
            qty = max(step, qty // step * step)
        return qty

    def _replenish(self, side: _Side, target: int) -> None:
        """Append levels deeper than the worst one (invisible to clients)."""
        while len(side) < target:
            worst = side.price(len(side) - 1)
            side.set(worst + side.sign * self.rng.randint(1, 4), self._qty())

    def _trim(self, side: _Side) -> None:
        """Drop the deepest levels beyond the reserve (invisible to clients)."""
        while len(side) > self.depth + _MAX_RESERVE:
            side.remove(side.price(len(side) - 1))

    def _index(self) -> int:
        """A visible level index, biased towards the top of the book."""
        if self.rng.randrange(2) == 0:
            return self.rng.randrange(min(self.depth, 10))
        return self.rng.randrange(self.depth)

    def _modify(self, side: _Side) -> bool:
        price, old = side.level(self._index())
        if price in side.touched:
            return False
        qty = self._qty()
        while qty == old:
            qty = self._qty()
        side.set(price, qty)
        side.out.append((price, qty))
        side.touched.add(price)
        return True

    def _delete(self, side: _Side) -> bool:
        price = side.price(self._index())
        if price in side.touched:
            return False
        side.remove(price)
        self._replenish(side, self.depth + _MIN_RESERVE)
        # Delete first, then the level that moved into the window.
        moved_in = side.level(self.depth - 1)
        side.out += [(price, 0), moved_in]
        side.touched.update((price, moved_in[0]))
        return True

    def _insert(self, side: _Side, other: _Side) -> bool:
        rng = self.rng
        # Improve the best level often when the spread is wide, else rarely.
        spread = self.asks.price(0) - self.bids.price(0)
        if rng.randrange(2 if spread > _WIDE_SPREAD else 10) == 0:
            # A new best level, strictly inside the spread.
            lo, hi = side.price(0), other.price(0)
        else:
            # Fill a gap between two visible levels.
            i = self._index()
            if i + 1 >= self.depth:
                return False
            lo, hi = side.price(i), side.price(i + 1)
        gap = abs(hi - lo)
        if gap < 2:
            return False
        price = min(lo, hi) + rng.randint(1, gap - 1)
        qty = self._qty()
        side.set(price, qty)
        self._trim(side)
        # The old worst visible level leaves the window silently.
        side.out.append((price, qty))
        side.touched.add(price)
        return True

    def step(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Apply 1-3 changes (rarely up to 6); return (ask_levels, bid_levels)."""
        rng = self.rng
        roll = rng.randrange(100)
        changes = 1 if roll < 50 else 2 if roll < 80 else 3 if roll < 95 else rng.randint(4, 6)
        for each in (self.asks, self.bids):
            each.out, each.touched = [], set()
        done = 0
        while done < changes:
            side, other = (self.asks, self.bids) if rng.randrange(2) else (self.bids, self.asks)
            # 1/4 delete, 1/4 insert, 1/2 modify; insert more when the
            # window got sparse so the book density stays roughly constant.
            span = abs(side.price(0) - side.price(self.depth - 1))
            sparse = span > _SPARSE_GAP * (self.depth - 1)
            op = rng.randrange(8)
            if op < 2:
                ok = self._delete(side)
            elif op < 4 or (sparse and op < 6):
                ok = self._insert(side, other)
            else:
                ok = self._modify(side)
            done += ok
        return self.asks.out, self.bids.out


def generate(
    depth: int,
    updates: int,
    seed: int = 1,
    symbol_v2: str = "BTC/USD",
    symbol_v1: str = "XBT/USD",
    price_precision: int = 1,
    qty_precision: int = 8,
) -> Traffic:
    """Build a snapshot plus ``updates`` update frames for a ``depth`` book."""
    if depth < 10:
        raise ValueError("depth must be at least 10")
    gen = _Generator(depth, seed, price_precision, qty_precision)
    pp, qp = price_precision, qty_precision
    channel_id = 336
    book_name = json.dumps(f"book-{depth}")
    sym2, sym1 = json.dumps(symbol_v2), json.dumps(symbol_v1)
    now_us = _START_US

    def v2_levels(levels: list[tuple[int, int]]) -> str:
        return ",".join(
            f'{{"price":{_v2_number(p, pp)},"qty":{_v2_number(q, qp)}}}' for p, q in levels
        )

    def v1_levels(levels: list[tuple[int, int]], stamp: str) -> str:
        return ",".join(f'["{_fixed(p, pp)}","{_fixed(q, qp)}","{stamp}"]' for p, q in levels)

    def iso(us: int) -> str:
        return (_EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def v1_stamp(us: int) -> str:
        return f"{us // 1_000_000}.{us % 1_000_000:06d}"

    def current_checksum() -> int:
        return checksum(gen.asks.top(10), gen.bids.top(10))

    asks, bids = gen.asks.top(depth), gen.bids.top(depth)
    v2_frames = [
        (
            f'{{"channel":"book","type":"snapshot","data":[{{"symbol":{sym2},'
            f'"bids":[{v2_levels(bids)}],"asks":[{v2_levels(asks)}],'
            f'"checksum":{current_checksum()},"timestamp":"{iso(now_us)}"}}]}}'
        ).encode()
    ]
    stamp = v1_stamp(now_us)
    v1_frames = [
        (
            f'[{channel_id},{{"as":[{v1_levels(asks, stamp)}],"bs":[{v1_levels(bids, stamp)}]}},'
            f"{book_name},{sym1}]"
        ).encode()
    ]
    level_changes = 0
    for _ in range(updates):
        now_us += gen.rng.randint(50, 20_000)
        ask_levels, bid_levels = gen.step()
        level_changes += len(ask_levels) + len(bid_levels)
        crc = current_checksum()
        v2_frames.append(
            (
                f'{{"channel":"book","type":"update","data":[{{"symbol":{sym2},'
                f'"bids":[{v2_levels(bid_levels)}],"asks":[{v2_levels(ask_levels)}],'
                f'"checksum":{crc},"timestamp":"{iso(now_us)}"}}]}}'
            ).encode()
        )
        # v1 puts each side in its own object; "c" goes in the last one.
        stamp = v1_stamp(now_us)
        parts = []
        if ask_levels:
            parts.append(f'"a":[{v1_levels(ask_levels, stamp)}]')
        if bid_levels:
            parts.append(f'"b":[{v1_levels(bid_levels, stamp)}]')
        parts[-1] += f',"c":"{crc}"'
        body = ",".join(f"{{{part}}}" for part in parts)
        v1_frames.append(f"[{channel_id},{body},{book_name},{sym1}]".encode())

    def decimals(levels: list[tuple[int, int]]) -> list[tuple[Decimal, Decimal]]:
        return [(Decimal(_fixed(p, pp)), Decimal(_fixed(q, qp))) for p, q in levels]

    return Traffic(
        depth=depth,
        symbol_v2=symbol_v2,
        symbol_v1=symbol_v1,
        price_precision=pp,
        qty_precision=qp,
        v1_channel_id=channel_id,
        v2_frames=v2_frames,
        v1_frames=v1_frames,
        final_bids=decimals(gen.bids.top(depth)),
        final_asks=decimals(gen.asks.top(depth)),
        final_checksum=current_checksum(),
        level_changes=level_changes,
    )


# --------------------------------------------------------------------------
# Self check: an independent, naive Decimal reference client.


class TrafficError(Exception):
    """The generated traffic violates the Kraken book protocol."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise TrafficError(message)


class _RefBook:
    """A deliberately simple Decimal book; ``eager`` truncates per level."""

    def __init__(self, depth: int, pp: int, qp: int, *, eager: bool) -> None:
        self.depth, self.pp, self.qp, self.eager = depth, pp, qp, eager
        self.sides: dict[str, dict[Decimal, Decimal]] = {"bids": {}, "asks": {}}

    def ordered(self, side: str, count: int | None = None) -> list[tuple[Decimal, Decimal]]:
        """Best ``count`` levels (all by default), best first."""
        book = self.sides[side]
        pick = heapq.nlargest if side == "bids" else heapq.nsmallest
        return [(p, book[p]) for p in pick(count or len(book), book)]

    def _truncate(self, side: str) -> None:
        book = self.sides[side]
        while len(book) > self.depth:
            del book[min(book) if side == "bids" else max(book)]

    def apply(self, side: str, levels: list[tuple[Decimal, Decimal]]) -> None:
        book = self.sides[side]
        for price, qty in levels:
            _check(price == price.quantize(Decimal(1).scaleb(-self.pp)), f"off-grid {price}")
            if qty == 0:
                _check(price in book, f"delete of unknown {side} level {price}")
                del book[price]
            else:
                book[price] = qty
            if self.eager:
                self._truncate(side)
        self._truncate(side)

    def checksum(self) -> int:
        text = ""
        for side in ("asks", "bids"):
            for price, qty in self.ordered(side, 10):
                for value, places in ((price, self.pp), (qty, self.qp)):
                    text += f"{value:.{places}f}".replace(".", "").lstrip("0")
        return zlib.crc32(text.encode())

    def check_shape(self, n: int) -> None:
        bids, asks = self.sides["bids"], self.sides["asks"]
        _check(len(bids) == self.depth == len(asks), f"frame {n}: book not full")
        _check(max(bids) < min(asks), f"frame {n}: crossed book")


def _strict_decimal(text: str) -> Decimal:
    _check(re.fullmatch(r"-?\d+\.\d+", text) is not None, f"bad v2 number {text!r}")
    _check(text == "0.0" or not text.endswith("0") or text.endswith(".0"), f"untrimmed {text}")
    return Decimal(text)


def verify(traffic: Traffic) -> None:
    """Re-apply every frame to reference books; raise TrafficError on any fault."""
    t = traffic
    pp, qp, depth = t.price_precision, t.qty_precision, t.depth
    _check(len(t.v1_frames) == len(t.v2_frames), "v1/v2 frame counts differ")
    v2_lazy = _RefBook(depth, pp, qp, eager=False)
    v2_eager = _RefBook(depth, pp, qp, eager=True)
    v1_book = _RefBook(depth, pp, qp, eager=False)
    v1_text = re.compile(rf"\d+\.\d{{{pp}}}" if pp else r"\d+")
    v1_qty = re.compile(rf"\d+\.\d{{{qp}}}" if qp else r"\d+")

    def v1_levels(raw: list[list[str]]) -> list[tuple[Decimal, Decimal]]:
        out = []
        for price, qty, stamp in raw:
            _check(bool(v1_text.fullmatch(price)), f"bad v1 price {price!r}")
            _check(bool(v1_qty.fullmatch(qty)), f"bad v1 qty {qty!r}")
            _check(bool(re.fullmatch(r"\d+\.\d{6}", stamp)), f"bad v1 timestamp {stamp!r}")
            out.append((Decimal(price), Decimal(qty)))
        return out

    for n, (f2, f1) in enumerate(zip(t.v2_frames, t.v1_frames, strict=True)):
        kind = "snapshot" if n == 0 else "update"
        # v2: numbers must be decimal literals; checksum on every frame.
        msg: dict[str, Any] = json.loads(f2, parse_float=_strict_decimal)
        _check(msg["channel"] == "book" and msg["type"] == kind, f"frame {n}: bad v2 header")
        data = msg["data"][0]
        _check(data["symbol"] == t.symbol_v2, f"frame {n}: bad v2 symbol")
        _check(n == 0 or bool(data["bids"] or data["asks"]), f"frame {n}: empty update")
        for book in (v2_lazy, v2_eager):
            for side in ("asks", "bids"):
                levels = [(lv["price"], lv["qty"]) for lv in data[side]]
                _check(
                    all(isinstance(v, Decimal) for lv in levels for v in lv),
                    f"frame {n}: v2 price/qty must be decimal literals",
                )
                book.apply(side, levels)
            book.check_shape(n)
            _check(book.checksum() == data["checksum"], f"frame {n}: v2 checksum mismatch")
        # v1: [channelID, {..}, ({..},) "book-N", pair]; "c" only on updates.
        arr = json.loads(f1)
        _check(arr[0] == t.v1_channel_id, f"frame {n}: bad v1 channel id")
        _check(arr[-2:] == [f"book-{depth}", t.symbol_v1], f"frame {n}: bad v1 trailer")
        objs: list[dict[str, Any]] = arr[1:-2]
        if n == 0:
            _check(len(objs) == 1 and set(objs[0]) == {"as", "bs"}, "bad v1 snapshot")
            v1_book.apply("asks", v1_levels(objs[0]["as"]))
            v1_book.apply("bids", v1_levels(objs[0]["bs"]))
        else:
            _check(1 <= len(objs) <= 2 and "c" in objs[-1], f"frame {n}: bad v1 update")
            for obj in objs:
                for key, side in (("a", "asks"), ("b", "bids")):
                    if key in obj:
                        v1_book.apply(side, v1_levels(obj[key]))
            _check(v1_book.checksum() == int(objs[-1]["c"]), f"frame {n}: v1 checksum mismatch")
        v1_book.check_shape(n)
        _check(v1_book.sides == v2_lazy.sides, f"frame {n}: v1 and v2 books differ")
        _check(v2_eager.sides == v2_lazy.sides, f"frame {n}: eager and lazy books differ")

    _check(v2_lazy.ordered("bids") == t.final_bids, "final bids differ")
    _check(v2_lazy.ordered("asks") == t.final_asks, "final asks differ")
    _check(v2_lazy.checksum() == t.final_checksum, "final checksum differs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--self-test", action="store_true", help="verify generated traffic")
    parser.add_argument("--depth", type=int, action="append", help="depth (repeatable)")
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dump", choices=("v1", "v2"), help="print frames instead")
    parser.add_argument("--limit", type=int, default=5, help="frames to print with --dump")
    args = parser.parse_args(argv)
    depths = args.depth or ([10, 100, 1000] if args.self_test else [10])
    for depth in depths:
        traffic = generate(depth, args.updates, seed=args.seed)
        if args.dump:
            frames = traffic.v1_frames if args.dump == "v1" else traffic.v2_frames
            for frame in frames[: args.limit]:
                sys.stdout.write(frame.decode() + "\n")
        if args.self_test:
            verify(traffic)
            best_bid, best_ask = traffic.final_bids[0], traffic.final_asks[0]
            sys.stdout.write(
                f"ok depth={depth} updates={traffic.updates} levels={traffic.level_changes}"
                f" best_bid={best_bid[0]} best_ask={best_ask[0]}\n"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
