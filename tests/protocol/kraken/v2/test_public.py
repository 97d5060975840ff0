"""KrakenV2Protocol without a socket: request encoding and validation, ack counting,
unsubscribe, ping, reconnect and resync bookkeeping, and frames that are malformed,
unknown, reordered, duplicated or interleaved."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from helpers import kraken_v2 as k
from helpers.reference_book import ReferenceBook
from spotstream.book.verified import ApplyResult
from spotstream.errors import InvalidRequestError, SubscriptionError, UnknownSymbolError
from spotstream.models.market import BookStatus, EventKind
from spotstream.protocol.base import Outgoing
from spotstream.protocol.events import (
    BookData,
    ChannelData,
    Event,
    Heartbeat,
    RequestDone,
    Unhandled,
)
from spotstream.protocol.kraken.streams import StreamSpec
from spotstream.protocol.kraken.v2 import wire
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol


def new_protocol() -> KrakenV2Protocol:
    """A protocol that has seen the instrument snapshot (BTC/USD, ETH/USD, MATIC/USD)."""
    protocol = KrakenV2Protocol()
    [event] = protocol.receive(k.instrument_snapshot())
    assert isinstance(event, ChannelData)
    return protocol


def canonical(value: bytes | dict[str, Any]) -> str:
    """Key order aside, the exact JSON: ``1``, ``1.0`` and ``true`` stay distinct."""
    parsed = json.loads(value) if isinstance(value, bytes) else value
    return json.dumps(parsed, sort_keys=True)


def request(method: str, req_id: int, **params: Any) -> dict[str, Any]:
    return {"method": method, "params": params, "req_id": req_id}


def done(events: list[Event]) -> RequestDone:
    assert len(events) == 1, events
    [event] = events
    assert isinstance(event, RequestDone), event
    return event


def subscribed(protocol: KrakenV2Protocol, channel: str, symbols: list[str], **opts: Any) -> int:
    """Subscribe and acknowledge every symbol; returns the req_id."""
    out = protocol.subscribe(channel, symbols, **opts)
    events: list[Event] = []
    for symbol in symbols or [None]:
        events += protocol.receive(k.ack(out.req_id, channel, symbol))
    assert done(events).errors == []
    return out.req_id


class BookFeed:
    """Server side of one book: frames with the checksum the spec's reference computes."""

    def __init__(self, symbol: str, depth: int = 10) -> None:
        pair = k.PAIRS[symbol]
        self.symbol = symbol
        self.pp, self.qp = pair["price_precision"], pair["qty_precision"]
        self.ref = ReferenceBook(depth)

    def frame(
        self,
        kind: str,
        bids: list[tuple[str, str]],
        asks: list[tuple[str, str]],
        checksum: int | None = None,
    ) -> bytes:
        self.ref.apply(
            [(Decimal(p), Decimal(q)) for p, q in bids],
            [(Decimal(p), Decimal(q)) for p, q in asks],
            snapshot=kind == "snapshot",
        )
        if checksum is None:
            checksum = self.ref.checksum(self.pp, self.qp)
        return k.book(kind, self.symbol, bids, asks, checksum)

    def snapshot(self) -> bytes:
        bids = [(f"{100 - i}.{i % 10}", f"{i + 1}.5") for i in range(12)]
        asks = [(f"{101 + i}.{i % 10}", f"{i + 2}.25") for i in range(12)]
        return self.frame("snapshot", bids, asks)


def book_results(protocol: KrakenV2Protocol, frame: bytes) -> list[ApplyResult]:
    events = protocol.receive(frame)
    assert all(isinstance(e, BookData) for e in events), events
    return [e.result for e in events if isinstance(e, BookData)]


# --- request encoding ---------------------------------------------------------------------------

SUBSCRIBE_CASES = [
    ("ticker", ["BTC/USD"], {}, {}),
    (
        "ticker",
        ["BTC/USD", "ETH/USD"],
        {"event_trigger": "bbo", "snapshot": False},
        {"event_trigger": "bbo", "snapshot": False},
    ),
    ("ticker", ["BTC/USD"], {"event_trigger": "trades"}, {"event_trigger": "trades"}),
    ("trade", ["BTC/USD"], {"snapshot": True}, {"snapshot": True}),
    ("ohlc", ["ETH/USD"], {"interval": 1}, {"interval": 1}),
    ("ohlc", ["ETH/USD", "BTC/USD"], {"interval": 21600, "snapshot": False}, None),
    ("book", ["MATIC/USD"], {}, {}),
    ("book", ["BTC/USD", "ETH/USD"], {"depth": 25}, {"depth": 25}),
    ("book", ["BTC/USD"], {"depth": 1000, "snapshot": False}, None),
    ("instrument", [], {}, {}),
    ("instrument", [], {"snapshot": False}, {"snapshot": False}),
]


