"""Every venue's L2 book decoder behind one face, for the book fuzz tests.

A :class:`BookVenue` builds a protocol with one subscribed (acknowledged) book, writes that
venue's book messages (a snapshot or an update, with the checksum its server would send),
and reads a frame back the way the spec says, strictly and independently of spotstream's
decoders (:meth:`BookVenue.read`), so that what a decoder accepted can be fed to the
reference book (:class:`~helpers.reference_book.TextReferenceBook`).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from helpers import kraken_v2
from helpers.captures import dumps_exact
from helpers.reference_book import TextLevel, TextReferenceBook
from spotstream.book.verified import VerifiedBook
from spotstream.protocol.coinex.v1.public import CoinExV1Protocol
from spotstream.protocol.coinex.v2.public import CoinExV2Protocol
from spotstream.protocol.kraken.v1.public import KrakenV1Protocol
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol


class Unreadable(Exception):
    """The frame is not a book message of the subscribed symbol, by the spec."""


@dataclass(frozen=True)
class Parsed:
    """One book message as the spec reads it: the levels' text as sent."""

    snapshot: bool
    bids: list[TextLevel]
    asks: list[TextLevel]


@dataclass(frozen=True)
class BookVenue:
    name: str
    symbol: str  # the book's key
    depth: int  # levels the local book keeps
    price_precision: int  # of the generated levels
    qty_precision: int
    new: Callable[[], Any]  # a protocol with the book subscribed and acknowledged
    message: Callable[[bool, list[TextLevel], list[TextLevel], int], Any]  # a JSON value
    encode: Callable[[Any], bytes]
    parse: Callable[[Any], list[Parsed]]  # a decoded JSON value -> its parts, or Unreadable
    checksum: Callable[[TextReferenceBook], int]
    set_checksum: Callable[[Any, int], None]
    text_checksum: bool  # the checksum reads the text as received (compare it too)

    def read(self, frame: bytes) -> list[Parsed]:
        """The frame's book messages for the subscribed symbol, in order (a Kraken v2
        message may carry several)."""
        try:
            if frame[:2] == b"\x1f\x8b":
                frame = gzip.decompress(frame)
            value = json.loads(frame, parse_float=Decimal, parse_constant=_no_constant)
        except (ValueError, OSError, EOFError, RecursionError) as exc:
            raise Unreadable(str(exc)) from None
        try:
            return self.parse(value)
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise Unreadable(repr(exc)) from None

    def book(self, protocol: Any) -> VerifiedBook:
        book: VerifiedBook = protocol.books[self.symbol]
        return book


