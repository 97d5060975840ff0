"""Real Kraken v2 messages (tests/data/kraken-async-rs/v2_messages.jsonl, and the two
larger v2 captures) against the wire models and the sans-I/O protocol.

Public channels, subscription responses and error responses must decode with no key left
unmapped; private messages are out of scope for now and must come out as ``Unhandled``.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from helpers.captures import (
    CaptureLine,
    dumps_exact,
    find,
    load_decimal_json,
    load_jsonl,
    with_req_id,
)
from helpers.unmapped import assert_fully_mapped, unmapped_paths
from spotstream.book.verified import ApplyResult
from spotstream.errors import InvalidArgumentsError, RequestError, SubscriptionError
from spotstream.models.market import (
    EventKind,
    Instrument,
    Kline,
    OrderSide,
    SystemState,
    Ticker,
    Trade,
)
from spotstream.protocol.events import (
    BookData,
    ChannelData,
    Event,
    Heartbeat,
    RequestDone,
    StatusChanged,
    Unhandled,
)
from spotstream.protocol.kraken.v2 import wire
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol

PUBLIC_CHANNELS = {"status", "heartbeat", "instrument", "ticker", "trade", "ohlc", "book"}
SUBSCRIPTION_METHODS = {"subscribe", "unsubscribe", "pong"}


@pytest.fixture(scope="module")
def lines(captures: Path) -> list[CaptureLine]:
    return load_jsonl(captures / "kraken-async-rs" / "v2_messages.jsonl")


@pytest.fixture(scope="module")
def instrument_frame(captures: Path) -> bytes:
    return (captures / "kraken-data-recorder" / "instrument_snapshot.json").read_bytes()


def in_scope(line: CaptureLine) -> bool:
    message = line.message
    if "channel" in message:
        return message["channel"] in PUBLIC_CHANNELS
    return message["method"] in SUBSCRIPTION_METHODS or message.get("success") is False


def resolve_raw(owner: msgspec.Struct, name: str) -> msgspec.json.Decoder[Any] | None:
    """The typed decoder of each ``msgspec.Raw`` field of the v2 wire models."""
    is_result = isinstance(owner, wire.Response) and name == "result"
    if is_result and owner.method in ("subscribe", "unsubscribe"):
        return wire.SUBSCRIBE_RESULT_DECODER
    return None


def decode(line: CaptureLine) -> Any:
    if "channel" in line.message:
        return wire.CHANNEL_DECODER.decode(line.raw)
    return wire.RESPONSE_DECODER.decode(line.raw)


def single(events: list[Event]) -> Event:
    assert len(events) == 1, events
    return events[0]


def only_unhandled(protocol: KrakenV2Protocol, events: list[Event], kind: str) -> Unhandled:
    event = single(events)
    assert isinstance(event, Unhandled), event
    assert event.kind == kind
    assert protocol.unhandled == Counter({kind: 1})
    return event


# --- the file ---------------------------------------------------------------------------------


def test_capture_file_holds_the_expected_mix(lines: list[CaptureLine]) -> None:
    channels = Counter(line.message.get("channel") for line in lines if in_scope(line))
    responses = [line for line in lines if in_scope(line) and "method" in line.message]
    assert len(lines) == 51
    assert channels.total() - channels[None] == 13
    assert set(channels) - {None} == PUBLIC_CHANNELS
    assert len(responses) == 18
    assert sum(not in_scope(line) for line in lines) == 20


# --- the unmapped-field checker itself (negative controls) -------------------------------------


class _RawHolder(msgspec.Struct):
    method: str
    result: msgspec.Raw


class _ArrayLevel(msgspec.Struct, array_like=True):
    price: Decimal
    qty: Decimal


def _raw_as_subscribe_result(owner: msgspec.Struct, name: str) -> msgspec.json.Decoder[Any]:
    return wire.SUBSCRIBE_RESULT_DECODER


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b'{"channel":"heartbeat"}', []),
        (b'{"channel":"heartbeat","extra":1}', ["$.extra"]),
        (
            b'{"channel":"book","type":"update","data":[{"symbol":"A/B","bids":[],'
            b'"asks":[{"price":1.0,"qty":2.0},{"price":1.5,"qty":2.0,"flag":"r"}],'
            b'"checksum":1,"seq":7}]}',
            ["$.data[0].asks[1].flag", "$.data[0].seq"],
        ),
        (
            b'{"channel":"instrument","type":"snapshot","data":{"pairs":[],"assets":[],'
            b'"venues":[]}}',
            ["$.data.venues"],
        ),
    ],
)
def test_checker_finds_keys_of_channel_messages_without_a_field(
    frame: bytes, expected: list[str]
) -> None:
    decoded = wire.CHANNEL_DECODER.decode(frame)
    assert unmapped_paths(msgspec.json.decode(frame), decoded) == expected


def test_checker_decodes_raw_payloads_with_the_resolved_decoder() -> None:
    frame = b'{"method":"subscribe","result":{"channel":"book","depth":10,"venue":"x"}}'
    decoded = msgspec.json.decode(frame, type=_RawHolder)
    document = msgspec.json.decode(frame)
    assert unmapped_paths(document, decoded, _raw_as_subscribe_result) == ["$.result.venue"]
    assert unmapped_paths(document, decoded) == ["$.result (Raw with no typed decoder)"]


def test_checker_walks_array_like_structs_by_position() -> None:
    frame = b"[[1.5, 2.0], [1.6, 3.0, 1690000000.1]]"
    decoded = msgspec.json.decode(frame, type=list[_ArrayLevel])
    assert unmapped_paths(msgspec.json.decode(frame), decoded) == ["$[1][2]"]


def test_checker_fails_loudly() -> None:
    with pytest.raises(AssertionError, match=r"\$\.extra"):
        assert_fully_mapped(b'{"channel":"heartbeat","extra":1}', wire.HeartbeatMessage())


# --- decoding: every in-scope message, every key mapped ----------------------------------------


def test_in_scope_messages_decode_with_every_key_mapped(lines: list[CaptureLine]) -> None:
    problems: list[str] = []
    for line in filter(in_scope, lines):
        try:
            decoded = decode(line)
            missing = unmapped_paths(line.message, decoded, resolve_raw)
        except (msgspec.MsgspecError, AssertionError) as exc:
            problems.append(f"{line}: {type(exc).__name__}: {exc}")
            continue
        if missing:
            problems.append(f"{line}: unmapped {missing}")
    assert not problems, "\n".join(problems)


def test_channel_messages_decode_to_the_struct_of_their_channel(
    lines: list[CaptureLine],
) -> None:
    for line in filter(in_scope, lines):
        channel = line.message.get("channel")
        if channel is None:
            with pytest.raises(msgspec.ValidationError):  # responses are not channel messages
                wire.CHANNEL_DECODER.decode(line.raw)
        else:
            assert type(decode(line)).__struct_config__.tag == channel, str(line)


def test_real_instrument_snapshot_decodes_with_every_key_mapped(instrument_frame: bytes) -> None:
    decoded = wire.CHANNEL_DECODER.decode(instrument_frame)
    assert isinstance(decoded, wire.InstrumentMessage)
    assert (len(decoded.data.assets), len(decoded.data.pairs)) == (296, 683)
    assert_fully_mapped(instrument_frame, decoded)
    btc = next(p for p in decoded.data.pairs if p.symbol == "BTC/USD")
    assert (btc.price_precision, btc.qty_precision) == (1, 8)
    assert btc.qty_increment == Decimal("1e-8")
    assert isinstance(btc.qty_increment, Decimal)


def test_python_kraken_sdk_book_messages_decode_with_every_key_mapped(captures: Path) -> None:
    fixture = load_decimal_json(captures / "python-kraken-sdk" / "orderbook-v2.json")
    for message in [fixture["init"], *fixture["updates"]]:
        frame = dumps_exact(message)
        decoded = wire.CHANNEL_DECODER.decode(frame)
        assert isinstance(decoded, wire.BookMessage)
        assert_fully_mapped(frame, decoded)


# --- the protocol: public channel messages -----------------------------------------------------


def test_status_messages_become_status_changed(lines: list[CaptureLine]) -> None:
    online = find(lines, "test_admin_messages", '"status"')
    maintenance = find(lines, "test_deserializing_maintenance_status_update")
    protocol = KrakenV2Protocol()
    event = single(protocol.receive(online.raw))
    assert isinstance(event, StatusChanged)
    assert event.status.system is SystemState.ONLINE
    assert event.status.connection_id == 12393906104898154338  # > int64: kept exact
    assert (event.status.api_version, event.status.version) == ("v2", "2.0.4")
    event = single(protocol.receive(maintenance.raw))
    assert isinstance(event, StatusChanged)
    assert event.status.system is SystemState.MAINTENANCE
    assert event.status.connection_id is None
    assert not protocol.unhandled


def test_heartbeat(lines: list[CaptureLine]) -> None:
    protocol = KrakenV2Protocol()
    assert protocol.receive(find(lines, "test_admin_messages", "heartbeat").raw) == [Heartbeat()]


def assert_fields_equal(model: msgspec.Struct, item: dict[str, Any]) -> None:
    """Every wire field the model also has carries the exact wire value."""
    for key, value in item.items():
        if not hasattr(model, key):
            continue
        actual = getattr(model, key)
        if isinstance(actual, Decimal):
            assert str(actual) == str(value), key  # same digits, same exponent: no float
        elif isinstance(actual, datetime):
            assert actual == datetime.fromisoformat(value[:26] + "+00:00"), key
        else:
            assert actual == value, key


@pytest.mark.parametrize(
    ("label", "kind", "bid_qty"),
    [
        ("test_ticker_snapshot", EventKind.SNAPSHOT, "0.10000000"),
        ("test_ticker_update", EventKind.UPDATE, "12.31628629"),
    ],
)
def test_ticker_messages(
    lines: list[CaptureLine], label: str, kind: EventKind, bid_qty: str
) -> None:
    line = find(lines, label)
    event = single(KrakenV2Protocol().receive(line.raw))
    assert isinstance(event, ChannelData)
    assert (event.key, event.kind) == (("ticker", "BTC/USD", None), kind)
    [tick] = event.items
    assert isinstance(tick, Ticker)
    item = line.exact_message["data"][0]
    assert_fields_equal(tick, item)
    assert str(tick.bid_qty) == bid_qty  # trailing zeros kept: the exact wire number


@pytest.mark.parametrize(
    ("label", "kind"),
    [("test_trade_snapshot", EventKind.SNAPSHOT), ("test_trade_update", EventKind.UPDATE)],
)
def test_trade_messages(lines: list[CaptureLine], label: str, kind: EventKind) -> None:
    line = find(lines, label)
    event = single(KrakenV2Protocol().receive(line.raw))
    assert isinstance(event, ChannelData)
    assert (event.key, event.kind) == (("trade", "BTC/USD", None), kind)
    data = line.exact_message["data"]
    assert len(event.items) == len(data) > 1
    for trade, item in zip(event.items, data, strict=True):
        assert isinstance(trade, Trade)
        assert isinstance(trade.side, OrderSide)
        assert_fields_equal(trade, item)


def test_ohlc_snapshot(lines: list[CaptureLine]) -> None:
    line = find(lines, "test_candles_snapshot")
    event = single(KrakenV2Protocol().receive(line.raw))
    assert isinstance(event, ChannelData)
    assert (event.key, event.kind) == (("ohlc", "ETH/USD", 1), EventKind.SNAPSHOT)
    data = line.exact_message["data"]
    assert len(event.items) == 2
    for candle, item in zip(event.items, data, strict=True):
        assert isinstance(candle, Kline)
        assert_fields_equal(candle, item)
    assert event.items[0].interval_begin == datetime(2024, 5, 17, 11, 12, tzinfo=UTC)
    assert str(event.items[0].open) == "3027.80"


def test_instrument_snapshot_fills_the_instrument_cache(lines: list[CaptureLine]) -> None:
    protocol = KrakenV2Protocol()
    event = single(protocol.receive(find(lines, "test_instruments_snapshot").raw))
    assert isinstance(event, ChannelData)
    assert (event.key, event.kind) == (("instrument", "", None), EventKind.SNAPSHOT)
    assert [p.symbol for p in event.items] == ["EUR/USD", "ETH/BTC"]
    assert all(isinstance(p, Instrument) for p in event.items)
    assert set(protocol.instruments.pairs) == {"EUR/USD", "ETH/BTC"}
    assert set(protocol.instruments.assets) == {"USD", "EUR", "ETH"}
    eth_btc = protocol.instruments.pair("ETH/BTC")
    assert (eth_btc.price_precision, eth_btc.qty_precision) == (5, 8)
    assert str(eth_btc.qty_min) == "0.00200000"


def test_book_messages_without_a_subscription_are_unhandled(lines: list[CaptureLine]) -> None:
    protocol = KrakenV2Protocol()
    only_unhandled(
        protocol, protocol.receive(find(lines, "test_book_snapshot").raw), "book:unknown-symbol"
    )


def test_trimmed_book_fixture_is_applied_but_does_not_verify(
    lines: list[CaptureLine], instrument_frame: bytes
) -> None:
    """The author trimmed the snapshot to 5 levels, so its checksum (of the full book) cannot
    match (captures README §4): the levels are applied, the mismatch detected, and updates are
    ignored until a new snapshot."""
    protocol = KrakenV2Protocol()
    protocol.receive(instrument_frame)
    protocol.subscribe("book", ["BTC/USD"], depth=10)
    snapshot = find(lines, "test_book_snapshot")
    event = single(protocol.receive(snapshot.raw))
    assert isinstance(event, BookData)
    assert (event.key, event.kind, event.result) == (
        ("book", "BTC/USD", None),
        EventKind.SNAPSHOT,
        ApplyResult.MISMATCH,
    )
    book = event.book.snapshot()
    wire_book = snapshot.exact_message["data"][0]
    assert [(lv.price, lv.qty) for lv in book.bids] == [
        (lv["price"], lv["qty"]) for lv in wire_book["bids"]
    ]
    assert [(lv.price, lv.qty) for lv in book.asks] == [
        (lv["price"], lv["qty"]) for lv in wire_book["asks"]
    ]
    for label in ("test_book_update", "test_deserializing_l2_update"):
        event = single(protocol.receive(find(lines, label).raw))
        assert isinstance(event, BookData)
        assert event.result is ApplyResult.IGNORED
    assert protocol.books["BTC/USD"].counters.checksum_mismatches == 1


# --- the protocol: responses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "channel", "symbol", "options"),
    [
        ("get_ticker_subscription_response", "ticker", "BTC/USD", {"event_trigger": "trades"}),
        ("get_book_subscription_response", "book", "BTC/USD", {"depth": 10}),
        ("get_ohlc_subscription_response", "ohlc", "ETH/USD", {"interval": 60}),
        ("get_trade_subscription_response", "trade", "BTC/USD", {"snapshot": True}),
        ("get_instruments_subscription_response", "instrument", None, {}),
    ],
)
def test_subscribe_acks_complete_the_pending_request(
    lines: list[CaptureLine],
    instrument_frame: bytes,
    label: str,
    channel: str,
    symbol: str | None,
    options: dict[str, Any],
) -> None:
    protocol = KrakenV2Protocol()
    protocol.receive(instrument_frame)
    request = protocol.subscribe(channel, [symbol] if symbol else [], **options)
    events = protocol.receive(with_req_id(find(lines, label).raw, request.req_id))
    done = single(events)
    assert isinstance(done, RequestDone), done
    assert (done.req_id, done.method, done.errors) == (request.req_id, "subscribe", [])
    [result] = done.results
    assert isinstance(result, wire.SubscribeResult)
    assert (result.channel, result.symbol) == (channel, symbol)
    interval = options.get("interval")
    assert (channel, symbol or "", interval) in protocol.streams
    assert protocol.pending_request_ids() == []
    assert not protocol.unhandled


def test_subscribe_rejection_for_a_symbol_carries_the_exact_text(
    lines: list[CaptureLine],
) -> None:
    protocol = KrakenV2Protocol()
    request = protocol.subscribe("ticker", ["WWW/USD"])
    line = find(lines, "test_deserializing_subscribe_error_message")
    done = single(protocol.receive(with_req_id(line.raw, request.req_id)))
    assert isinstance(done, RequestDone)
    assert (done.req_id, done.method, done.results) == (request.req_id, "subscribe", [])
    [error] = done.errors
    assert isinstance(error, SubscriptionError)
    assert error.error == "Currency pair not supported WWW/USD"
    assert (error.symbol, error.req_id, error.method) == ("WWW/USD", request.req_id, "subscribe")
    assert protocol.streams == {}
    assert protocol.pending_request_ids() == []


@pytest.mark.parametrize(
    ("label", "contains", "text"),
    [
        ("test_error_messages", "Unsupported event", "Unsupported event"),
        ("test_deserializing_error_message", "", "ESession:Invalid session"),
    ],
)
def test_subscribe_rejection_without_symbol_completes_the_whole_request(
    lines: list[CaptureLine], label: str, contains: str, text: str
) -> None:
    protocol = KrakenV2Protocol()
    request = protocol.subscribe("trade", ["BTC/USD", "ETH/USD", "SOL/USD"])
    line = find(lines, label, contains)
    done = single(protocol.receive(with_req_id(line.raw, request.req_id)))
    assert isinstance(done, RequestDone)
    assert (done.req_id, done.results) == (request.req_id, [])
    [error] = done.errors
    assert isinstance(error, SubscriptionError)
    assert (error.error, error.symbol) == (text, None)
    assert protocol.pending_request_ids() == []


def test_ping_rejection_is_a_request_error(lines: list[CaptureLine]) -> None:
    protocol = KrakenV2Protocol()
    ping = protocol.ping()
    line = find(lines, "test_error_messages", '"method":"ping"')
    done = single(protocol.receive(with_req_id(line.raw, ping.req_id)))
    assert isinstance(done, RequestDone)
    assert (done.req_id, done.method, done.results) == (ping.req_id, "ping", [])
    [error] = done.errors
    # a refused request, not a subscription, and typed by the table (an unknown field)
    assert isinstance(error, RequestError)
    assert isinstance(error, InvalidArgumentsError)
    assert not isinstance(error, SubscriptionError)
    assert error.error == "Unsupported field: 'params' for the given msg type: ping"
    assert (error.text, error.category, error.code) == (error.error, None, None)


def test_pong_completes_the_ping(lines: list[CaptureLine]) -> None:
    protocol = KrakenV2Protocol()
    ping = protocol.ping()
    done = single(protocol.receive(with_req_id(find(lines, "get_pong").raw, ping.req_id)))
    assert isinstance(done, RequestDone)
    assert (done.req_id, done.method, done.errors) == (ping.req_id, "ping", [])
    assert protocol.pending_request_ids() == []


# --- private messages: out of scope, unhandled, no crash ----------------------------------------


def test_private_messages_are_unhandled(lines: list[CaptureLine]) -> None:
    private_acks = [
        line
        for line in lines
        if line.message.get("method") == "subscribe"
        and line.message.get("result", {}).get("channel") in ("executions", "balances", "level3")
    ]
    assert len(private_acks) == 3
    out_of_scope = [line for line in lines if not in_scope(line)] + private_acks
    problems = []
    for line in out_of_scope:
        protocol = KrakenV2Protocol()
        events = protocol.receive(line.raw)
        message = line.message
        if "channel" in message:
            expected = (message["channel"], None)
        else:
            expected = (f"response:{message['method']}", "unknown req_id")
        got = [(e.kind, e.reason) for e in events if isinstance(e, Unhandled)]
        if len(events) != 1 or len(got) != 1 or got[0][0] != expected[0]:
            problems.append(f"{line}: {events}")
        elif expected[1] is not None and got[0][1] != expected[1]:
            problems.append(f"{line}: reason {got[0][1]!r}")
        elif protocol.unhandled != Counter({expected[0]: 1}):
            problems.append(f"{line}: counted {protocol.unhandled}")
    assert not problems, "\n".join(problems)


# --- everything, in file order, through one protocol --------------------------------------------


def test_whole_file_through_one_protocol(lines: list[CaptureLine], instrument_frame: bytes) -> None:
    protocol = KrakenV2Protocol()
    protocol.receive(instrument_frame)
    request = protocol.subscribe("book", ["BTC/USD"])
    protocol.receive(with_req_id(find(lines, "get_book_subscription_response").raw, request.req_id))
    events: list[Event] = []
    for line in lines:
        produced = protocol.receive(line.raw)
        assert len(produced) == 1, f"{line}: {produced}"
        events += produced
    kinds = Counter(type(e).__name__ for e in events)
    assert kinds == {
        "Heartbeat": 1,
        "StatusChanged": 3,
        "ChannelData": 6,
        "BookData": 3,
        "Unhandled": 38,
    }
    results = [e.result for e in events if isinstance(e, BookData)]
    assert results == [ApplyResult.MISMATCH, ApplyResult.IGNORED, ApplyResult.IGNORED]
    assert protocol.unhandled == {
        "level3": 2,
        "executions": 6,
        "balances": 3,
        "response:subscribe": 11,  # 3 errors, 8 acks: none of these req_ids is pending
        "response:ping": 1,
        "response:pong": 1,
        "response:add_order": 4,
        "response:amend_order": 2,
        "response:edit_order": 2,
        "response:cancel_order": 2,
        "response:cancel_all": 1,
        "response:cancel_all_orders_after": 1,
        "response:batch_add": 1,
        "response:batch_cancel": 1,
    }
    assert sum(isinstance(e, Unhandled) for e in events) == protocol.unhandled.total()