@pytest.mark.parametrize(("channel", "symbols", "options", "extra"), SUBSCRIBE_CASES)
def test_subscribe_frame_is_exact(
    channel: str, symbols: list[str], options: dict[str, Any], extra: dict[str, Any] | None
) -> None:
    protocol = new_protocol()
    out = protocol.subscribe(channel, symbols, **options)
    params: dict[str, Any] = {"channel": channel}
    if symbols:
        params["symbol"] = symbols
    params |= options if extra is None else extra
    assert isinstance(out, Outgoing)
    assert out.req_id == 1
    assert canonical(out.frame) == canonical(request("subscribe", 1, **params))
    assert b" " not in out.frame  # compact
    assert protocol.pending_request_ids() == [1]


def test_spec_example_request_bytes() -> None:
    out = new_protocol().subscribe("ticker", ["BTC/USD", "ETH/USD"])
    assert out.frame == (
        b'{"method":"subscribe","params":{"channel":"ticker","symbol":["BTC/USD","ETH/USD"]},'
        b'"req_id":1}'
    )


def test_duplicate_symbols_are_sent_once() -> None:
    protocol = new_protocol()
    out = protocol.subscribe("ticker", ["BTC/USD", "ETH/USD", "BTC/USD"])
    assert json.loads(out.frame)["params"]["symbol"] == ["BTC/USD", "ETH/USD"]
    protocol.receive(k.ack(out.req_id, "ticker", "BTC/USD"))
    assert done(protocol.receive(k.ack(out.req_id, "ticker", "ETH/USD"))).req_id == out.req_id


def test_req_ids_increase_across_methods() -> None:
    protocol = new_protocol()
    subscribed(protocol, "trade", ["BTC/USD"])  # req_id 1
    ids = [
        protocol.subscribe("ticker", ["BTC/USD"]).req_id,
        protocol.ping().req_id,
        protocol.subscribe("book", ["BTC/USD"]).req_id,
        protocol.unsubscribe("trade", ["BTC/USD"]).req_id,
        protocol.ping().req_id,
    ]
    assert ids == [2, 3, 4, 5, 6]
    assert protocol.pending_request_ids() == ids


def test_subscribing_a_ticker_needs_no_instrument_data() -> None:
    out = KrakenV2Protocol().subscribe("ticker", ["NEW/USD"])
    assert json.loads(out.frame)["params"]["symbol"] == ["NEW/USD"]


# --- validation: refused before anything is sent -----------------------------------------------


@pytest.mark.parametrize(
    ("channel", "symbols", "options", "match"),
    [
        ("book", ["BTC/USD"], {"depth": 15}, "depth"),
        ("book", ["BTC/USD"], {"depth": 0}, "depth"),
        ("book", ["BTC/USD"], {"depth": 2000}, "depth"),
        ("ohlc", ["BTC/USD"], {"interval": 2}, "interval"),
        ("ohlc", ["BTC/USD"], {"interval": 0}, "interval"),
        ("ohlc", ["BTC/USD"], {}, "interval"),
        ("ohlc", ["BTC/USD"], {"interval": None}, "interval"),
        ("ticker", ["BTC/USD"], {"event_trigger": "quotes"}, "event_trigger"),
        ("ticker", ["BTC/USD"], {"depth": 10}, "depth"),
        ("ticker", ["BTC/USD"], {"interval": 5}, "interval"),
        ("trade", ["BTC/USD"], {"interval": 5}, "interval"),
        ("book", ["BTC/USD"], {"event_trigger": "bbo"}, "event_trigger"),
        ("ohlc", ["BTC/USD"], {"interval": 5, "depth": 10}, "depth"),
        ("ticker", [], {}, "symbol"),
        ("trade", [], {}, "symbol"),
        ("book", [], {"depth": 10}, "symbol"),
        ("ohlc", [], {"interval": 5}, "symbol"),
        ("level3", ["BTC/USD"], {}, "channel"),
        ("executions", [], {}, "channel"),
        ("balances", [], {}, "channel"),
        ("status", [], {}, "channel"),
        ("heartbeat", [], {}, "channel"),
        ("tickers", ["BTC/USD"], {}, "channel"),
        ("", ["BTC/USD"], {}, "channel"),
    ],
)
def test_invalid_subscribe_is_refused_before_anything_is_sent(
    channel: str, symbols: list[str], options: dict[str, Any], match: str
) -> None:
    protocol = new_protocol()
    with pytest.raises(InvalidRequestError, match=match):
        protocol.subscribe(channel, symbols, **options)
    assert protocol.pending_request_ids() == []
    assert protocol.ping().req_id == 1  # no req_id was used up


