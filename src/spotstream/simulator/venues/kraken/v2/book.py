"""Kraken v2 ``book`` frames for one (symbol, depth): the subscriber's window on the deep book.

A :class:`BookView` holds exactly what a depth-``D`` client holds (the top ``D`` levels per
side, as an :class:`~spotstream.book.l2.L2Book`) and, after each market step, works out the
least it must send for the client to hold the new top ``D``:

- a level inside the window that changed or appeared: its new quantity;
- a level inside the window that disappeared: ``qty 0``, and the level that slides into
  the window from below as a normal insert;
- a level pushed out of the window by a better one: nothing (the client truncates).

Deletes come first, so a client that truncates after every level (not only after the whole
message) also ends with the right book. The checksum is computed on the view.

Update frames are written by a template (hot path); :func:`book_update_message` builds the
same frame from the wire Structs, and a test keeps the two byte-identical.
"""

from __future__ import annotations

from bisect import bisect_right

from spotstream.book.l2 import BookSide, L2Book
from spotstream.protocol.kraken.checksum import KRAKEN_LEVEL_TEXT, kraken_checksum
from spotstream.protocol.kraken.v2 import wire
from spotstream.simulator.framing import ENCODER, PairNumbers, WireTime, ws_header
from spotstream.simulator.market.state import DeepBook, DeepSide, Level

TIMESTAMP_WIDTH = 27  # len("2024-05-27T12:43:11.798009Z")
BOOK_TAIL = b'"}]}'


class BookViewChange:
    """A pre-encoded update: ``head + timestamp + BOOK_TAIL`` is one complete websocket frame.

    ``head`` starts with the websocket header, sized for a timestamp of
    :data:`TIMESTAMP_WIDTH` characters, and ends with ``"timestamp":"``.
    """

    __slots__ = ("checksum", "head")

    def __init__(self, head: bytes, checksum: int) -> None:
        self.head = head
        self.checksum = checksum

    def frame(self, timestamp: bytes) -> bytes:
        return self.head + timestamp + BOOK_TAIL

    def corrupted(self) -> BookViewChange:
        """The same update with a wrong checksum (for the fault switch)."""
        payload = self.head[4:] if self.head[1] == 126 else self.head[2:]
        wrong = (self.checksum + 1) & 0xFFFFFFFF
        payload = payload.replace(b'"checksum":%d,' % self.checksum, b'"checksum":%d,' % wrong)
        return BookViewChange(_framed_head(payload), wrong)

    def malformed(self) -> BookViewChange:
        """The same update with its checksum as a string (a frame that cannot be applied)."""
        payload = self.head[4:] if self.head[1] == 126 else self.head[2:]
        payload = payload.replace(b'"checksum":%d,' % self.checksum, b'"checksum":"x",')
        return BookViewChange(_framed_head(payload), self.checksum)


def _framed_head(payload_head: bytes) -> bytes:
    return ws_header(len(payload_head) + TIMESTAMP_WIDTH + len(BOOK_TAIL)) + payload_head