def _no_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def number(value: object) -> str:
    """The text of an exact number, a JSON number or a string holding one: the books read
    both, whichever a venue documents (as the same text), and so does the reference."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise Unreadable(f"not a number: {value!r}")
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    try:
        exact = Decimal(text)
    except InvalidOperation:
        raise Unreadable(f"not a number: {value!r}") from None
    if not exact.is_finite():
        raise Unreadable(f"not finite: {value!r}")
    return text


def _levels(value: object, read: Callable[[Any], TextLevel]) -> list[TextLevel]:
    if not isinstance(value, list):
        raise Unreadable(f"levels are not a list: {value!r}")
    return [read(level) for level in value]


def _fixed(value: int, precision: int) -> str:
    return f"{Decimal(value).scaleb(-precision):.{precision}f}"


# --- Kraken v2 ------------------------------------------------------------------------------


def _kraken_v2() -> KrakenV2Protocol:
    protocol = KrakenV2Protocol()
    protocol.receive(kraken_v2.instrument_snapshot())
    out = protocol.subscribe("book", ["BTC/USD"], depth=10)
    protocol.receive(kraken_v2.ack(out.req_id, "book", "BTC/USD"))
    return protocol


def _kraken_v2_message(
    snapshot: bool, bids: list[TextLevel], asks: list[TextLevel], cs: int
) -> Any:
    item = {
        "symbol": "BTC/USD",
        "bids": [{"price": _json_number(p), "qty": _json_number(q)} for p, q in bids],
        "asks": [{"price": _json_number(p), "qty": _json_number(q)} for p, q in asks],
        "checksum": cs,
        "timestamp": kraken_v2.TIME,
    }
    return {"channel": "book", "type": "snapshot" if snapshot else "update", "data": [item]}


_JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def _json_number(text: str) -> msgspec.Raw | str:
    """``text`` as that very JSON number when it is one (``0.00000005``, not ``5E-8``), else
    as the string it is."""
    return msgspec.Raw(text.encode()) if _JSON_NUMBER.fullmatch(text) else text


def _kraken_v2_level(level: Any) -> TextLevel:
    if not isinstance(level, dict):
        raise Unreadable(f"not a level: {level!r}")
    return number(level["price"]), number(level["qty"])


def _kraken_v2_parse(value: Any) -> list[Parsed]:
    if value["channel"] != "book" or value["type"] not in ("snapshot", "update"):
        raise Unreadable("not a book message")
    parts = []
    for item in value["data"]:
        if not isinstance(item["symbol"], str) or type(item["checksum"]) is not int:
            raise Unreadable("no symbol, or no checksum")
        bids = _levels(item["bids"], _kraken_v2_level)
        asks = _levels(item["asks"], _kraken_v2_level)
        if item["symbol"] == "BTC/USD":
            parts.append(Parsed(value["type"] == "snapshot", bids, asks))
    return parts


def _kraken_v2_set_checksum(message: Any, cs: int) -> None:
    message["data"][0]["checksum"] = cs


# --- Kraken v1 ------------------------------------------------------------------------------

V1_STAMP = "1700000000.123456"


def _kraken_v1() -> KrakenV1Protocol:
    protocol = KrakenV1Protocol()
    out = protocol.subscribe("book", ["XBT/USD"], depth=10)
    ack = {"event": "subscriptionStatus", "reqid": out.req_id, "status": "subscribed",
           "pair": "XBT/USD", "channelName": "book-10", "channelID": 336}  # fmt: skip
    protocol.receive(json.dumps(ack))
    return protocol


def _kraken_v1_message(
    snapshot: bool, bids: list[TextLevel], asks: list[TextLevel], cs: int
) -> Any:
    if snapshot:
        payload: dict[str, Any] = {
            "as": [[p, q, V1_STAMP] for p, q in asks],
            "bs": [[p, q, V1_STAMP] for p, q in bids],
        }
        return [336, payload, "book-10", "XBT/USD"]
    a = {"a": [[p, q, V1_STAMP] for p, q in asks]}
    b = {"b": [[p, q, V1_STAMP, "r"] for p, q in bids]}
    if bids and asks:  # the two-object form Kraken uses when both sides change
        return [336, a, {**b, "c": str(cs)}, "book-10", "XBT/USD"]
    return [336, {**(a if asks else b), "c": str(cs)}, "book-10", "XBT/USD"]


def _kraken_v1_level(level: Any) -> TextLevel:
    # more than 4 items: the decoder reads the first 3 or 4 (msgspec's array-like structs
    # ignore trailing items), and so does the reference
    if not isinstance(level, list) or len(level) < 3:
        raise Unreadable(f"not a level: {level!r}")
    return number(level[0]), number(level[1])


def _kraken_v1_parse(value: Any) -> list[Parsed]:
    if not isinstance(value, list) or value[-2:] != ["book-10", "XBT/USD"]:
        raise Unreadable("not this book")
    payloads = value[1:-2]
    if not payloads or not all(isinstance(p, dict) for p in payloads):
        raise Unreadable("no payload objects")
    snapshot = "as" in payloads[0] or "bs" in payloads[0]
    if snapshot and len(payloads) != 1:
        raise Unreadable("a snapshot in several objects")
    sides: dict[str, list[TextLevel]] = {"a": [], "b": []}
    checksum = None
    for payload in payloads:
        for key, levels in payload.items():
            if key == "c" and not snapshot:
                if not isinstance(levels, str) or not levels.isdigit():
                    raise Unreadable(f"bad checksum {levels!r}")
                checksum = levels
            elif key in (("as", "bs") if snapshot else ("a", "b")):
                if levels is not None:  # null reads as a missing side: no levels
                    sides[key[0]] += _levels(levels, _kraken_v1_level)
            else:
                raise Unreadable(f"unexpected key {key!r}")
    if not snapshot and checksum is None:
        raise Unreadable("an update without a checksum")
    return [Parsed(snapshot, sides["b"], sides["a"])]


def _kraken_v1_set_checksum(message: Any, cs: int) -> None:
    for payload in message[1:-2]:
        if isinstance(payload, dict) and "c" in payload:
            payload["c"] = str(cs)


# --- CoinEx v2 and v1 -----------------------------------------------------------------------


def _coinex_v2() -> CoinExV2Protocol:
    protocol = CoinExV2Protocol()
    out = protocol.subscribe_stream("book", ["BTCUSDT"], {"depth": 10})
    protocol.receive(json.dumps({"id": out.req_id, "code": 0, "message": "OK"}))
    return protocol


def _coinex_depth(bids: list[TextLevel], asks: list[TextLevel], cs: int) -> dict[str, Any]:
    return {"asks": [list(a) for a in asks], "bids": [list(b) for b in bids],
            "last": "30746.28", "updated_at": 1689152421692, "checksum": cs}  # fmt: skip


def _coinex_v2_message(
    snapshot: bool, bids: list[TextLevel], asks: list[TextLevel], cs: int
) -> Any:
    data = {"market": "BTCUSDT", "is_full": snapshot, "depth": _coinex_depth(bids, asks, cs)}
    return {"method": "depth.update", "data": data, "id": None}


def _coinex_level(level: Any) -> TextLevel:
    if not isinstance(level, list) or len(level) < 2:  # trailing items ignored (as above)
        raise Unreadable(f"not a level: {level!r}")
    return number(level[0]), number(level[1])


def _coinex_depth_parse(full: object, depth: Any) -> list[Parsed]:
    if not isinstance(full, bool) or not isinstance(depth, dict):
        raise Unreadable("not a depth push")
    checksum = depth["checksum"]
    if isinstance(checksum, bool) or not isinstance(checksum, int | str):
        raise Unreadable(f"bad checksum {checksum!r}")
    bids, asks = _levels(depth["bids"], _coinex_level), _levels(depth["asks"], _coinex_level)
    return [Parsed(full, bids, asks)]


def _coinex_v2_parse(value: Any) -> list[Parsed]:
    data = value["data"]
    if value["method"] != "depth.update" or data["market"] != "BTCUSDT":
        raise Unreadable("not this book")
    return _coinex_depth_parse(data["is_full"], data["depth"])


def _coinex_v2_encode(message: Any) -> bytes:
    return gzip.compress(dumps_exact(message), mtime=0)


def _coinex_v2_set_checksum(message: Any, cs: int) -> None:
    message["data"]["depth"]["checksum"] = cs


def _coinex_v1() -> CoinExV1Protocol:
    protocol = CoinExV1Protocol()
    out = protocol.subscribe_stream("book", ["BTC/USDT"], {"depth": 10, "diff": True})
    answer = {"error": None, "result": {"status": "success"}, "id": out.req_id}
    protocol.receive(json.dumps(answer))
    return protocol


def _coinex_v1_message(
    snapshot: bool, bids: list[TextLevel], asks: list[TextLevel], cs: int
) -> Any:
    params = [snapshot, _coinex_depth(bids, asks, cs), "BTCUSDT"]
    return {"method": "depth.update", "params": params, "id": None}


def _coinex_v1_parse(value: Any) -> list[Parsed]:
    params = value["params"]
    if value["method"] != "depth.update" or not isinstance(params, list) or len(params) != 3:
        raise Unreadable("not a depth push")
    if params[2] != "BTCUSDT":
        raise Unreadable("not this book")
    return _coinex_depth_parse(params[0], params[1])


def _coinex_v1_set_checksum(message: Any, cs: int) -> None:
    message["params"][1]["checksum"] = cs


def _coinex_checksum(book: TextReferenceBook) -> int:
    return book.coinex_checksum()


VENUES = [
    BookVenue("kraken-v2", "BTC/USD", 10, 1, 8, _kraken_v2, _kraken_v2_message, dumps_exact,
              _kraken_v2_parse, lambda b: b.kraken_checksum(1, 8), _kraken_v2_set_checksum,
              text_checksum=False),
    BookVenue("kraken-v1", "BTC/USD", 10, 5, 8, _kraken_v1, _kraken_v1_message, dumps_exact,
              _kraken_v1_parse, lambda b: b.kraken_checksum(5, 8), _kraken_v1_set_checksum,
              text_checksum=False),
    BookVenue("coinex-v2", "BTCUSDT", 50, 2, 8, _coinex_v2, _coinex_v2_message, _coinex_v2_encode,
              _coinex_v2_parse, _coinex_checksum, _coinex_v2_set_checksum, text_checksum=True),
    BookVenue("coinex-v1", "BTCUSDT", 50, 2, 8, _coinex_v1, _coinex_v1_message, dumps_exact,
              _coinex_v1_parse, _coinex_checksum, _coinex_v1_set_checksum, text_checksum=True),
]  # fmt: skip


def level_text(tick: int, qty_units: int, venue: BookVenue) -> TextLevel:
    """A level of the venue's fixed-width text: price ``tick`` and quantity in units."""
    return _fixed(tick, venue.price_precision), _fixed(qty_units, venue.qty_precision)
