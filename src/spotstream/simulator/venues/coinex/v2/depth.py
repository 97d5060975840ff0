"""CoinEx v2 ``depth.update`` for one (market, limit, interval): the subscribers' window.

A :class:`DepthWindow` holds exactly what its subscribers hold: the top ``limit`` levels per
side of the market's deep book, merged to ``interval`` when one is given (bids rounded down
to a multiple of it, asks up, amounts summed), as an :class:`~spotstream.book.l2.L2Book` of
CoinEx's checksum text (the strings sent). Each push compares a fresh window with that book:

- a level that left the window (deleted, or pushed below ``limit``): amount ``"0"``;
- a level that entered it or changed: its amount.

So a client that applies every push (and never truncates) holds the top-``limit`` window,
and the ``checksum`` of each push, :func:`~spotstream.protocol.coinex.checksum.coinex_checksum`
of that book, is what such a client computes. The checksum is sent as an **unsigned**
32-bit int (0 to 2^32 - 1), as CoinEx's documented example is. Merged prices keep the
pair's price decimals (``"65000.00"`` at interval ``"10"``; how CoinEx writes them is not
documented).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import msgspec

from spotstream.book.l2 import BookSide, L2Book
from spotstream.protocol.coinex.checksum import COINEX_LEVEL_TEXT, coinex_checksum
from spotstream.protocol.coinex.v2 import wire
from spotstream.protocol.coinex.v2.channels import DEPTH_INTERVALS, DEPTH_LIMITS
from spotstream.simulator.market.state import DeepBook, DeepSide, Level
from spotstream.simulator.venues.coinex.markets import ENCODER, MarketNumbers

LIMITS, INTERVALS = DEPTH_LIMITS, DEPTH_INTERVALS  # the protocol's: one table


class _Level(NamedTuple):
    """A level as the book's ``apply`` reads it: the wire strings, unquoted."""

    price: bytes
    qty: bytes


class DepthChange(NamedTuple):
    """One push's levels (wire strings, best first) and the checksum of the resulting book."""

    bids: list[_Level]
    asks: list[_Level]
    checksum: int


def merge_units(interval: str, price_precision: int) -> int:
    """The merge step in price units (1: no merge; an interval finer than the price grid
    merges nothing either)."""
    try:
        step = Decimal(interval).scaleb(price_precision)
    except InvalidOperation:
        return 1
    if step < 1 or step != step.to_integral_value():
        return 1
    return int(step)


class DepthWindow:
    """What the subscribers of one (market, limit, interval) hold, and the pushes that keep
    it the top of the deep book."""

    __slots__ = ("book", "deep", "limit", "market", "numbers", "step")

    def __init__(
        self, market: str, deep: DeepBook, limit: int, step: int, numbers: MarketNumbers
    ) -> None:
        self.market = market
        self.deep = deep
        self.limit = limit
        self.step = step
        self.numbers = numbers
        self.book = L2Book(limit, COINEX_LEVEL_TEXT)

    def full(self) -> DepthChange:
        """Take the window afresh: every level of it (a full push)."""
        self.book.clear()
        bids = self._levels(_window(self.deep.bids, self.limit, self.step))
        asks = self._levels(_window(self.deep.asks, self.limit, self.step))
        self._apply(bids, asks)
        return DepthChange(bids, asks, coinex_checksum(self.book))

    def update(self) -> DepthChange | None:
        """The incremental push to the fresh window (``None``: nothing changed)."""
        bids = self._side_delta(self.book.bids, _window(self.deep.bids, self.limit, self.step))
        asks = self._side_delta(self.book.asks, _window(self.deep.asks, self.limit, self.step))
        if not bids and not asks:
            return None
        self._apply(bids, asks)
        return DepthChange(bids, asks, coinex_checksum(self.book))

    def current(self) -> DepthChange:
        """The window as held (what a new subscriber's first, full push shows)."""
        return DepthChange(
            self._levels(list(self.book.bids.levels())),
            self._levels(list(self.book.asks.levels())),
            coinex_checksum(self.book),
        )

    def _side_delta(self, held: BookSide, fresh: list[Level]) -> list[_Level]:
        old = dict(held.levels())
        new = dict(fresh)
        out: list[Level] = [(price, 0) for price in old if price not in new]
        out.extend((price, qty) for price, qty in fresh if old.get(price) != qty)
        return self._levels(out)

    def _levels(self, levels: list[Level]) -> list[_Level]:
        price, amount = self.numbers.price_text, self.numbers.amount_text
        return [_Level(price(p).encode(), b"0" if not q else amount(q).encode()) for p, q in levels]

    def _apply(self, bids: list[_Level], asks: list[_Level]) -> None:
        precision = self.numbers.price_precision, self.numbers.qty_precision
        self.book.bids.apply(bids, *precision)
        self.book.asks.apply(asks, *precision)


def _window(side: DeepSide, limit: int, step: int) -> list[Level]:
    """The best ``limit`` levels of ``side``, merged to ``step`` price units."""
    if step <= 1:
        return side.levels(limit)
    out: list[Level] = []
    sign = side.sign
    for key in side.keys:
        price = key * sign
        bucket = price // step * step if sign < 0 else -(-price // step) * step
        if out and out[-1][0] == bucket:
            out[-1] = (bucket, out[-1][1] + side.qty[key])
            continue
        if len(out) == limit or bucket <= 0:
            break
        out.append((bucket, side.qty[key]))
    return out


def depth_push(
    market: str,
    change: DepthChange,
    *,
    is_full: bool,
    last: Decimal,
    updated_at: int,
    corrupt: bool = False,
) -> bytes:
    """The JSON of one ``depth.update`` (``corrupt``: with a wrong checksum, for the fault
    switch)."""
    checksum = (change.checksum + 1) & 0xFFFFFFFF if corrupt else change.checksum
    depth = wire.Depth(
        asks=_wire_levels(change.asks),
        bids=_wire_levels(change.bids),
        checksum=checksum,
        last=last,
        updated_at=updated_at,
    )
    return ENCODER.encode(wire.DepthUpdate(data=wire.DepthData(market, is_full, depth)))


def _wire_levels(levels: list[_Level]) -> list[wire.DepthLevel]:
    raw = msgspec.Raw
    return [wire.DepthLevel(raw(b'"%b"' % p), raw(b'"%b"' % q)) for p, q in levels]
