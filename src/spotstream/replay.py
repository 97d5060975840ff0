"""Replay recorded frames into local books and verify every checksum. Sans-I/O.

A recording is read by content, with no flags (:func:`read_recording`):

- **frames**: frames exactly as the exchange sent them, one per line, Kraken v2 and v1 mixed
  as they come (a v2 instrument snapshot may come first);
- **cryptofeed**'s raw captures: ``configuration: ...`` and ``<url> <-> <ts>`` lines and the
  frames the client sent (``<url> <- <ts>: <json>``) are skipped, ``<ts>: <json>`` lines are
  the frames received, and a REST answer ``<url> -> <ts>: <json>`` of ``AssetPairs`` gives
  the pairs' precisions;
- **python-kraken-sdk**'s fixtures: one JSON object ``{"init": <a message or a list of
  them>, "updates": [...]}``; positions are then message numbers (``init``'s first).

v2 books are created on their first snapshot, at the smallest Kraken depth that holds it (or
``depth`` if given), with precisions from the instrument snapshot or AssetPairs answer (or
the given ones, or the most decimals seen). v1 books need none of that: the depth is the
channel's (``book-N``), the precisions are the decimals of the fixed-width snapshot numbers,
any pair name goes, and the channel ids are ignored. After a mismatch a book is not trusted
again until its next snapshot.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Literal, NamedTuple

import msgspec

from spotstream.book.units import Number, number_text
from spotstream.book.verified import ApplyResult, VerifiedBook
from spotstream.errors import DecodeError, ExchangeError
from spotstream.protocol.instruments import InstrumentCache
from spotstream.protocol.kraken.asset_pairs import METHOD as ASSET_PAIRS
from spotstream.protocol.kraken.asset_pairs import parse_asset_pairs
from spotstream.protocol.kraken.channels import BOOK_DEPTHS
from spotstream.protocol.kraken.checksum import kraken_checksum
from spotstream.protocol.kraken.v1.book import BookMessage, decimals, is_book_message
from spotstream.protocol.kraken.v1.book import read_book_message as read_v1_book
from spotstream.protocol.kraken.v2 import wire
from spotstream.protocol.kraken.v2.translate import asset, instrument

MAX_REPORTED_LINES = 20
Format = Literal["frames", "cryptofeed", "python-kraken-sdk"]


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
    format: Format = "frames"

    def as_dict(self) -> dict[str, object]:
        return msgspec.structs.asdict(self)


# --- recordings -------------------------------------------------------------------------------


class Record(NamedTuple):
    """One item of a recording: a received websocket frame, or (``rest``) the body of a
    REST AssetPairs answer. ``position`` is its line (or message) number."""

    position: int
    frame: bytes
    rest: bool = False


_TIMESTAMP = rb"\d+(?:\.\d+)?"
_RECEIVED = re.compile(rb"^(" + _TIMESTAMP + rb"): (?P<json>.*)$", re.DOTALL)
_URL_LINE = re.compile(rb"^(?P<url>\S+://\S+) (?P<arrow><->|<-|->) " + _TIMESTAMP + rb"(?::|$)")
_CONFIGURATION = b"configuration: "
_EXACT = msgspec.json.Encoder(decimal_format="number")
_FIXTURE = msgspec.json.Decoder(dict[str, Any], float_hook=Decimal)  # numbers kept exact


def read_recording(data: bytes) -> tuple[Format, list[Record]]:
    """The format of a recording and its records, in order.

    Raises :class:`DecodeError` for a python-kraken-sdk fixture of the wrong shape; lines
    that are none of the above are returned as frames (the replayer counts them unhandled).
    """
    stripped = data.lstrip()
    if stripped.startswith(b"{") and b'"init"' in data:
        fixture = _fixture(data)
        if fixture is not None:
            return "python-kraken-sdk", fixture
    records: list[Record] = []
    cryptofeed = False
    for position, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith(_CONFIGURATION):
            cryptofeed = True
        elif (url_line := _URL_LINE.match(line)) is not None:
            cryptofeed = True
            url, arrow = url_line["url"], url_line["arrow"]
            if arrow == b"->" and url.rstrip(b"/").endswith(ASSET_PAIRS.encode()):
                records.append(Record(position, line.split(b": ", 1)[-1], rest=True))
        elif (received := _RECEIVED.match(line)) is not None:
            cryptofeed = True
            records.append(Record(position, received["json"]))
        else:
            records.append(Record(position, line))
    return ("cryptofeed" if cryptofeed else "frames"), records


def _fixture(data: bytes) -> list[Record] | None:
    """The messages of ``{"init": ..., "updates": [...]}`` as exact frames, or None when the
    document is not one object with those keys."""
    try:
        document = _FIXTURE.decode(data)
    except msgspec.DecodeError:
        return None
    if set(document) != {"init", "updates"}:
        return None
    init, updates = document["init"], document["updates"]
    if not isinstance(updates, list):
        raise DecodeError("python-kraken-sdk fixture: updates is not a list")
    several = isinstance(init, list) and bool(init) and isinstance(init[0], dict | list)
    messages = [*(init if several else [init]), *updates]
    return [Record(n, _EXACT.encode(m)) for n, m in enumerate(messages, start=1)]


def replay_recording(data: bytes, replayer: Replayer | None = None) -> ReplaySummary:
    """Replay a whole recording (see :func:`read_recording`); the summary names its format."""
    replayer = replayer or Replayer()
    kind, records = read_recording(data)
    replayer.summary.format = kind
    for record in records:
        if record.rest:
            replayer.feed_asset_pairs(record.frame)
        else:
            replayer.feed(record.position, record.frame)
    return replayer.summary


# --- books ---------------------------------------------------------------------------------------


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
        self.v1_books: dict[str, VerifiedBook] = {}
        self.instruments = InstrumentCache()
        self._depth = depth
        self._precisions = (price_precision, qty_precision)
        self._unhandled: Counter[str] = Counter()

    def feed(self, line_no: int, frame: bytes | str) -> None:
        """One received frame, v1 or v2 (what it is, is read from it)."""
        self.summary.frames += 1
        raw = frame.encode() if isinstance(frame, str) else frame
        if raw.lstrip().startswith(b"["):
            self._v1_array(line_no, raw)
            return
        try:
            msg = wire.FAST_CHANNEL_DECODER.decode(raw)
        except msgspec.MsgspecError as exc:
            if not _is_v1_event(raw):
                self._count_unhandled("undecodable" if "JSON" in str(exc) else "other")
            return
        if isinstance(msg, wire.BookTextMessage):
            for item in msg.data:
                self._book(line_no, msg.type, item)
        elif isinstance(msg, wire.InstrumentMessage):
            pairs = [instrument(p) for p in msg.data.pairs]
            self.instruments.update(pairs, [asset(a) for a in msg.data.assets])

    def feed_asset_pairs(self, body: bytes) -> None:
        """A REST AssetPairs answer: precisions for the v2 books created after it."""
        try:
            self.instruments.update(parse_asset_pairs(body), ())
        except (DecodeError, ExchangeError):
            self._count_unhandled("asset-pairs")

    def _v1_array(self, line_no: int, raw: bytes) -> None:
        try:
            array = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            self._count_unhandled("undecodable")
            return
        if not is_book_message(array):
            return  # a v1 ticker, trade, spread, ohlc or private message: no checksum
        try:
            message = read_v1_book(array)
        except DecodeError:
            self._count_unhandled("v1-bad-book")
            return
        self.summary.book_messages += 1
        book = self.v1_books.get(message.pair)
        if message.snapshot and book is None:
            book = self.v1_books[message.pair] = _new_v1_book(message)
            self.summary.symbols.append(message.pair)
        if book is None:
            self._count_unhandled("book-update-before-snapshot")
            return
        if message.snapshot:
            result = book.apply_snapshot(message.bids, message.asks, None)
        else:
            result = book.apply_update(message.bids, message.asks, message.checksum)
        self._count(line_no, result)

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
        self._count(line_no, result)

    def _count(self, line_no: int, result: ApplyResult) -> None:
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


def _new_v1_book(snapshot: BookMessage) -> VerifiedBook:
    price, qty = decimals([*snapshot.asks, *snapshot.bids])
    return VerifiedBook(snapshot.pair, snapshot.depth, price, qty, kraken_checksum)


def _is_v1_event(raw: bytes) -> bool:
    """A v1 event object (``systemStatus``, ``subscriptionStatus``, ``heartbeat``, ...)."""
    try:
        decoded = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return False
    return isinstance(decoded, dict) and isinstance(decoded.get("event"), str)


def _decimals(values: Iterable[Number]) -> int:
    """Most decimals seen: a guess at the precision when no instrument data is available."""
    return max((len(number_text(v).partition(b".")[2]) for v in values), default=0)
