"""CoinEx's depth books, sans-I/O, for every socket API version: one verified book per
market, fed full pushes (replace) and incremental ones (merge; amount ``"0"`` deletes), each
verified against the whole-book checksum over the numbers as received
(:mod:`spotstream.protocol.coinex.checksum`).

CoinEx keeps the client's book equal to its top-``limit`` window with explicit deletions, so a
book is never truncated here. A book's precisions are the most decimals its pushes have shown
(CoinEx sends fixed-decimal text; the checksum reads the text, so a wider precision changes
nothing but what the book can hold). v1's ``depth.update`` and v2's carry the same depth
object (:class:`~spotstream.protocol.coinex.v2.wire.Depth`); only the envelope differs.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import msgspec

from spotstream.book.tracked import ApplyResult
from spotstream.book.units import check_precision, most_decimals
from spotstream.book.verified import VerifiedBook
from spotstream.errors import ChecksumMismatchError, DecodeError, ProtocolError
from spotstream.models.enums import BookStatus, EventKind
from spotstream.models.market import BookLevel, BookSnapshot
from spotstream.protocol.coinex.checksum import (
    COINEX_MAX_LEVELS,
    coinex_checksum,
    levels_checksum,
    wire_checksum,
)
from spotstream.protocol.coinex.v2.translate import millis
from spotstream.protocol.coinex.v2.wire import Depth, DepthLevel
from spotstream.protocol.core import ProtocolCore
from spotstream.protocol.events import BookData, Event, StreamKey
from spotstream.protocol.instruments import InstrumentCache

_SNAPSHOT, _UPDATE = EventKind.SNAPSHOT, EventKind.UPDATE
_INVALID = ApplyResult.INVALID  # a member read from its class costs ~170 ns (3.11)


class CoinExBooks(ProtocolCore):
    """The verified books of one CoinEx public connection."""

    def __init__(self, instruments: InstrumentCache | None = None) -> None:
        super().__init__()
        self.instruments = instruments if instruments is not None else InstrumentCache()
        self.books: dict[str, VerifiedBook] = {}
        self.discarded = 0  # book pushes still in flight for a book that was dropped
        self._dropped_books: set[str] = set()
        self._decimals: dict[str, tuple[int, int]] = {}  # market -> most decimals seen
        self._book_keys: dict[str, StreamKey] = {}

    def drop_book(self, symbol: str) -> None:
        if self.books.pop(symbol, None) is not None:
            self._dropped_books.add(symbol)
            self._book_keys.pop(symbol, None)

    def _ensure_book(self, market: str) -> None:
        if market in self.books:
            return
        pair = self.instruments.pairs.get(market)  # a hint; every full push widens it
        price, qty = (pair.price_precision, pair.qty_precision) if pair else (0, 0)
        seen = self._decimals.get(market, (0, 0))
        price, qty = max(price, seen[0]), max(qty, seen[1])
        self.books[market] = VerifiedBook(market, COINEX_MAX_LEVELS, price, qty, coinex_checksum)
        self._dropped_books.discard(market)

    def _apply_depth(
        self, market: str, full: bool, depth: Depth, stamp_ms: int | None, text: bytes | str
    ) -> list[Event]:
        """One depth push into ``market``'s book: the :class:`BookData` saying how it went
        (and an ``Unhandled`` when it could not be read)."""
        book = self.books.get(market)
        if book is None:
            if market in self._dropped_books:
                self.discarded += 1
                return []
            return [self._unhandled("book:unknown-market", market, text)]
        key = self._book_keys.get(market)
        if key is None:
            key = self._book_keys[market] = ("book", market, None)
        kind = _SNAPSHOT if full else _UPDATE
        try:
            checksum = depth.checksum
            if type(checksum) is not int or not 0 <= checksum <= 0xFFFFFFFF:
                checksum = wire_checksum(checksum)  # a negative int or text (unsigned: as is)
            stamp = None if stamp_ms is None else millis(stamp_ms)
            if full:
                self._widen(book, depth)
                result = book.apply_snapshot(depth.bids, depth.asks, checksum, stamp)
            else:
                result = book.apply_update(depth.bids, depth.asks, checksum, stamp)
                if result is _INVALID:
                    self._note_decimals(market, depth)  # the next full push makes room
        except Exception as exc:  # perhaps half applied: untrusted until a full push
            if isinstance(exc, ProtocolError):  # a number no book can hold included
                event = self._unhandled("depth.update", str(exc), text)
            else:
                event = self._internal("depth.update", exc, text)
            book.mark_resyncing()
            return [event, BookData(key, kind, ApplyResult.INVALID, book, text)]
        return [BookData(key, kind, result, book, text)]

    def _book_unreadable(self, market: str, text: bytes | str) -> list[Event]:
        """A depth push of ``market`` could not be read: its levels are unknown now, so the
        book is untrusted until a full push."""
        book = self.books.get(market)
        if book is None:
            return []
        book.mark_resyncing()
        key: StreamKey = ("book", book.symbol, None)
        return [BookData(key, _UPDATE, ApplyResult.INVALID, book, text)]

    def _widen(self, book: VerifiedBook, depth: Depth) -> None:
        """Before a full push: make the book's precisions hold every number it carries."""
        price, qty = self._note_decimals(book.symbol, depth)
        if price > book.price_precision or qty > book.qty_precision:
            book.price_precision = max(book.price_precision, price)
            book.qty_precision = max(book.qty_precision, qty)

    def _note_decimals(self, market: str, depth: Depth) -> tuple[int, int]:
        """Remember the most decimals ``market``'s pushes have shown, this one's included; a
        push of more than a book can hold is refused (:class:`PrecisionError`) and forgotten:
        remembered, it would make every later full push fail too."""
        levels = (*depth.bids, *depth.asks)
        price = most_decimals(level.price for level in levels)
        qty = most_decimals(level.qty for level in levels)
        check_precision(market, "price precision", price)
        check_precision(market, "qty precision", qty)
        seen = self._decimals.get(market, (0, 0))
        price, qty = max(seen[0], price), max(seen[1], qty)
        self._decimals[market] = (price, qty)
        return price, qty