@pytest.mark.parametrize("options", [{"depth": 10}, {"interval": 5}, {"event_trigger": "bbo"}])
def test_options_of_other_channels_are_refused_for_instrument(options: dict[str, Any]) -> None:
    """As they are for every other channel (``depth does not apply to this channel``)."""
    protocol = new_protocol()
    with pytest.raises(InvalidRequestError, match="does not apply"):
        protocol.subscribe("instrument", **options)
    assert protocol.pending_request_ids() == []


@pytest.mark.parametrize("symbols", [["DOGE/USD"], ["BTC/USD", "DOGE/USD"]])
def test_book_for_a_symbol_without_instrument_data(symbols: list[str]) -> None:
    protocol = new_protocol()
    with pytest.raises(UnknownSymbolError, match="DOGE/USD"):
        protocol.subscribe("book", symbols)
    assert protocol.pending_request_ids() == []
    assert protocol.ping().req_id == 1
    with pytest.raises(UnknownSymbolError):
        KrakenV2Protocol().subscribe("book", ["BTC/USD"])  # no instrument snapshot yet


def test_a_refused_book_subscribe_changes_no_book() -> None:
    """Validation is all-or-nothing: the live BTC/USD book must survive a request that is
    refused because of another symbol."""
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD"])
    feed = BookFeed("BTC/USD")
    book_results(protocol, feed.snapshot())
    book = protocol.books["BTC/USD"]
    with pytest.raises(UnknownSymbolError):
        protocol.subscribe("book", ["BTC/USD", "DOGE/USD"], depth=25)
    assert protocol.books == {"BTC/USD": book}
    update = feed.frame("update", [("100.0", "4")], [])
    assert book_results(protocol, update) == [ApplyResult.VERIFIED]


def test_instrument_data_makes_a_book_subscribable() -> None:
    protocol = KrakenV2Protocol()
    protocol.receive(k.instrument_snapshot("MATIC/USD"))
    protocol.subscribe("book", ["MATIC/USD"], depth=25)
    book = protocol.books["MATIC/USD"]
    assert (book.price_precision, book.qty_precision, book.book.depth) == (4, 8, 25)
    assert book.status is BookStatus.SYNCING


# --- ack counting --------------------------------------------------------------------------------

THREE = ["BTC/USD", "ETH/USD", "MATIC/USD"]


@pytest.mark.parametrize("order", list(itertools.permutations(THREE)))
def test_three_symbols_complete_after_three_acks_in_any_order(order: tuple[str, ...]) -> None:
    protocol = new_protocol()
    out = protocol.subscribe("ticker", THREE, event_trigger="bbo")
    assert protocol.receive(k.ack(out.req_id, "ticker", order[0], event_trigger="bbo")) == []
    assert protocol.receive(k.ack(out.req_id, "ticker", order[1], event_trigger="bbo")) == []
    assert set(protocol.streams) == {("ticker", s, None) for s in order[:2]}
    event = done(protocol.receive(k.ack(out.req_id, "ticker", order[2], event_trigger="bbo")))
    assert (event.req_id, event.method, event.errors) == (out.req_id, "subscribe", [])
    assert [r.symbol for r in event.results if isinstance(r, wire.SubscribeResult)] == list(order)
    assert protocol.streams[("ticker", "ETH/USD", None)] == StreamSpec(
        "ticker", "ETH/USD", event_trigger="bbo"
    )
    assert protocol.pending_request_ids() == []
    assert not protocol.unhandled


@pytest.mark.parametrize("position", [0, 1, 2])
def test_one_rejected_symbol_and_two_acks(position: int) -> None:
    protocol = new_protocol()
    out = protocol.subscribe("ohlc", ["BTC/USD", "XBT/USD", "ETH/USD"], interval=5)
    frames = [k.ack(out.req_id, "ohlc", s, interval=5) for s in ("BTC/USD", "ETH/USD")]
    text = "Currency pair not supported XBT/USD"
    frames.insert(position, k.reject(out.req_id, text, symbol="XBT/USD"))
    events = [e for frame in frames for e in protocol.receive(frame)]
    event = done(events)
    assert len(event.results) == 2
    [error] = event.errors
    assert isinstance(error, SubscriptionError)
    assert (error.error, error.symbol, error.req_id) == (text, "XBT/USD", out.req_id)
    assert set(protocol.streams) == {("ohlc", "BTC/USD", 5), ("ohlc", "ETH/USD", 5)}


