"""Every Kraken v1 book checksum in the captures, reproduced by our books.

Real WebSocket v1 traffic (tests/data: cryptofeed's depth-1000 recordings over 20 pairs,
both update layouts and republished levels; python-kraken-sdk's depth-10 XBT/USD
fixtures) read by :func:`read_book_message` and applied to :class:`VerifiedBook` with
Kraken's checksum, precisions taken from the fixed-width numbers of each snapshot.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from spotstream.book.tracked import ApplyResult
from spotstream.book.verified import VerifiedBook
from spotstream.errors import DecodeError
from spotstream.protocol.kraken.checksum import kraken_checksum
from spotstream.protocol.kraken.v1.book import (
    BookMessage,
    decimals,
    is_book_message,
    read_book_message,
)

CRYPTOFEED = {"KRAKEN.ws.50.0": 4_269, "KRAKEN-c197c0.0": 14_496}
KRAKEN_SDK = {"orderbook-v1.json": 979, "orderbook.json": 110}


def _cryptofeed_arrays(path: Path) -> list[Any]:
    """Received frames of a cryptofeed recording (``<ts>: <json>``), in order."""
    arrays = []
    for line in path.read_text().splitlines():
        if not line or line.startswith(("wss://", "configuration:")):
            continue  # connection lines and frames the client sent
        arrays.append(json.loads(line.split(": ", 1)[1]))
    return arrays


def _kraken_sdk_arrays(path: Path) -> list[Any]:
    fixture = json.loads(path.read_text())
    init = fixture["init"]
    return [*(init if isinstance(init[0], dict | list) else [init]), *fixture["updates"]]


def replay(arrays: list[Any]) -> Counter[ApplyResult]:
    books: dict[str, VerifiedBook] = {}
    results: Counter[ApplyResult] = Counter()
    for array in arrays:
        if not is_book_message(array):
            continue
        message = read_book_message(array)
        if message.snapshot:
            books[message.pair] = _new_book(message)
            result = books[message.pair].apply_snapshot(message.bids, message.asks, None)
        else:
            result = books[message.pair].apply_update(message.bids, message.asks, message.checksum)
        results[result] += 1
    return results


def _new_book(snapshot: BookMessage) -> VerifiedBook:
    price, qty = decimals([*snapshot.asks, *snapshot.bids])
    return VerifiedBook(snapshot.pair, snapshot.depth, price, qty, kraken_checksum)


@pytest.mark.parametrize(("name", "checksums"), CRYPTOFEED.items())
def test_cryptofeed_depth_1000_recordings(captures: Path, name: str, checksums: int) -> None:
    results = replay(_cryptofeed_arrays(captures / "cryptofeed" / name))
    assert results[ApplyResult.VERIFIED] == checksums
    assert results[ApplyResult.MISMATCH] == results[ApplyResult.INVALID] == 0
    assert results[ApplyResult.UNVERIFIED] == 10  # one snapshot per pair


@pytest.mark.parametrize(("name", "checksums"), KRAKEN_SDK.items())
def test_python_kraken_sdk_fixtures(captures: Path, name: str, checksums: int) -> None:
    results = replay(_kraken_sdk_arrays(captures / "python-kraken-sdk" / name))
    assert results[ApplyResult.VERIFIED] == checksums
    assert results[ApplyResult.MISMATCH] == results[ApplyResult.INVALID] == 0


def test_a_tampered_checksum_is_caught(captures: Path) -> None:
    arrays = _kraken_sdk_arrays(captures / "python-kraken-sdk" / "orderbook.json")
    update = next(i for i, a in enumerate(arrays) if is_book_message(a) and "c" in a[1])
    arrays[update][1]["c"] = str((int(arrays[update][1]["c"]) + 1) % (1 << 32))
    results = replay(arrays)
    assert results[ApplyResult.MISMATCH] == 1


def test_both_update_layouts_and_republished_levels_are_read(captures: Path) -> None:
    arrays = _cryptofeed_arrays(captures / "cryptofeed" / "KRAKEN-c197c0.0")
    books = [a for a in arrays if is_book_message(a)]
    two_objects = [read_book_message(a) for a in books if len(a) == 5]
    assert two_objects
    assert all(m.asks and m.bids and m.checksum is not None for m in two_objects)
    republished = [
        level
        for a in books
        for m in [read_book_message(a)]
        for level in (*m.asks, *m.bids)
        if level.republished
    ]
    assert republished


@pytest.mark.parametrize(
    "array",
    [
        [1, {"a": [["1.0", "1.0", "1.0"]]}, "book-10", "XBT/USD"],  # update without "c"
        [1, {"a": [["1.0", "1.0"]]}, "book-10", "XBT/USD"],  # short level
        [1, {"a": [["1.0", "1.0", "1", "x"]], "c": "1"}, "book-10", "XBT/USD"],  # bad flag
        [1, {"a": [[1.0, "1.0", "1"]], "c": "1"}, "book-10", "XBT/USD"],  # a float
        [1, {"a": [["one", "1.0", "1"]], "c": "1"}, "book-10", "XBT/USD"],
        [1, {"a": [], "c": "-1"}, "book-10", "XBT/USD"],
        [1, {"a": [], "c": "4294967296"}, "book-10", "XBT/USD"],
        [1, {"x": []}, "book-10", "XBT/USD"],
        [1, ["a"], "book-10", "XBT/USD"],
        [1, {"as": []}, "book-x", "XBT/USD"],
        [1, {"as": []}, "ticker", "XBT/USD"],
    ],
)
def test_what_is_not_a_book_message_is_a_decode_error(array: list[Any]) -> None:
    with pytest.raises(DecodeError):
        read_book_message(array)
