"""Kraken WebSocket v1 (1.9.1) book messages, sans-I/O: the array layouts read into one shape.

A v1 book message is a JSON array, ``[channelID, payload..., "book-<depth>", pair]``, with
every number a quoted string of fixed width (the pair's decimals):

- a snapshot: one payload ``{"as": [...], "bs": [...]}`` (no checksum);
- an update: ``{"a": [...]}``, ``{"b": [...]}``, both in one object, or both as two objects
  (an array of five); the checksum ``"c"`` is in the last of them;
- each level ``[price, volume, timestamp]``, or ``[..., "r"]`` for a republished level, which
  is applied like any other (volume ``0`` deletes).

:func:`read_book_message` turns one decoded array into a :class:`BookMessage` with exact
``Decimal`` levels in the order sent, or raises :class:`~spotstream.errors.DecodeError`.
Kraken's v1 checksum (price and volume as sent, the dot removed, leading zeros stripped)
is the unit-digit text of :mod:`spotstream.protocol.kraken.checksum` once the book's
precisions are the wire's decimals, so the same checksum serves both versions.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from spotstream.book.tracked import ApplyResult
from spotstream.book.units import check_precision, most_decimals
from spotstream.book.verified import VerifiedBook
from spotstream.errors import DecodeError
from spotstream.models.enums import EventKind
from spotstream.protocol.kraken.v1 import wire

BOOK_PREFIX = "book-"
_SIDES = {"as": "asks", "bs": "bids", "a": "asks", "b": "bids"}


class WireLevel(msgspec.Struct, frozen=True):
    """One level as sent, exact: ``price`` and ``qty`` keep the wire's decimals."""

    price: Decimal
    qty: Decimal
    republished: bool = False


class BookMessage(msgspec.Struct, frozen=True):
    """One v1 book message: a snapshot, or an update (with its checksum)."""

    pair: str
    depth: int
    snapshot: bool
    asks: list[WireLevel]
    bids: list[WireLevel]
    checksum: int | None


def is_book_message(message: object) -> bool:
    """A data array whose channel name is ``book-<depth>`` (cheap; no payload check)."""
    return (
        isinstance(message, list)
        and len(message) >= 4
        and isinstance(message[-2], str)
        and message[-2].startswith(BOOK_PREFIX)
    )


def read_book_message(message: Sequence[Any]) -> BookMessage:
    """The book message in ``message`` (a decoded v1 array); :class:`DecodeError` if it is
    not one."""
    if not is_book_message(message) or not isinstance(message[-1], str):
        raise DecodeError(f"not a v1 book message: {str(message)[:120]}")
    depth = _depth(message[-2])
    payloads = message[1:-2]
    if not payloads or not all(isinstance(p, dict) for p in payloads):
        raise DecodeError(f"{message[-1]}: book payload is not an object")
    sides: dict[str, list[WireLevel]] = {"asks": [], "bids": []}
    snapshot = "as" in payloads[0] or "bs" in payloads[0]
    checksum: int | None = None
    for payload in payloads:
        for key, levels in payload.items():
            if key == "c":
                checksum = _checksum(levels)
            elif key in _SIDES and (key in ("as", "bs")) == snapshot:
                sides[_SIDES[key]].extend(_level(level) for level in _list(levels))
            else:
                raise DecodeError(f"{message[-1]}: unexpected book key {key!r}")
    if not snapshot and checksum is None:
        raise DecodeError(f"{message[-1]}: book update without a checksum")
    return BookMessage(message[-1], depth, snapshot, sides["asks"], sides["bids"], checksum)


def decimals(levels: Sequence[WireLevel]) -> tuple[int, int]:
    """The (price, qty) decimals of fixed-width wire levels: the pair's precisions."""
    price = max((_places(level.price) for level in levels), default=0)
    qty = max((_places(level.qty) for level in levels), default=0)
    return price, qty


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _depth(name: str) -> int:
    text = name.removeprefix(BOOK_PREFIX)
    if not text.isdigit():
        raise DecodeError(f"bad book channel name {name!r}")
    return int(text)


def _checksum(value: object) -> int:
    if not isinstance(value, str) or not value.isdigit() or int(value) >= 1 << 32:
        raise DecodeError(f"bad book checksum {value!r}")
    return int(value)


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise DecodeError(f"book levels are not a list: {str(value)[:80]}")
    return value


def _level(level: object) -> WireLevel:
    if not isinstance(level, list) or len(level) not in (3, 4):
        raise DecodeError(f"bad book level {str(level)[:80]}")
    price, qty = level[0], level[1]
    republished = len(level) == 4
    if republished and level[3] != "r":
        raise DecodeError(f"bad book level flag {level[3]!r}")
    if not isinstance(price, str) or not isinstance(qty, str):
        raise DecodeError(f"book numbers must be strings: {str(level)[:80]}")
    try:
        return WireLevel(Decimal(price), Decimal(qty), republished)
    except InvalidOperation:
        raise DecodeError(f"bad book number in {str(level)[:80]}") from None


def apply_book_payloads(
    book: VerifiedBook, payloads: Sequence[Any]
) -> tuple[EventKind, ApplyResult]:
    """Apply one book message's objects (:class:`~spotstream.protocol.kraken.v1.wire.BookPayload`)
    to ``book``: a snapshot first sets the book's precisions from its fixed-width numbers;
    an update's sides may come in one object or two, its checksum in the last. Raises
    :class:`DecodeError` on a message of no such shape."""
    for payload in payloads:
        if type(payload) is not wire.BookPayload:
            raise DecodeError("a book message without its objects")
    if not payloads:
        raise DecodeError("a book message without its objects")
    first = payloads[0]
    if first.snapshot_asks is not None or first.snapshot_bids is not None:
        if len(payloads) != 1 or first.asks or first.bids or first.checksum:
            raise DecodeError("a book snapshot mixed with an update")
        levels = (*(first.snapshot_asks or ()), *(first.snapshot_bids or ()))
        if levels:  # the wire's fixed widths are the book's precisions
            book.price_precision = most_decimals(level.price for level in levels)
            book.qty_precision = most_decimals(level.qty for level in levels)
            check_precision(book.symbol, "price precision", book.price_precision)
            check_precision(book.symbol, "qty precision", book.qty_precision)
        snapshot = book.apply_snapshot(first.snapshot_bids or (), first.snapshot_asks or (), None)
        return EventKind.SNAPSHOT, snapshot
    asks: list[wire.BookLevelText] = []
    bids: list[wire.BookLevelText] = []
    checksum = None
    for payload in payloads:
        if payload.snapshot_asks is not None or payload.snapshot_bids is not None:
            raise DecodeError("a book update mixed with a snapshot")
        if payload.asks:  # the usual two objects hold one side each: no copy then
            asks = payload.asks if not asks else asks + payload.asks
        if payload.bids:
            bids = payload.bids if not bids else bids + payload.bids
        if payload.checksum is not None:
            checksum = _checksum_text(payload.checksum)
    if checksum is None:
        raise DecodeError("a book update without a checksum")
    return EventKind.UPDATE, book.apply_update(bids, asks, checksum)


def _checksum_text(text: str) -> int:
    if text.isdigit() and len(text) <= 10:
        value = int(text)
        if value < 1 << 32:
            return value
    raise DecodeError(f"bad book checksum {text!r}")