def test_rejection_without_symbol_completes_the_whole_request() -> None:
    protocol = new_protocol()
    out = protocol.subscribe("trade", THREE)
    assert protocol.receive(k.ack(out.req_id, "trade", "ETH/USD")) == []
    event = done(protocol.receive(k.reject(out.req_id, "EGeneral:Internal error")))
    assert len(event.results) == 1
    assert [e.error for e in event.errors] == ["EGeneral:Internal error"]
    assert set(protocol.streams) == {("trade", "ETH/USD", None)}
    assert protocol.pending_request_ids() == []
    [late] = protocol.receive(k.ack(out.req_id, "trade", "BTC/USD"))
    assert isinstance(late, Unhandled)
    assert (late.kind, late.reason) == ("response:subscribe", "unknown req_id")


def test_rejection_with_a_non_boolean_success_is_a_failure() -> None:
    protocol = new_protocol()
    out = protocol.subscribe("trade", ["BTC/USD"])
    frame = json.dumps({"method": "subscribe", "req_id": out.req_id, "error": "nope"}).encode()
    event = done(protocol.receive(frame))
    assert [e.error for e in event.errors] == ["nope"]
    assert protocol.streams == {}


def test_interleaved_requests_and_data() -> None:
    protocol = new_protocol()
    ticker = protocol.subscribe("ticker", ["BTC/USD", "ETH/USD"])
    book = protocol.subscribe("book", ["BTC/USD", "ETH/USD"], depth=10)
    feed = BookFeed("BTC/USD")
    assert protocol.receive(k.ack(book.req_id, "book", "BTC/USD", depth=10)) == []
    assert protocol.receive(k.ack(ticker.req_id, "ticker", "ETH/USD")) == []
    assert book_results(protocol, feed.snapshot()) == [ApplyResult.VERIFIED]
    [tick] = protocol.receive(k.ticker("ETH/USD"))
    assert isinstance(tick, ChannelData)
    assert tick.key == ("ticker", "ETH/USD", None)
    assert done(protocol.receive(k.ack(ticker.req_id, "ticker", "BTC/USD"))).req_id == 1
    update = feed.frame("update", [("100.0", "2.0")], [])
    assert book_results(protocol, update) == [ApplyResult.VERIFIED]
    assert done(protocol.receive(k.ack(book.req_id, "book", "ETH/USD", depth=10))).req_id == 2
    assert len(protocol.streams) == 4
    assert not protocol.unhandled


def test_book_data_before_its_ack_is_applied() -> None:
    protocol = new_protocol()
    out = protocol.subscribe("book", ["BTC/USD"])
    feed = BookFeed("BTC/USD")
    assert book_results(protocol, feed.snapshot()) == [ApplyResult.VERIFIED]
    assert done(protocol.receive(k.ack(out.req_id, "book", "BTC/USD", depth=10))).errors == []


# --- duplicated answers --------------------------------------------------------------------------


def test_duplicated_ack_neither_completes_early_nor_adds_a_result() -> None:
    protocol = new_protocol()
    out = protocol.subscribe("ticker", ["BTC/USD", "ETH/USD"])
    assert protocol.receive(k.ack(out.req_id, "ticker", "BTC/USD")) == []
    assert protocol.receive(k.ack(out.req_id, "ticker", "BTC/USD")) == []
    event = done(protocol.receive(k.ack(out.req_id, "ticker", "ETH/USD")))
    assert sorted(r.symbol for r in event.results if isinstance(r, wire.SubscribeResult)) == [
        "BTC/USD",
        "ETH/USD",
    ]


def test_duplicated_per_symbol_rejection_does_not_complete_the_request() -> None:
    """A symbol's rejection answers that symbol only, even when it arrives twice."""
    protocol = new_protocol()
    out = protocol.subscribe("ticker", ["XBT/USD", "BTC/USD", "ETH/USD"])
    rejection = k.reject(out.req_id, "Currency pair not supported XBT/USD", symbol="XBT/USD")
    assert protocol.receive(rejection) == []
    assert protocol.receive(rejection) == []
    assert protocol.receive(k.ack(out.req_id, "ticker", "BTC/USD")) == []
    event = done(protocol.receive(k.ack(out.req_id, "ticker", "ETH/USD")))
    assert len(event.results) == 2
    assert len(event.errors) == 1
    assert set(protocol.streams) == {("ticker", "BTC/USD", None), ("ticker", "ETH/USD", None)}


def test_duplicated_ack_after_completion_is_unhandled() -> None:
    protocol = new_protocol()
    req_id = subscribed(protocol, "trade", ["BTC/USD"])
    streams = dict(protocol.streams)
    [event] = protocol.receive(k.ack(req_id, "trade", "BTC/USD"))
    assert isinstance(event, Unhandled)
    assert protocol.unhandled == Counter({"response:subscribe": 1})
    assert protocol.streams == streams


