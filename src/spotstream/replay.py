"""Replay recorded frames into local books and verify every checksum. Sans-I/O.

Input: frames exactly as the exchange sent them, one per line (an instrument snapshot may
come first). Books are created on their first snapshot, at the smallest Kraken depth that
holds it (or ``depth`` if given), with precisions from the instrument snapshot (or the
given ones). After a mismatch a book is not trusted again until its next snapshot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import msgspec

from spotstream.book.units import Number, number_text
from spotstream.book.verified import ApplyResult, VerifiedBook
from spotstream.protocol.instruments import InstrumentCache
from spotstream.protocol.kraken.checksum import kraken_checksum
from spotstream.protocol.kraken.v2 import wire
from spotstream.protocol.kraken.v2.public import BOOK_DEPTHS
from spotstream.protocol.kraken.v2.translate import asset, instrument

MAX_REPORTED_LINES = 20


class ReplaySummary(msgspec.Struct):
    frames: int = 0
    book_messages: int = 0
    checksums_verified: int = 0
    checksum_mismatches: int = 0
    mismatch_lines: list[int] = msgspec.field(default_factory=list)
    untrusted_updates: int = 0  # updates after a mismatch, before the next snapshot
    unhandled: int = 0
    unhandled_kinds: dict[str, int] = msgspec.field(default_factory=dict)
    symbols: list[str] = msgspec.field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return msgspec.structs.asdict(self)


class Replayer:
    def __init__(
        self,
        *,
        depth: int | None = None,
        price_precision: int | None = None,
        qty_precision: int | None = None,
    ) -> None:
        self.summary = ReplaySummary()
        self.books: dict[str, VerifiedBook] = {}
        self.instruments = InstrumentCache()
        self._depth = depth
        self._precisions = (price_precision, qty_precision)
        self._unhandled: Counter[str] = Counter()

    def feed(self, line_no: int, frame: bytes | str) -> None:
        self.summary.frames += 1
        try:
            msg = wire.FAST_CHANNEL_DECODER.decode(frame)
        except msgspec.MsgspecError as exc:
            self._count_unhandled("undecodable" if "JSON" in str(exc) else "other")
            return
        if isinstance(msg, wire.BookTextMessage):
            for item in msg.data:
                self._book(line_no, msg.type, item)
        elif isinstance(msg, wire.InstrumentMessage):
            pairs = [instrument(p) for p in msg.data.pairs]
            self.instruments.update(pairs, [asset(a) for a in msg.data.assets])

    def _book(self, line_no: int, kind: str, item: wire.BookTextWire) -> None:
        self.summary.book_messages += 1
        book = self.books.get(item.symbol)
        if kind == "snapshot" and book is None:
            book = self.books[item.symbol] = self._new_book(item)
            self.summary.symbols.append(item.symbol)
        if book is None:
            self._count_unhandled("book-update-before-snapshot")
            return
        if kind == "snapshot":
            result = book.apply_snapshot(item.bids, item.asks, item.checksum)
        else:
            result = book.apply_update(item.bids, item.asks, item.checksum)
        if result is ApplyResult.VERIFIED:
            self.summary.checksums_verified += 1
        elif result in (ApplyResult.MISMATCH, ApplyResult.INVALID):
            self.summary.checksum_mismatches += 1
            if len(self.summary.mismatch_lines) < MAX_REPORTED_LINES:
                self.summary.mismatch_lines.append(line_no)
        elif result is ApplyResult.IGNORED:
            self.summary.untrusted_updates += 1

    def _new_book(self, item: wire.BookTextWire) -> VerifiedBook:
        levels = max(len(item.bids), len(item.asks))
        depth = self._depth or next((d for d in BOOK_DEPTHS if d >= levels), BOOK_DEPTHS[-1])
        price_precision, qty_precision = self._precisions
        pair = self.instruments.pairs.get(item.symbol)
        if pair is not None:
            price_precision = (
                price_precision if price_precision is not None else pair.price_precision
            )
            qty_precision = qty_precision if qty_precision is not None else pair.qty_precision
        if price_precision is None:
            price_precision = _decimals(lvl.price for lvl in item.bids + item.asks)
        if qty_precision is None:
            qty_precision = _decimals(lvl.qty for lvl in item.bids + item.asks)
        return VerifiedBook(item.symbol, depth, price_precision, qty_precision, kraken_checksum)

    def _count_unhandled(self, kind: str) -> None:
        self.summary.unhandled += 1
        self._unhandled[kind] += 1
        self.summary.unhandled_kinds = dict(self._unhandled)


def _decimals(values: Iterable[Number]) -> int:
    """Most decimals seen: a guess at the precision when no instrument data is available."""
    return max((len(number_text(v).partition(b".")[2]) for v in values), default=0)
