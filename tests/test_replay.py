"""The replayer's reading of recordings: line kinds, fixtures, v1 details, REST precisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spotstream.errors import DecodeError
from spotstream.replay import Record, Replayer, read_recording, replay_recording

BOOK_SNAPSHOT = (
    b'[336,{"as":[["27918.60000","0.10013466","1685349920.743439"]],'
    b'"bs":[["27918.50000","1.00000000","1685349920.743439"]]},"book-10","XBT/USD"]'
)


def test_cryptofeed_lines_are_told_apart() -> None:
    data = b"\n".join(
        [
            b'configuration: {"l2_book":["BTC-USD"]}',
            b"wss://ws.kraken.com <-> 1618678132.3858151",
            b'wss://ws.kraken.com <- 1618678132.8253062: {"event":"subscribe"}',
            b'https://api.kraken.com/0/public/AssetPairs -> 1618678132.3: {"error":[]}',
            b'https://api.kraken.com/0/public/Time -> 1618678132.3: {"error":[]}',
            b"",
            b'1618678132.8258188: {"event":"systemStatus","status":"online"}',
            b"1618678133: " + BOOK_SNAPSHOT,
        ]
    )
    kind, records = read_recording(data)
    assert kind == "cryptofeed"
    assert records == [
        Record(4, b'{"error":[]}', rest=True),
        Record(7, b'{"event":"systemStatus","status":"online"}'),
        Record(8, BOOK_SNAPSHOT),
    ]


def test_plain_frames_keep_their_line_numbers() -> None:
    kind, records = read_recording(b'{"channel":"heartbeat"}\n\n' + BOOK_SNAPSHOT + b"\n")
    assert kind == "frames"
    assert [r.position for r in records] == [1, 3]


def test_a_fixture_with_one_init_message_or_several() -> None:
    one = json.dumps({"init": json.loads(BOOK_SNAPSHOT), "updates": [{"event": "heartbeat"}]})
    kind, records = read_recording(one.encode())
    assert kind == "python-kraken-sdk"
    assert [json.loads(r.frame) for r in records] == [
        json.loads(BOOK_SNAPSHOT),
        {"event": "heartbeat"},
    ]
    several = json.dumps(
        {"init": [{"event": "systemStatus"}, json.loads(BOOK_SNAPSHOT)], "updates": []}
    )
    assert [r.position for r in read_recording(several.encode())[1]] == [1, 2]


def test_a_frame_mentioning_init_is_still_a_frame() -> None:
    frame = b'{"event":"subscriptionStatus","init":true}'
    assert read_recording(frame) == ("frames", [Record(1, frame)])


def test_a_fixture_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(DecodeError, match="updates"):
        read_recording(b'{"init": {}, "updates": {}}')


def _summary(*frames: bytes) -> dict[str, object]:
    return replay_recording(b"\n".join(frames)).as_dict()


def test_an_update_with_only_a_checksum_is_verified(captures: Path) -> None:
    doc = json.loads((captures / "python-kraken-sdk/orderbook.json").read_text())
    first_update = doc["updates"][0]
    frames = [json.dumps(m).encode() for m in (doc["init"], first_update)]
    checksum_only = [336, {"c": first_update[1]["c"]}, "book-10", "XBT/USD"]  # nothing changed
    summary = _summary(*frames, json.dumps(checksum_only).encode())
    assert (summary["checksums_verified"], summary["checksum_mismatches"]) == (2, 0)


def test_v1_messages_without_a_checksum_are_understood_and_bad_books_are_not() -> None:
    summary = _summary(
        b'{"event":"heartbeat"}',
        b'{"connectionID":1,"event":"systemStatus","status":"online","version":"1.9.1"}',
        b'[42,["5541.20000","0.15850568","1534614057.321597","s","l",""],"trade","XBT/USD"]',
        b'[17,{"a":[["1.0","1.0","1"]],"c":"7"},"book-10","ETH/USD"]',  # before its snapshot
        b'[17,{"a":[[1.0,"1.0","1"]],"c":"7"},"book-10","ETH/USD"]',  # a float
        b"[1,2",
    )
    assert summary["unhandled_kinds"] == {
        "book-update-before-snapshot": 1,
        "v1-bad-book": 1,
        "undecodable": 1,
    }
    assert summary["book_messages"] == 1


def test_the_asset_pairs_answer_of_a_capture_gives_precisions(captures: Path) -> None:
    replayer = Replayer()
    summary = replay_recording((captures / "cryptofeed/KRAKEN.0").read_bytes(), replayer)
    assert (summary.format, summary.frames, summary.unhandled) == ("cryptofeed", 0, 0)
    assert len(replayer.instruments) == 293
    btc = replayer.instruments.pair("BTC/USD")
    assert (btc.price_precision, btc.qty_precision) == (1, 8)


def test_a_refused_asset_pairs_answer_is_unhandled() -> None:
    line = (
        b'https://api.kraken.com/0/public/AssetPairs -> 1.0: {"error":["EGeneral:Internal error"]}'
    )
    summary = replay_recording(line)
    assert summary.unhandled_kinds == {"asset-pairs": 1}