# --- unsubscribe --------------------------------------------------------------------------------


def test_unsubscribe_echoes_the_keying_options_and_forgets_the_stream() -> None:
    protocol = new_protocol()
    subscribed(protocol, "ticker", ["BTC/USD", "ETH/USD"], event_trigger="bbo")
    out = protocol.unsubscribe("ticker", ["BTC/USD"])
    assert canonical(out.frame) == canonical(
        request("unsubscribe", 2, channel="ticker", symbol=["BTC/USD"], event_trigger="bbo")
    )
    event = done(protocol.receive(k.ack(out.req_id, "ticker", "BTC/USD", method="unsubscribe")))
    assert (event.method, event.errors, len(event.results)) == ("unsubscribe", [], 1)
    assert set(protocol.streams) == {("ticker", "ETH/USD", None)}


def test_unsubscribe_book_echoes_depth() -> None:
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD"], depth=25)
    out = protocol.unsubscribe("book", ["BTC/USD"])
    assert canonical(out.frame) == canonical(
        request("unsubscribe", 2, channel="book", symbol=["BTC/USD"], depth=25)
    )


def test_unsubscribe_ohlc_echoes_interval() -> None:
    protocol = new_protocol()
    subscribed(protocol, "ohlc", ["ETH/USD"], interval=60)
    out = protocol.unsubscribe_ohlc(["ETH/USD"], 60)
    assert canonical(out.frame) == canonical(
        request("unsubscribe", 2, channel="ohlc", symbol=["ETH/USD"], interval=60)
    )
    done(protocol.receive(k.ack(out.req_id, "ohlc", "ETH/USD", method="unsubscribe", interval=60)))
    assert protocol.streams == {}


def test_unsubscribe_instrument() -> None:
    protocol = new_protocol()
    subscribed(protocol, "instrument", [])
    out = protocol.unsubscribe("instrument")
    assert canonical(out.frame) == canonical(request("unsubscribe", 2, channel="instrument"))
    done(protocol.receive(k.ack(out.req_id, "instrument", method="unsubscribe")))
    assert protocol.streams == {}


def test_unsubscribe_of_what_is_not_subscribed_is_refused() -> None:
    protocol = new_protocol()
    protocol.subscribe("trade", ["BTC/USD"])  # not yet acknowledged
    with pytest.raises(InvalidRequestError, match="not subscribed"):
        protocol.unsubscribe("trade", ["BTC/USD"])
    with pytest.raises(InvalidRequestError):
        protocol.unsubscribe("ticker", ["BTC/USD"])
    assert protocol.pending_request_ids() == [1]


def test_unsubscribe_rejection_quirk_is_a_subscription_error() -> None:
    """Kraken answers a failed unsubscribe with ``"method":"subscribe"`` (spec §3.4)."""
    protocol = new_protocol()
    subscribed(protocol, "trade", ["BTC/USD"])
    out = protocol.unsubscribe("trade", ["BTC/USD"])
    frame = k.reject(out.req_id, "Subscription Not Found", symbol="BTC/USD")
    [error] = done(protocol.receive(frame)).errors
    assert isinstance(error, SubscriptionError)
    assert (error.error, error.method, error.symbol) == (
        "Subscription Not Found",
        "unsubscribe",
        "BTC/USD",
    )


# --- ping / pong ---------------------------------------------------------------------------------


def test_ping_pong() -> None:
    protocol = new_protocol()
    ping = protocol.ping()
    assert canonical(ping.frame) == canonical({"method": "ping", "req_id": 1})
    event = done(protocol.receive(k.pong(ping.req_id)))
    assert (event.req_id, event.method, event.errors) == (1, "ping", [])
    assert protocol.pending_request_ids() == []
    [again] = protocol.receive(k.pong(ping.req_id))
    assert isinstance(again, Unhandled)
    assert protocol.unhandled == Counter({"response:pong": 1})


def test_pongs_answer_their_own_pings_in_any_order() -> None:
    protocol = new_protocol()
    first, second = protocol.ping(), protocol.ping()
    assert done(protocol.receive(k.pong(second.req_id))).req_id == second.req_id
    assert done(protocol.receive(k.pong(first.req_id))).req_id == first.req_id


# --- connection lost, resync ---------------------------------------------------------------------


