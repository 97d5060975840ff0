"""An exact Level-3 (per-order) book on scaled integers. Sans-I/O.

Each side keeps its price levels as sorted keys, best first (ask price units, or negated bid
price units, searched with :mod:`bisect`), and a dict per key mapping order id → quantity
units; a dict keeps insertion order, which is the queue (time) priority. An index maps each
order id to its key, whose sign also tells the side (prices are positive).

The checksum is the venue's (an :class:`L3Checksum`): the book caches each level's text as
the venue's ``level_text`` makes it, and the venue's ``compute`` reads those texts.

Semantics of the order events:

- ``add`` appends the order to the back of its level. An ``add`` for an order id already in
  the book is a protocol error (:class:`L3OrderError`): the book must be dropped.
- ``modify`` at the same price and side changes the quantity in place (queue position kept);
  at another price (or side) it moves the order to the back of the new level. A ``modify``
  of an unknown id is applied as an ``add`` and counted in ``unknown_modifies``.
- ``delete`` removes the order by id (its price is not read); an unknown id is ignored and
  counted in ``unknown_deletes``.
- A zero quantity on ``add``/``modify`` removes the order (a zero-qty order cannot rest).
- After each message each side is truncated to ``depth`` price levels, their orders leaving
  the index (the exchange sends no deletes for levels that leave the window).

A message is not atomic: on an error the book is partly updated and must be dropped.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, NamedTuple, Protocol

from spotstream.book.tracked import ApplyResult, TrackedBook
from spotstream.book.units import (
    Number,
    PrecisionError,
    check_precision,
    from_units,
    number_text,
    unit_digits,
)
from spotstream.errors import ProtocolError
from spotstream.models.market import BookLevel, BookSnapshot

Side = Literal["bid", "ask"]
_SIGN: dict[Side, int] = {"bid": -1, "ask": 1}


class L3OrderError(ProtocolError):
    """An order event that contradicts the book (an ``add`` of an id already present)."""


class L3Entry(Protocol):
    """A resting order as in a snapshot (``L3OrderWire`` is one)."""

    @property
    def order_id(self) -> str: ...
    @property
    def limit_price(self) -> Number: ...
    @property
    def order_qty(self) -> Number: ...


class L3Event(L3Entry, Protocol):
    """An order event of an update: ``event`` is ``add``, ``modify`` or ``delete``."""

    @property
    def event(self) -> str | None: ...


class RestingOrder(NamedTuple):
    order_id: str
    qty: Decimal


class L2View(NamedTuple):
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]


L3LevelText = Callable[[int, Iterable[int]], bytes]
"""A venue's checksum text of one price level: from its price units and its orders' quantity
units in queue order."""


class L3Side:
    """One side: sorted keys best first, and each key's orders in queue order.

    Every change goes through :meth:`set` / :meth:`remove` / :meth:`truncate`, which drop
    the level's cached checksum text (``texts``): a message touches a few levels, while a
    checksum reads every order of several, so unchanged levels reuse their text.
    """

    __slots__ = ("keys", "level_text", "levels", "sign", "texts")

    def __init__(self, sign: int, level_text: L3LevelText) -> None:
        self.sign = sign
        self.level_text = level_text
        self.keys: list[int] = []
        self.levels: dict[int, dict[str, int]] = {}
        self.texts: dict[int, bytes] = {}

    def set(self, key: int, order_id: str, qty: int) -> None:
        """Add an order at the back of its level, or change its qty in place (queue kept)."""
        orders = self.levels.get(key)
        if orders is None:
            orders = self.levels[key] = {}
            self.keys.insert(bisect_left(self.keys, key), key)
        orders[order_id] = qty
        self.texts.pop(key, None)

    def remove(self, key: int, order_id: str) -> None:
        orders = self.levels[key]
        del orders[order_id]
        self.texts.pop(key, None)
        if not orders:
            del self.levels[key]
            del self.keys[bisect_left(self.keys, key)]

    def truncate(self, depth: int) -> list[str]:
        """Drop the levels beyond ``depth``; return the ids of their orders."""
        if len(self.keys) <= depth:
            return []
        dropped: list[str] = []
        for key in self.keys[depth:]:
            dropped.extend(self.levels.pop(key))
            self.texts.pop(key, None)
        del self.keys[depth:]
        return dropped

    def clear(self) -> None:
        self.keys.clear()
        self.levels.clear()
        self.texts.clear()

    def text(self, limit: int) -> bytes:
        """The checksum texts of the best ``limit`` levels, concatenated (each made by
        ``level_text`` when not cached)."""
        texts, levels, sign, level_text = self.texts, self.levels, self.sign, self.level_text
        parts = []
        for key in self.keys[:limit]:
            text = texts.get(key)
            if text is None:
                text = texts[key] = level_text(key * sign, levels[key].values())
            parts.append(text)
        return b"".join(parts)

    def __len__(self) -> int:
        return len(self.keys)


class L3Book:
    """Bids and asks of individual orders, truncated to ``depth`` price levels per side, each
    level caching the checksum text a venue's ``level_text`` makes."""

    __slots__ = (
        "asks",
        "bids",
        "depth",
        "index",
        "price_precision",
        "qty_precision",
        "unknown_deletes",
        "unknown_modifies",
    )

    def __init__(
        self, depth: int, price_precision: int, qty_precision: int, level_text: L3LevelText
    ) -> None:
        self.depth = depth
        self.price_precision = price_precision
        self.qty_precision = qty_precision
        self.bids = L3Side(-1, level_text)
        self.asks = L3Side(1, level_text)
        self.index: dict[str, int] = {}  # order id -> signed key (the sign is the side)
        self.unknown_deletes = 0
        self.unknown_modifies = 0

    def apply_snapshot(self, bids: Iterable[L3Entry], asks: Iterable[L3Entry]) -> None:
        """Replace the book by the snapshot's orders (each list in queue order per level)."""
        self.clear()
        for side, entries in ((self.bids, bids), (self.asks, asks)):
            for entry in entries:
                self._add(side, entry)
        self.truncate()

    def apply_update(self, bids: Iterable[L3Event], asks: Iterable[L3Event]) -> None:
        """Apply the order events in order (bids first, then asks), then truncate."""
        for side, events in ((self.bids, bids), (self.asks, asks)):
            for event in events:
                self._apply_event(side, event)
        self.truncate()

    def _apply_event(self, side: L3Side, event: L3Event) -> None:
        kind = event.event
        if kind == "add":
            self._add(side, event)
        elif kind == "modify":
            self._modify(side, event)
        elif kind == "delete":
            self._delete(event.order_id)
        else:
            raise L3OrderError(f"unknown level3 event {kind!r} for {event.order_id}")

    def _add(self, side: L3Side, entry: L3Entry) -> None:
        if entry.order_id in self.index:
            raise L3OrderError(f"add of order {entry.order_id} already in the book")
        key, qty = self._parse(side, entry)
        if qty:
            side.set(key, entry.order_id, qty)
            self.index[entry.order_id] = key

    def _modify(self, side: L3Side, entry: L3Event) -> None:
        key, qty = self._parse(side, entry)
        old_key = self.index.get(entry.order_id)
        if old_key is None:
            self.unknown_modifies += 1
        elif old_key == key and qty:  # same level: in place, queue position kept
            side.set(key, entry.order_id, qty)
            return
        else:
            self._delete(entry.order_id)
        if qty:
            side.set(key, entry.order_id, qty)
            self.index[entry.order_id] = key

    def _delete(self, order_id: str) -> None:
        key = self.index.pop(order_id, None)
        if key is None:
            self.unknown_deletes += 1
        else:
            (self.asks if key > 0 else self.bids).remove(key, order_id)

    def _parse(self, side: L3Side, entry: L3Entry) -> tuple[int, int]:
        """(signed key, qty units) of an order, exactly; raises :class:`PrecisionError`."""
        price = unit_digits(number_text(entry.limit_price), self.price_precision)
        qty = unit_digits(number_text(entry.order_qty), self.qty_precision)
        if not price:
            raise PrecisionError(f"order {entry.order_id} has a zero price")
        return int(price) * side.sign, int(qty or b"0")

    def truncate(self) -> None:
        index = self.index
        for side in (self.bids, self.asks):
            for order_id in side.truncate(self.depth):
                del index[order_id]

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()
        self.index.clear()

    def l2_view(self, levels: int | None = None) -> L2View:
        """The aggregated book (price, summed qty) best first, as exact Decimals."""
        return L2View(self._aggregate(self.bids, levels), self._aggregate(self.asks, levels))

    def _aggregate(self, side: L3Side, limit: int | None) -> tuple[BookLevel, ...]:
        pp, qp, sign = self.price_precision, self.qty_precision, side.sign
        return tuple(
            BookLevel(from_units(key * sign, pp), from_units(sum(side.levels[key].values()), qp))
            for key in side.keys[:limit]
        )

    def orders(self, side: Side, price: Number) -> tuple[RestingOrder, ...]:
        """The orders resting at ``price`` on ``side``, in queue order (empty if none)."""
        sign = _SIGN[side]
        key = int(unit_digits(number_text(price), self.price_precision) or b"0") * sign
        level = (self.bids if sign < 0 else self.asks).levels.get(key, {})
        qp = self.qty_precision
        return tuple(RestingOrder(oid, from_units(qty, qp)) for oid, qty in level.items())

    def __len__(self) -> int:
        """The number of resting orders."""
        return len(self.index)


