"""Kraken v2 book checksums: the 510 real ones of python-kraken-sdk's BTC/USD fixture, through
the whole protocol, and the spec's worked MATIC/USD example through ``kraken_checksum``."""

from __future__ import annotations

import json
import zlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from helpers.captures import dumps_exact, load_decimal_json
from helpers.reference_book import book_checksum
from spotstream.book import VerifiedBook, to_units
from spotstream.book.verified import ApplyResult
from spotstream.protocol.events import BookData
from spotstream.protocol.kraken.checksum import kraken_checksum
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol


@pytest.fixture(scope="module")
def instrument_frame(captures: Path) -> bytes:
    return (captures / "kraken-data-recorder" / "instrument_snapshot.json").read_bytes()


@pytest.fixture(scope="module")
def book_frames(captures: Path) -> list[bytes]:
    """The fixture's messages, re-encoded with every number in its exact Decimal text (the
    file was re-serialised by Python's json: see the captures README, §2 caveat)."""
    fixture = load_decimal_json(captures / "python-kraken-sdk" / "orderbook-v2.json")
    messages = [fixture["init"], *fixture["updates"]]
    frames = [dumps_exact(message) for message in messages]
    for message, frame in zip(messages, frames, strict=True):
        assert json.loads(frame, parse_float=Decimal) == message  # no number was altered
    return frames


def replay(
    instrument_frame: bytes, frames: list[bytes], **tamper: Any
) -> tuple[KrakenV2Protocol, Counter[ApplyResult]]:
    """Feed the real instrument snapshot, subscribe the book, then every book frame."""
    protocol = KrakenV2Protocol()
    protocol.receive(instrument_frame)
    if tamper:
        pair = protocol.instruments.pair("BTC/USD")
        protocol.instruments.pairs["BTC/USD"] = msgspec.structs.replace(pair, **tamper)
    protocol.subscribe("book", ["BTC/USD"], depth=10)
    results: Counter[ApplyResult] = Counter()
    for frame in frames:
        [event] = protocol.receive(frame)
        assert isinstance(event, BookData), event
        results[event.result] += 1
    return protocol, results


def test_fixture_shape(book_frames: list[bytes]) -> None:
    assert len(book_frames) == 510
    assert all(b'"checksum":' in frame for frame in book_frames)


def test_real_instrument_snapshot_gives_btc_usd_precisions(instrument_frame: bytes) -> None:
    protocol = KrakenV2Protocol()
    protocol.receive(instrument_frame)
    pair = protocol.instruments.pair("BTC/USD")
    assert (pair.price_precision, pair.qty_precision) == (1, 8)


def test_all_510_checksums_reproduced(instrument_frame: bytes, book_frames: list[bytes]) -> None:
    protocol, results = replay(instrument_frame, book_frames)
    assert results == {ApplyResult.VERIFIED: 510}
    counters = protocol.books["BTC/USD"].counters
    assert (counters.snapshots, counters.updates) == (1, 509)
    assert (counters.checksums_verified, counters.checksum_mismatches) == (510, 0)
    assert counters.resyncs == 0
    assert not protocol.unhandled


def test_final_book_matches_the_last_checksum(
    instrument_frame: bytes, book_frames: list[bytes]
) -> None:
    protocol, _ = replay(instrument_frame, book_frames)
    book = protocol.books["BTC/USD"]
    snapshot = book.snapshot()
    assert len(snapshot.bids) == len(snapshot.asks) == 10
    assert snapshot.best_bid is not None
    assert snapshot.best_ask is not None
    assert snapshot.best_bid.price < snapshot.best_ask.price
    assert snapshot.checksum == json.loads(book_frames[-1])["data"][0]["checksum"]
    assert book.computed_checksum() == snapshot.checksum


@pytest.mark.parametrize("tamper", [{"qty_precision": 9}, {"price_precision": 2}])
def test_wrong_precision_fails_the_checksums(
    instrument_frame: bytes, book_frames: list[bytes], tamper: dict[str, int]
) -> None:
    """Negative control: the same data rendered at another precision does not verify; the
    first mismatch stops the book trusting updates until a new snapshot."""
    protocol, results = replay(instrument_frame, book_frames, **tamper)
    assert results == {ApplyResult.MISMATCH: 1, ApplyResult.IGNORED: 509}
    assert protocol.books["BTC/USD"].counters.checksum_mismatches == 1


