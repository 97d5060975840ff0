"""The Kraken v1 public protocol, sans-I/O: every captured message, requests, acks per pair,
errors typed with Kraken's text, books through receive() on every capture, hostile input."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from spotstream.book.tracked import ApplyResult
from spotstream.errors import (
    InvalidArgumentsError,
    InvalidRequestError,
    SubscriptionError,
    SubscriptionNotFoundError,
    UnknownPairError,
)
from spotstream.models.enums import BookStatus, EventKind, OrderSide, SystemState
from spotstream.models.market import Kline, Spread, Ticker, Trade
from spotstream.protocol.events import (
    BookData,
    ChannelData,
    Heartbeat,
    RequestDone,
    StatusChanged,
    StreamEnded,
    Unhandled,
)
from spotstream.protocol.kraken.v1.public import KrakenV1Protocol

CAPTURES = {"KRAKEN.ws.50.0": 4_269, "KRAKEN-c197c0.0": 14_496}


def messages(data: Path) -> dict[str, str]:
    path = data / "kraken-async-rs" / "v1_messages.jsonl"
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        out.setdefault(entry["label"], entry["raw"])
    return out


@pytest.fixture
def raw(captures: Path) -> dict[str, str]:
    return messages(captures)


def sent(out: Any) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(out.frame)
    return decoded


def test_system_status_and_heartbeat(raw: dict[str, str]) -> None:
    protocol = KrakenV1Protocol()
    (status,) = protocol.receive(raw["SYSTEM_STATUS"])
    assert isinstance(status, StatusChanged)
    assert status.status.system is SystemState.ONLINE
    assert (status.status.api_version, status.status.version) == ("v1", "1.9.1")
    assert status.status.connection_id == 8917087679770238719
    assert protocol.receive(raw["HEARTBEAT"]) == [Heartbeat()]


def test_ticker_every_field_mapped(raw: dict[str, str]) -> None:
    (event,) = KrakenV1Protocol().receive(raw["TICKER"])
    assert isinstance(event, ChannelData)
    assert event.key == ("ticker", "BTC/USD", None)
    (ticker,) = event.items
    assert ticker == Ticker(
        symbol="BTC/USD",
        bid=Decimal("37080.10000"),
        bid_qty=Decimal("24.49109974"),
        ask=Decimal("37080.20000"),
        ask_qty=Decimal("0.49479977"),
        last=Decimal("37080.10000"),
        volume=Decimal("1394.36071246"),
        vwap=Decimal("37042.48940"),
        low=Decimal("36658.00000"),
        high=Decimal("37289.70000"),
        change=Decimal("37080.10000") - Decimal("37160.10000"),
        change_pct=Decimal("-0.22"),
    )


def test_trade_ohlc_and_spread_mapped(raw: dict[str, str]) -> None:
    protocol = KrakenV1Protocol()
    (trades,) = protocol.receive(raw["TRADE"])
    assert isinstance(trades, ChannelData)
    assert trades.key == ("trade", "BTC/USD", None)
    assert trades.items == [
        Trade(
            "BTC/USD",
            OrderSide.SELL,
            Decimal("37080.10000"),
            Decimal("0.00015891"),
            "market",
            None,
            datetime(2023, 11, 12, 13, 53, 42, 188887, tzinfo=UTC),
        )
    ]
    (ohlc,) = protocol.receive(raw["OHLC"])
    assert isinstance(ohlc, ChannelData)
    assert ohlc.key == ("ohlc", "BTC/USD", 1)
    (candle,) = ohlc.items
    assert isinstance(candle, Kline)
    assert (candle.open, candle.volume, candle.trades, candle.interval) == (
        Decimal("37080.20000"), Decimal("0.01032369"), 2, 1,
    )  # fmt: skip
    assert candle.interval_begin == datetime(2023, 11, 12, 13, 53, tzinfo=UTC)
    (spread,) = protocol.receive(raw["SPREAD"])
    assert isinstance(spread, ChannelData)
    assert spread.items == [
        Spread(
            "BTC/USD",
            Decimal("37080.10000"),
            Decimal("37080.20000"),
            Decimal("21.82608437"),
            Decimal("0.50775187"),
            datetime(2023, 11, 12, 13, 53, 4, 943422, tzinfo=UTC),
        )
    ]


def test_subscribe_sends_v1_pairs_and_is_done_when_every_pair_answered() -> None:
    protocol = KrakenV1Protocol()
    out = protocol.subscribe("ticker", ["BTC/USD", "XDG/USD", "BTC/USD"])
    assert sent(out) == {
        "event": "subscribe",
        "reqid": out.req_id,
        "subscription": {"name": "ticker"},
        "pair": ["XBT/USD", "XDG/USD"],
    }
    ack = {"event": "subscriptionStatus", "reqid": out.req_id, "status": "subscribed",
           "channelName": "ticker", "subscription": {"name": "ticker"}}  # fmt: skip
    assert protocol.receive(json.dumps({**ack, "pair": "XBT/USD"})) == []
    (done,) = protocol.receive(json.dumps({**ack, "pair": "XDG/USD"}))
    assert isinstance(done, RequestDone)
    assert [r.symbol for r in done.results] == ["BTC/USD", "DOGE/USD"]  # type: ignore[attr-defined]
    assert set(protocol.streams) == {("ticker", "BTC/USD", None), ("ticker", "DOGE/USD", None)}
    assert protocol.stream_key("ticker", "XBT/USD", {}) == ("ticker", "BTC/USD", None)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Currency pair not supported XBT/INR", UnknownPairError),
        ("Subscription depth not supported", InvalidArgumentsError),
        ("Subscription Not Found", SubscriptionNotFoundError),
        ("Already subscribed", SubscriptionError),
        ("Malformed request", InvalidArgumentsError),
        ("Pair(s) not found", UnknownPairError),
        ("Subscription name invalid", InvalidArgumentsError),
        ("Public channels not available in this endpoint", InvalidArgumentsError),
    ],
)
def test_each_error_is_typed_and_carries_kraken_text(text: str, kind: type[Exception]) -> None:
    protocol = KrakenV1Protocol()
    out = protocol.subscribe("book", ["XBT/USD", "ETH/USD"], depth=25)
    error = {"event": "subscriptionStatus", "reqid": out.req_id, "status": "error",
             "errorMessage": text, "subscription": {"name": "book", "depth": 25}}  # fmt: skip
    assert protocol.receive(json.dumps({**error, "pair": "XBT/USD"})) == []
    ok = {"event": "subscriptionStatus", "reqid": out.req_id, "status": "subscribed",
          "pair": "ETH/USD", "channelName": "book-25"}  # fmt: skip
    (done,) = protocol.receive(json.dumps(ok))
    assert isinstance(done, RequestDone)
    (failure,) = done.errors
    assert isinstance(failure, kind)
    assert isinstance(failure, SubscriptionError)
    assert (failure.error, failure.symbol) == (text, "BTC/USD")  # type: ignore[attr-defined]


def test_an_error_naming_no_pair_answers_the_whole_request() -> None:
    protocol = KrakenV1Protocol()
    out = protocol.subscribe("trade", ["XBT/USD", "ETH/USD"])
    frame = {"event": "subscriptionStatus", "reqid": out.req_id, "status": "error",
             "errorMessage": "Pair field must be an array"}  # fmt: skip
    (done,) = protocol.receive(json.dumps(frame))
    assert isinstance(done, RequestDone)
    assert len(done.errors) == 1
    assert not done.results


def test_invalid_requests_are_refused_before_anything_is_sent() -> None:
    protocol = KrakenV1Protocol()
    for call in (
        lambda: protocol.subscribe("book", ["XBT/USD"], depth=7),
        lambda: protocol.subscribe("ohlc", ["XBT/USD"], interval=2),
        lambda: protocol.subscribe("ohlc", ["XBT/USD"]),
        lambda: protocol.subscribe("ticker", ["XBT/USD"], depth=10),
        lambda: protocol.subscribe("instrument", ["XBT/USD"]),
        lambda: protocol.subscribe("ticker", []),
    ):
        with pytest.raises(InvalidRequestError):
            call()
    assert protocol.pending_request_ids() == []


def test_ping_pong_and_unsubscribe_echo() -> None:
    protocol = KrakenV1Protocol()
    ping = protocol.ping()
    assert sent(ping) == {"event": "ping", "reqid": ping.req_id}
    (done,) = protocol.receive(json.dumps({"event": "pong", "reqid": ping.req_id}))
    assert isinstance(done, RequestDone)
    assert done.method == "ping"
    out = protocol.unsubscribe("ohlc", ["BTC/USD"], interval=5)
    assert sent(out)["subscription"] == {"name": "ohlc", "interval": 5}
    assert sent(out)["pair"] == ["XBT/USD"]


def test_resync_and_connection_lost() -> None:
    protocol = KrakenV1Protocol()
    out = protocol.subscribe("book", ["XBT/USD"], depth=100)
    ack = {"event": "subscriptionStatus", "reqid": out.req_id, "status": "subscribed",
           "pair": "XBT/USD", "channelName": "book-100"}  # fmt: skip
    protocol.receive(json.dumps(ack))
    unsubscribe, subscribe = protocol.resync_book("BTC/USD")
    assert sent(unsubscribe)["event"] == "unsubscribe"
    assert sent(subscribe)["subscription"] == {"name": "book", "depth": 100}
    restore = protocol.connection_lost()
    assert [(s.channel, s.symbol, s.depth) for s in restore] == [("book", "BTC/USD", 100)]
    assert protocol.pending_request_ids() == []


def _cryptofeed_frames(path: Path) -> list[bytes]:
    frames = []
    for line in path.read_text().splitlines():
        if line and not line.startswith(("wss://", "configuration:")):
            frames.append(line.split(": ", 1)[1].encode())
    return frames


@pytest.mark.parametrize(("name", "checksums"), CAPTURES.items())
def test_every_captured_checksum_through_receive(captures: Path, name: str, checksums: int) -> None:
    frames = _cryptofeed_frames(captures / "cryptofeed" / name)
    pairs = sorted({a[-1] for a in map(json.loads, frames) if isinstance(a, list)})
    protocol = KrakenV1Protocol()
    protocol.subscribe("book", pairs, depth=1000)
    results: Counter[ApplyResult] = Counter()
    for frame in frames:
        for event in protocol.receive(frame):
            if isinstance(event, BookData):
                results[event.result] += 1
    assert results[ApplyResult.VERIFIED] == checksums
    assert results[ApplyResult.MISMATCH] == results[ApplyResult.INVALID] == 0
    assert results[ApplyResult.UNVERIFIED] == len(pairs)  # the snapshots
    # the acks in the recording answer requests this protocol did not send: counted, not lost
    assert set(protocol.unhandled) == {"subscriptionStatus:unsolicited"}
    book = protocol.books["BTC/USD" if "XBT/USD" in pairs else "ADA/BTC"]
    assert book.price_precision >= 5  # the wire's width, not AssetPairs' pair_decimals


def test_a_book_update_in_two_objects_and_a_dropped_book(raw: dict[str, str]) -> None:
    protocol = KrakenV1Protocol()
    protocol.subscribe("book", ["XBT/USD"], depth=10)
    (snapshot,) = protocol.receive(raw["BOOK_SNAPSHOT"])
    assert isinstance(snapshot, BookData)
    assert (snapshot.kind, snapshot.result) == (EventKind.SNAPSHOT, ApplyResult.UNVERIFIED)
    (update,) = protocol.receive(raw["BOOK_BIDS_ONLY"])
    assert isinstance(update, BookData)
    assert update.kind is EventKind.UPDATE  # trimmed by its author: its checksum cannot match
    protocol.drop_book("XBT/USD")
    assert protocol.receive(raw["BOOK_BIDS_ONLY"]) == []
    assert protocol.discarded == 1


@pytest.mark.parametrize(
    "payload",
    [b"5", b'"x"', b'{"a":"not levels"}', b'{"as":[["1","2","3"]]},{"b":7}'],
)
def test_an_unreadable_book_message_makes_its_book_untrusted(
    raw: dict[str, str], payload: bytes
) -> None:
    protocol = KrakenV1Protocol()
    protocol.subscribe("book", ["XBT/USD"], depth=10)
    protocol.receive(raw["BOOK_SNAPSHOT"])
    assert protocol.books["BTC/USD"].status is BookStatus.SYNCED
    events = protocol.receive(b"[1," + payload + b',"book-10","XBT/USD"]')
    assert sum(protocol.unhandled.values()) == 1  # counted once
    invalid = [e for e in events if isinstance(e, BookData)]
    assert [e.result for e in invalid] == [ApplyResult.INVALID]
    assert protocol.books["BTC/USD"].status is BookStatus.RESYNCING


@pytest.mark.parametrize(
    "frame",
    [
        b"",
        b"[",
        b"{}",
        b'{"event":"nope"}',
        b"[1,2,3]",
        b'[1,{"a":[["1.0","1.0","1"]]},"book-10","XBT/USD"]',  # an unknown book, no checksum
        b'[1,{"as":[["x","1","1"]]},"book-10","XBT/USD"]',
        b'[1,["1","2","3","4"],"spread","XBT/USD"]',
        b'[1,[["1","1","1","q","l",""]],"trade","XBT/USD"]',
        b'[1,[],"ohlc-x","XBT/USD"]',
        b'{"event":"systemStatus","status":"sideways"}',
        b'{"event":"subscriptionStatus","status":"weird","reqid":99}',
    ],
)
def test_hostile_input_is_counted_never_raised(frame: bytes) -> None:
    protocol = KrakenV1Protocol()
    protocol.subscribe("book", ["XBT/USD"], depth=10)
    events = protocol.receive(frame)
    assert all(isinstance(e, Unhandled | BookData) for e in events)
    assert events


def test_a_stream_kraken_ends_itself_is_reported_to_the_session() -> None:
    protocol = KrakenV1Protocol()
    out = protocol.subscribe("book", ["XBT/USD"], depth=10)
    ack = {"event": "subscriptionStatus", "reqid": out.req_id, "status": "subscribed",
           "pair": "XBT/USD", "channelName": "book-10"}  # fmt: skip
    protocol.receive(json.dumps(ack))
    ended = {"event": "subscriptionStatus", "status": "unsubscribed", "pair": "XBT/USD",
             "channelName": "book-10"}  # fmt: skip
    (event,) = protocol.receive(json.dumps(ended))
    assert event == StreamEnded(("book", "BTC/USD", None), "unsubscribed by the exchange")
    assert not protocol.streams
    (again,) = protocol.receive(json.dumps(ended))  # not ours any more: counted
    assert isinstance(again, Unhandled)