class BookView:
    """The top ``depth`` levels of one instrument's deep book, as its subscribers hold them."""

    __slots__ = ("_prefix", "book", "deep", "depth", "numbers", "symbol")

    def __init__(self, deep: DeepBook, depth: int, numbers: PairNumbers) -> None:
        self.deep = deep
        self.symbol = deep.symbol
        self.depth = depth
        self.numbers = numbers
        self.book = L2Book(depth, KRAKEN_LEVEL_TEXT)
        self.reset()
        self._prefix = f'{{"channel":"book","type":"update","data":[{{"symbol":"{self.symbol}"'

    def reset(self) -> None:
        """Take the window afresh from the market's deep book."""
        self.book.clear()
        for deep, view in ((self.deep.bids, self.book.bids), (self.deep.asks, self.book.asks)):
            for price, qty in deep.levels(self.depth):
                view.set(price, qty)

    @property
    def checksum(self) -> int:
        return kraken_checksum(self.book)

    def update(self, bids: list[Level], asks: list[Level]) -> BookViewChange | None:
        """Follow one market step (its level changes per side, already applied to the deep
        book); returns the update to send, or ``None`` when the window did not change."""
        bid_levels = _side_delta(bids, self.deep.bids, self.book.bids, self.depth) if bids else []
        ask_levels = _side_delta(asks, self.deep.asks, self.book.asks, self.depth) if asks else []
        if not bid_levels and not ask_levels:
            return None
        checksum = kraken_checksum(self.book)
        head = (
            f'{self._prefix},"bids":[{self._levels_json(bid_levels)}],'
            f'"asks":[{self._levels_json(ask_levels)}],'
            f'"checksum":{checksum},"timestamp":"'
        )
        return BookViewChange(_framed_head(head.encode()), checksum)

    def _levels_json(self, levels: list[Level]) -> str:
        price, qty = self.numbers.price, self.numbers.qty
        return ",".join([f'{{"price":{price(p)},"qty":{qty(q)}}}' for p, q in levels])

    def snapshot(self, time: WireTime) -> bytes:
        """The snapshot frame payload of the current window."""
        return ENCODER.encode(self.snapshot_message(time))

    def snapshot_message(self, time: WireTime) -> wire.BookMessage:
        item = wire.BookWire(
            symbol=self.symbol,
            bids=self._wire_levels(self.book.bids),
            asks=self._wire_levels(self.book.asks),
            checksum=kraken_checksum(self.book),
            timestamp=time,
        )
        return wire.BookMessage(type="snapshot", data=[item])

    def _wire_levels(self, side: BookSide) -> list[wire.BookLevelWire]:
        price, qty = self.numbers.price_number, self.numbers.qty_number
        return [wire.BookLevelWire(price(p), qty(q)) for p, q in side.levels()]


def book_update_message(
    symbol: str,
    bids: list[Level],
    asks: list[Level],
    checksum: int,
    time: WireTime,
    numbers: PairNumbers,
) -> wire.BookMessage:
    """The wire-Struct form of an update (the reference for the template in :class:`BookView`)."""

    def levels(side: list[Level]) -> list[wire.BookLevelWire]:
        return [wire.BookLevelWire(numbers.price_number(p), numbers.qty_number(q)) for p, q in side]

    item = wire.BookWire(symbol, levels(bids), levels(asks), checksum, time)
    return wire.BookMessage(type="update", data=[item])


def _side_delta(changes: list[Level], deep: DeepSide, view: BookSide, depth: int) -> list[Level]:
    """What a depth-``depth`` client of ``deep`` must receive on one side, applied to ``view``.

    Works on sort keys (``price × sign``, best first) and looks only at the changed levels
    and at the levels that slide into the window: O(changes + log n) per step.
    """
    sign, keys, deep_qty = deep.sign, deep.keys, deep.qty
    view_qty = view.quantity
    size = min(depth, len(keys))
    new_worst = keys[size - 1] if size else None
    touched = dict.fromkeys([price * sign for price, _ in changes])
    deletes: list[int] = []
    sets: list[int] = []
    for key in touched:
        qty = deep_qty.get(key)
        if qty is None:
            if view_qty(key * sign) is not None:
                deletes.append(key)
        elif new_worst is not None and key <= new_worst and view_qty(key * sign) != qty:
            sets.append(key)
    old_worst = view.keys[-1] if view.keys else None
    if new_worst is not None and (old_worst is None or old_worst < new_worst):
        start = 0 if old_worst is None else bisect_right(keys, old_worst)
        sets.extend([key for key in keys[start:size] if key not in touched])
    out = [(key * sign, 0) for key in deletes]
    out.extend([(key * sign, deep_qty[key]) for key in sets])
    for price, qty in out:
        view.set(price, qty)
    view.truncate(depth)
    return out