def depth_snapshot(market: str, depth: Depth, stamp_ms: int | None, what: str) -> BookSnapshot:
    """A queried depth (``what``: v1's ``depth.query``, REST v2's ``/v2/spot/depth``) as a
    :class:`BookSnapshot`, its checksum verified over the levels as received (their text,
    trailing zeros kept): a mismatch is a :class:`ChecksumMismatchError`, never a book."""
    bids, bid_texts = _levels(depth.bids, what)
    asks, ask_texts = _levels(depth.asks, what)
    expected = wire_checksum(depth.checksum)
    computed = levels_checksum(bid_texts, ask_texts)
    if computed != expected:
        raise ChecksumMismatchError(
            f"{what} {market}: checksum {expected} sent, {computed} computed",
            symbol=market,
            expected=expected,
            computed=computed,
        )
    return BookSnapshot(
        symbol=market,
        bids=bids,
        asks=asks,
        checksum=expected,
        status=BookStatus.SYNCED,
        sequence=0,
        timestamp=None if stamp_ms is None else millis(stamp_ms),
    )


def _levels(raw: list[DepthLevel], what: str) -> tuple[tuple[BookLevel, ...], list[bytes]]:
    levels, texts = [], []
    for level in raw:
        price, qty = _text(level.price, what), _text(level.qty, what)
        try:
            levels.append(BookLevel(Decimal(price.decode()), Decimal(qty.decode())))
        except InvalidOperation:
            raise DecodeError(f"{what}: not a number in {price!r}, {qty!r}") from None
        texts.append(price + b":" + qty)
    return tuple(levels), texts


def _text(raw: msgspec.Raw, what: str) -> bytes:
    """A level's number as received: the JSON string's content (CoinEx sends strings)."""
    text = bytes(raw)
    if len(text) < 3 or text[0] != 0x22 or text[-1] != 0x22 or b"\\" in text:
        raise DecodeError(f"{what}: a level number is not a plain string", text)
    return text[1:-1]