def test_connection_lost_returns_confirmed_streams_and_resyncs_books() -> None:
    protocol = new_protocol()
    subscribed(protocol, "ticker", ["BTC/USD"], event_trigger="bbo")
    subscribed(protocol, "book", ["BTC/USD"], depth=25)
    pending = protocol.subscribe("trade", ["BTC/USD"])
    feed = BookFeed("BTC/USD", depth=25)
    assert book_results(protocol, feed.snapshot()) == [ApplyResult.VERIFIED]

    restore = protocol.connection_lost()

    assert sorted(restore, key=lambda s: s.channel) == [
        StreamSpec("book", "BTC/USD", depth=25),
        StreamSpec("ticker", "BTC/USD", event_trigger="bbo"),
    ]
    assert protocol.streams == {}
    assert protocol.pending_request_ids() == []
    book = protocol.books["BTC/USD"]
    assert book.status is BookStatus.RESYNCING
    [late] = protocol.receive(k.ack(pending.req_id, "trade", "BTC/USD"))
    assert isinstance(late, Unhandled)
    assert book_results(protocol, feed.frame("update", [("99.9", "1")], [])) == [
        ApplyResult.IGNORED
    ]

    for spec in restore:  # what the connection layer does after reconnecting
        options = {"depth": spec.depth} if spec.channel == "book" else {}
        subscribed(protocol, spec.channel, [spec.symbol], **options)
    assert protocol.books["BTC/USD"] is book
    assert book_results(protocol, feed.snapshot()) == [ApplyResult.VERIFIED]
    assert book.status is BookStatus.SYNCED
    assert book.counters.resyncs == 1


def test_resync_book_unsubscribes_and_subscribes_again() -> None:
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD"], depth=25)
    feed = BookFeed("BTC/USD", depth=25)
    book_results(protocol, feed.snapshot())
    bad = feed.frame("update", [("100.0", "3")], [], checksum=12345)
    assert book_results(protocol, bad) == [ApplyResult.MISMATCH]

    unsubscribe, subscribe = protocol.resync_book("BTC/USD")

    params = {"channel": "book", "symbol": ["BTC/USD"], "depth": 25}
    assert canonical(unsubscribe.frame) == canonical(request("unsubscribe", 2, **params))
    assert canonical(subscribe.frame) == canonical(request("subscribe", 3, **params))
    assert protocol.books["BTC/USD"].status is BookStatus.RESYNCING
    done(protocol.receive(k.ack(2, "book", "BTC/USD", method="unsubscribe", depth=25)))
    assert protocol.streams == {}
    done(protocol.receive(k.ack(3, "book", "BTC/USD", depth=25)))
    assert ("book", "BTC/USD", None) in protocol.streams
    assert book_results(protocol, feed.snapshot()) == [ApplyResult.VERIFIED]
    assert protocol.books["BTC/USD"].counters.resyncs == 1


def test_resync_of_an_unconfirmed_book_only_subscribes() -> None:
    protocol = new_protocol()
    protocol.subscribe("book", ["ETH/USD"])
    [out] = protocol.resync_book("ETH/USD")
    assert canonical(out.frame) == canonical(
        request("subscribe", 2, channel="book", symbol=["ETH/USD"], depth=10)
    )


# --- book frames: reordered, duplicated, interleaved ---------------------------------------------


def test_duplicated_book_frames_are_idempotent() -> None:
    """Updates carry absolute quantities, so a repeated frame leaves the book as it was."""
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD"])
    feed = BookFeed("BTC/USD")
    snapshot = feed.snapshot()
    update = feed.frame("update", [("100.0", "0"), ("99.5", "7.5")], [("101.0", "1")])
    for frame in (snapshot, snapshot, update, update):
        assert book_results(protocol, frame) == [ApplyResult.VERIFIED]


def test_reordered_book_updates_are_detected() -> None:
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD"])
    feed = BookFeed("BTC/USD")
    book_results(protocol, feed.snapshot())
    first = feed.frame("update", [("100.0", "1")], [])
    second = feed.frame("update", [("99.5", "2")], [])
    assert book_results(protocol, second) == [ApplyResult.MISMATCH]
    assert book_results(protocol, first) == [ApplyResult.IGNORED]
    assert protocol.books["BTC/USD"].counters.checksum_mismatches == 1


def test_interleaved_books_are_independent() -> None:
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD", "ETH/USD", "MATIC/USD"])
    feeds = [BookFeed(s) for s in ("BTC/USD", "ETH/USD", "MATIC/USD")]
    frames = [feed.snapshot() for feed in feeds]
    for step in range(5):
        for n, feed in enumerate(feeds):
            frames.append(feed.frame("update", [(f"9{n}.{step}", f"{step + 1}")], []))
    frames.append(
        BookFeed("ETH/USD").frame("update", [("1", "1")], [], checksum=1)
    )  # wrong only for ETH
    results = [book_results(protocol, frame)[0] for frame in frames]
    assert results[:-1] == [ApplyResult.VERIFIED] * 18
    assert results[-1] is ApplyResult.MISMATCH
    statuses = {s: b.status for s, b in protocol.books.items()}
    assert statuses == {
        "BTC/USD": BookStatus.SYNCED,
        "ETH/USD": BookStatus.RESYNCING,
        "MATIC/USD": BookStatus.SYNCED,
    }