@dataclass(frozen=True, slots=True)
class L3Checksum:
    """A venue's checksum of an L3 book: the ``level_text`` its books must cache, and
    ``compute``, the CRC of a book that holds it (reading :meth:`L3Side.text`).
    Calling the object computes it."""

    level_text: L3LevelText
    compute: Callable[[L3Book], int]

    def __call__(self, book: L3Book) -> int:
        return self.compute(book)


class VerifiedL3Book(TrackedBook[L3Entry, L3Event]):
    """An :class:`L3Book` for one symbol with status, counters and verification by the
    venue's ``checksum`` (the rules in :mod:`spotstream.book.tracked`, shared with the L2
    book): after a mismatch or an invalid order the book is not trusted until the next
    snapshot."""

    __slots__ = ("_checksum", "book")

    def __init__(
        self,
        symbol: str,
        depth: int,
        price_precision: int,
        qty_precision: int,
        checksum: L3Checksum,
    ) -> None:
        check_precision(symbol, "price precision", price_precision)
        check_precision(symbol, "qty precision", qty_precision)
        super().__init__(symbol)
        self.book = L3Book(depth, price_precision, qty_precision, checksum.level_text)
        self._checksum = checksum.compute

    def _apply(
        self,
        bids: Iterable[L3Entry] | Iterable[L3Event],
        asks: Iterable[L3Entry] | Iterable[L3Event],
        checksum: int | None,
        timestamp: datetime | None,
        snapshot: bool,
    ) -> ApplyResult:
        try:
            if snapshot:
                self.book.apply_snapshot(bids, asks)
            else:
                self.book.apply_update(bids, asks)  # type: ignore[arg-type]
        except (PrecisionError, L3OrderError):
            return self._invalid()
        return self._verify(checksum, timestamp)

    def computed_checksum(self) -> int:
        return self._checksum(self.book)

    def snapshot(self, limit: int | None = None) -> BookSnapshot:
        """An immutable copy of the aggregated (L2) book, best first."""
        bids, asks = self.book.l2_view(limit)
        return BookSnapshot(
            symbol=self.symbol,
            bids=bids,
            asks=asks,
            checksum=self.last_checksum,
            status=self.status,
            sequence=self.counters.updates,
            timestamp=self.timestamp,
        )