def test_spec_reference_checksum_agrees_message_by_message(book_frames: list[bytes]) -> None:
    """The spec's reference function over our book's levels gives every real checksum at the
    right precisions, and none at the wrong qty precision (negative control without the
    resync rule: each message is judged on a book that is otherwise right)."""
    book = VerifiedBook("BTC/USD", 10, 1, 8, kraken_checksum)
    right = wrong = 0
    for index, frame in enumerate(book_frames):
        item = json.loads(frame, parse_float=Decimal)["data"][0]
        apply = book.apply_update if index else book.apply_snapshot
        bids = [_Level(Decimal(lv["price"]), Decimal(lv["qty"])) for lv in item["bids"]]
        asks = [_Level(Decimal(lv["price"]), Decimal(lv["qty"])) for lv in item["asks"]]
        assert apply(bids, asks, item["checksum"]) is ApplyResult.VERIFIED, index
        view = book.snapshot()
        bid_levels = [(lv.price, lv.qty) for lv in view.bids]
        ask_levels = [(lv.price, lv.qty) for lv in view.asks]
        right += book_checksum(bid_levels, ask_levels, 1, 8) == item["checksum"]
        wrong += book_checksum(bid_levels, ask_levels, 1, 9) == item["checksum"]
    assert (right, wrong) == (510, 0)


@dataclass(frozen=True)
class _Level:
    price: Decimal
    qty: Decimal


# --- the spec's worked example (§6.4) ----------------------------------------------------------

MATIC_SNAPSHOT_BIDS = [
    ("0.5666", "4831.75496356"),
    ("0.5665", "6658.22734739"),
    ("0.5664", "18724.91513344"),
    ("0.5663", "11563.92544914"),
    ("0.5662", "14006.65365711"),
    ("0.5661", "17454.85679807"),
    ("0.566", "18097.1547"),
    ("0.5659", "33644.89175666"),
    ("0.5658", "148.3464"),
    ("0.5657", "606.70854372"),
]
MATIC_SNAPSHOT_ASKS = [
    ("0.5668", "4410.79769741"),
    ("0.5669", "4655.40412487"),
    ("0.567", "49844.89424998"),
    ("0.5671", "24306.41678"),
    ("0.5672", "29783.25223475"),
    ("0.5673", "57234.71239278"),
    ("0.5674", "45065.04744"),
    ("0.5675", "5912.76380354"),
    ("0.5676", "42514.92434778"),
    ("0.5677", "36304.0847022"),
]
SPEC_ASKS_TEXT = (
    "5668441079769741566946554041248756704984489424998567124306416780005672297832522347556735"
    "7234712392785674450650474400056755912763803545676425149243477856773630408470220"
)
SPEC_BIDS_TEXT = (
    "5666483175496356566566582273473956641872491513344566311563925449145662140066536571156611"
    "7454856798075660180971547000056593364489175666565814834640000565760670854372"
)


def matic_levels(pairs: list[tuple[str, str]]) -> list[_Level]:
    return [_Level(Decimal(p), Decimal(q)) for p, q in pairs]


def test_spec_strings_hash_to_the_spec_checksum() -> None:
    assert zlib.crc32((SPEC_ASKS_TEXT + SPEC_BIDS_TEXT).encode()) == 2439117997


def test_spec_worked_example_snapshot_then_update() -> None:
    book = VerifiedBook("MATIC/USD", 10, 4, 8, kraken_checksum)
    result = book.apply_snapshot(
        matic_levels(MATIC_SNAPSHOT_BIDS), matic_levels(MATIC_SNAPSHOT_ASKS), 2439117997
    )
    assert result is ApplyResult.VERIFIED
    assert book.book.asks.top_text().decode() == SPEC_ASKS_TEXT
    assert book.book.bids.top_text().decode() == SPEC_BIDS_TEXT
    assert kraken_checksum(book.book) == 2439117997
    update = matic_levels([("0.5657", "1098.3947558")])
    assert book.apply_update(update, [], 2114181697) is ApplyResult.VERIFIED
    assert kraken_checksum(book.book) == 2114181697


def test_spec_worked_example_hashing_the_json_text_is_wrong() -> None:
    """The formatting gotcha: the numbers as printed (trailing zeros trimmed) give 3830085102."""

    def as_printed(pairs: list[tuple[str, str]]) -> str:
        return "".join((p + q).replace(".", "").lstrip("0") for p, q in pairs)

    text = as_printed(MATIC_SNAPSHOT_ASKS) + as_printed(MATIC_SNAPSHOT_BIDS)
    assert zlib.crc32(text.encode()) == 3830085102


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        ("45285.2", 1, "452852"),
        ("0.001", 8, "100000"),
        ("0.000123", 7, "1230"),
        ("0.000123", 6, "123"),
        ("0.566", 4, "5660"),
        ("18097.1547", 8, "1809715470000"),
        ("4.0", 8, "400000000"),
        ("1E-8", 8, "1"),
    ],
)
def test_units_render_the_checksum_text(value: str, decimals: int, text: str) -> None:
    """The checksum's per-number text is ``str(units)`` (spec §6.4, nautilus_trader's cases)."""
    assert str(to_units(Decimal(value), decimals)) == text