def test_book_update_off_the_instrument_precision_is_invalid() -> None:
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD"])
    feed = BookFeed("BTC/USD")
    book_results(protocol, feed.snapshot())
    frame = k.book("update", "BTC/USD", [("100.05", "1")], [], 0)  # BTC/USD prices: 1 decimal
    assert book_results(protocol, frame) == [ApplyResult.INVALID]
    assert protocol.books["BTC/USD"].status is BookStatus.RESYNCING


# --- frames that are not what they should be -----------------------------------------------------

MALFORMED = [
    (b"", "malformed"),
    (b"not json", "malformed"),
    (b"\xff\xfe\x00\x01", "malformed"),
    (b'{"channel":"book"', "malformed"),
    (b"[]", "malformed"),
    (b"null", "malformed"),
    (b"42", "malformed"),
    (b'"heartbeat"', "malformed"),
    (b"{}", "unknown"),
    (b'{"channel":"spread","type":"update","data":[]}', "spread"),
    (b'{"channel":"level3","type":"update","data":[]}', "level3"),
    (b'{"channel":"book","type":"snapshot"}', "book"),
    (b'{"channel":"book","type":"snapshot","data":{}}', "book"),
    (b'{"channel":"ticker","type":"partial","data":[]}', "ticker"),
    (b'{"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"hold"}]}', "trade"),
    (b'{"channel":"heartbeat","type":"update","data":7,"extra":[1]}', None),  # tolerated
    (b'{"channel":5}', "5"),
    (b'{"method":"subscribe","success":true}', "response:subscribe"),
    (b'{"method":"subscribe","req_id":"1","success":true}', "subscribe"),
    (b'{"method":"pong","req_id":99}', "response:pong"),
    (b'{"method":"add_order","req_id":1,"success":true,"result":{"order_id":"X"}}', None),
]


@pytest.mark.parametrize(("frame", "kind"), MALFORMED)
def test_malformed_and_unknown_frames_never_raise_and_are_counted(
    frame: bytes, kind: str | None
) -> None:
    protocol = new_protocol()
    protocol.subscribe("book", ["BTC/USD"])
    protocol.unhandled.clear()
    events = protocol.receive(frame)
    unhandled = [e for e in events if isinstance(e, Unhandled)]
    if kind is None:
        assert all(isinstance(e, Heartbeat | Unhandled | RequestDone) for e in events)
    else:
        assert [e.kind for e in unhandled] == [kind]
        assert unhandled[0].frame == frame
    assert protocol.unhandled.total() == len(unhandled)


def test_text_frames_work_like_bytes() -> None:
    assert new_protocol().receive('{"channel":"heartbeat"}') == [Heartbeat()]
    protocol = new_protocol()
    [event] = protocol.receive("ünïcode garbage")
    assert isinstance(event, Unhandled)


def test_status_with_an_unknown_system_state_does_not_raise() -> None:
    protocol = new_protocol()
    frame = (
        b'{"channel":"status","type":"update","data":[{"api_version":"v2",'
        b'"system":"reduce_only","version":"2.0.9"}]}'
    )
    events = protocol.receive(frame)
    assert protocol.unhandled.total() == sum(isinstance(e, Unhandled) for e in events)


@pytest.mark.parametrize("result", ["", ',"result":{}', ',"result":[]', ',"result":null'])
def test_success_without_a_usable_result_does_not_raise(result: str) -> None:
    protocol = new_protocol()
    out = protocol.subscribe("ticker", ["BTC/USD"])
    frame = f'{{"method":"subscribe","req_id":{out.req_id},"success":true{result}}}'
    events = protocol.receive(frame)
    assert protocol.unhandled.total() == sum(isinstance(e, Unhandled) for e in events)


@pytest.mark.parametrize("number", ["1e999999999", "-1e999999999", "1e-999999999"])
def test_book_level_with_an_extreme_number_is_invalid_not_an_exception(number: str) -> None:
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD"])
    frame = (
        '{"channel":"book","type":"snapshot","data":[{"symbol":"BTC/USD",'
        f'"bids":[{{"price":{number},"qty":1}}],"asks":[],"checksum":0}}]}}'
    )
    assert book_results(protocol, frame.encode()) == [ApplyResult.INVALID]


def test_events_of_a_good_snapshot_frame() -> None:
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD"])
    frame = BookFeed("BTC/USD").snapshot()
    [event] = protocol.receive(frame)
    assert isinstance(event, BookData)
    assert (event.key, event.kind, event.frame) == (
        ("book", "BTC/USD", None),
        EventKind.SNAPSHOT,
        frame,
    )
    assert event.book is protocol.books["BTC/USD"]


# --- an unreadable book frame (issue 11) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (lambda f: f.replace(b'"timestamp":"', b'"timestamp":"not a time'), True),
        (lambda f: re.sub(rb'"checksum":\d+', b'"checksum":"x"', f), True),  # a wrong type
        (lambda f: f.replace(b'"BTC/USD"', b"17"), False),  # the symbol itself unreadable
    ],
)
def test_an_unreadable_book_frame_makes_its_book_untrusted(
    damage: Callable[[bytes], bytes], named: bool
) -> None:
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD", "ETH/USD"])
    btc, eth = BookFeed("BTC/USD"), BookFeed("ETH/USD")
    assert book_results(protocol, btc.snapshot()) == [ApplyResult.VERIFIED]
    assert book_results(protocol, eth.snapshot()) == [ApplyResult.VERIFIED]
    update = btc.frame("update", [("99.5", "1.0")], [])
    assert b'"timestamp":"' in update
    events = protocol.receive(damage(update))
    assert isinstance(events[0], Unhandled)
    untrusted = {e.book.symbol for e in events[1:] if isinstance(e, BookData)}
    assert all(e.result is ApplyResult.INVALID for e in events[1:] if isinstance(e, BookData))
    assert untrusted == ({"BTC/USD"} if named else {"BTC/USD", "ETH/USD"})
    assert protocol.books["BTC/USD"].status is BookStatus.RESYNCING


# --- "Already subscribed" is the acknowledgement it is (issue 11) --------------------------------


def test_already_subscribed_acknowledges_a_retried_subscribe() -> None:
    protocol = new_protocol()
    first = protocol.subscribe("ticker", ["BTC/USD", "ETH/USD"])  # its answers never came
    retry = protocol.subscribe("ticker", ["BTC/USD", "ETH/USD"])
    events = protocol.receive(k.reject(retry.req_id, "Already subscribed", symbol="BTC/USD"))
    events += protocol.receive(k.ack(retry.req_id, "ticker", "ETH/USD"))
    answer = done(events)
    assert answer.errors == []
    assert sorted(r.symbol for r in answer.results) == ["BTC/USD", "ETH/USD"]
    assert ("ticker", "BTC/USD", None) in protocol.streams
    assert first.req_id in protocol.pending_request_ids()  # the first is still awaited


def test_other_refusals_stay_refusals() -> None:
    protocol = new_protocol()
    out = protocol.subscribe("ticker", ["BTC/USD"])
    answer = done(
        protocol.receive(k.reject(out.req_id, "Currency pair not supported", symbol="BTC/USD"))
    )
    assert answer.results == []
    assert isinstance(answer.errors[0], SubscriptionError)


# --- a pair's precision changes (issue 11) -------------------------------------------------------


def test_a_new_precision_rebuilds_the_book_and_resyncs_it() -> None:
    protocol = new_protocol()
    subscribed(protocol, "book", ["BTC/USD", "ETH/USD"])
    feed = BookFeed("BTC/USD")
    assert book_results(protocol, feed.snapshot()) == [ApplyResult.VERIFIED]
    assert book_results(protocol, BookFeed("ETH/USD").snapshot()) == [ApplyResult.VERIFIED]
    wider = {**k.PAIRS["BTC/USD"], **k.pair("BTC/USD", 2, 8)}
    update = {"channel": "instrument", "type": "update", "data": {"assets": [], "pairs": [wider]}}
    events = protocol.receive(json.dumps(update, default=str).encode())
    invalid = [e for e in events if isinstance(e, BookData)]
    assert [(e.book.symbol, e.result) for e in invalid] == [("BTC/USD", ApplyResult.INVALID)]
    book = protocol.books["BTC/USD"]
    assert (book.price_precision, book.status) == (2, BookStatus.RESYNCING)
    assert protocol.books["ETH/USD"].status is BookStatus.SYNCED  # unchanged: untouched
    feed.pp = 2  # the exchange now writes two decimals
    bids = [("100.25", "1.5"), ("100.10", "2")]
    asks = [("101.05", "1")]
    feed.ref = type(feed.ref)(10)
    assert book_results(protocol, feed.frame("snapshot", bids, asks)) == [ApplyResult.VERIFIED]
    assert book.snapshot().bids[0].price == Decimal("100.25")
