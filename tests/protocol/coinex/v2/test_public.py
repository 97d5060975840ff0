"""CoinEx v2 public protocol: requests with replace semantics, answers, books verified on
every push, deals, state, bbo, index, notices, and bad input as counted Unhandled."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from typing import Any

import pytest

from spotstream.book.tracked import ApplyResult
from spotstream.errors import (
    AuthenticationError,
    InvalidArgumentsError,
    InvalidRequestError,
    RateLimitError,
    SubscriptionError,
)
from spotstream.models.enums import BookStatus, EventKind, OrderSide
from spotstream.models.market import IndexPrice, Maintenance, Spread, Ticker, Trade
from spotstream.protocol.coinex.v2.core import Subscribed
from spotstream.protocol.coinex.v2.public import CoinExV2Protocol
from spotstream.protocol.events import BookData, ChannelData, RequestDone, Unhandled

BIDS = [["30736.00", "0.04857373"], ["30733.00", "0.84696320"], ["30725.00", "0.12563353"]]
ASKS = [["30740.00", "0.31763545"], ["30769.00", "1.45155000"]]


def gz(message: dict[str, Any]) -> bytes:
    return gzip.compress(json.dumps(message).encode())


def sent(frame: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(frame)
    return value


def ok(req_id: int) -> bytes:
    return gz({"id": req_id, "code": 0, "message": "OK"})


def depth(
    market: str, full: bool, bids: list[list[str]], asks: list[list[str]], cs: object
) -> bytes:
    data = {"asks": asks, "bids": bids, "last": "30746.28", "updated_at": 1689152421692}
    data["checksum"] = cs
    return gz({"method": "depth.update", "data": {"market": market, "is_full": full,
                                                    "depth": data}, "id": None})  # fmt: skip


def subscribed_book(p: CoinExV2Protocol, market: str = "BTCUSDT", **options: Any) -> None:
    out = p.subscribe_stream("book", [market], {"depth": 10, **options})
    p.receive(ok(out.req_id))


# --- requests -------------------------------------------------------------------------------


def test_each_subscribe_sends_the_whole_set_per_channel() -> None:
    p = CoinExV2Protocol()
    first = sent(p.subscribe_stream("book", ["BTCUSDT"], {"depth": 10}).frame)
    assert first["method"] == "depth.subscribe"
    assert first["params"] == {"market_list": [["BTCUSDT", 10, "0", False]]}
    second = sent(p.subscribe_stream("book", ["eth/usdt"], {"depth": 50, "full": True}).frame)
    assert second["params"]["market_list"] == [
        ["BTCUSDT", 10, "0", False],
        ["ETHUSDT", 50, "0", True],
    ]
    assert second["id"] == first["id"] + 1
    tick = sent(p.subscribe_stream("ticker", ["BTCUSDT", "ETHUSDT"], {}).frame)
    assert tick == {"method": "state.subscribe", "params": {"market_list": ["BTCUSDT", "ETHUSDT"]},
                    "id": second["id"] + 1}  # fmt: skip


def test_all_markets_is_an_empty_list_and_leaving_it_keeps_the_others() -> None:
    p = CoinExV2Protocol()
    p.subscribe_stream("ticker", ["BTCUSDT"], {})
    everything = sent(p.subscribe_stream("ticker", [], {}).frame)
    assert everything["params"] == {"market_list": []}
    leave = sent(p.unsubscribe_stream("ticker", [""], {}).frame)
    assert leave["method"] == "state.subscribe"  # replace: only BTCUSDT stays
    assert leave["params"] == {"market_list": ["BTCUSDT"]}
    last = sent(p.unsubscribe_stream("ticker", ["BTCUSDT"], {}).frame)
    assert last == {"method": "state.unsubscribe", "params": {"market_list": ["BTCUSDT"]},
                    "id": leave["id"] + 1}  # fmt: skip


def test_depth_unsubscribes_by_market_name() -> None:
    p = CoinExV2Protocol()
    p.subscribe_stream("book", ["BTCUSDT", "ETHUSDT"], {"depth": 5})
    out = sent(p.unsubscribe_stream("book", ["ETHUSDT"], {"depth": 5}).frame)
    assert out["method"] == "depth.unsubscribe"
    assert out["params"] == {"market_list": ["ETHUSDT"]}
    again = sent(p.subscribe_stream("book", ["XRPUSDT"], {"depth": 5}).frame)
    assert [m[0] for m in again["params"]["market_list"]] == ["BTCUSDT", "XRPUSDT"]


@pytest.mark.parametrize(
    "options",
    [{"depth": 25}, {"depth": 10, "interval": "0.5"}, {"depth": 10, "full": "yes"}],
)
def test_bad_depth_options_are_refused_before_anything_is_sent(options: dict[str, Any]) -> None:
    p = CoinExV2Protocol()
    with pytest.raises(InvalidRequestError):
        p.subscribe_stream("book", ["BTCUSDT"], options)
    assert p.wanted.get("book", {}) == {}
    assert p.pending_request_ids() == []


def test_unknown_channels_and_all_market_books_are_refused() -> None:
    p = CoinExV2Protocol()
    with pytest.raises(InvalidRequestError):
        p.subscribe_stream("kline", ["BTCUSDT"], {})
    with pytest.raises(InvalidRequestError):
        p.subscribe_stream("orders", [], {})  # private: not on this protocol
    with pytest.raises(InvalidRequestError):
        p.subscribe_stream("book", [], {"depth": 10})


def test_notice_subscribes_the_maintenance_channel() -> None:
    p = CoinExV2Protocol()
    out = sent(p.subscribe_stream("notice", [], {}).frame)
    assert out["method"] == "notice.subscribe"
    assert out["params"] == {"channels": [101]}


def test_ping_and_time() -> None:
    p = CoinExV2Protocol()
    ping = p.ping()
    assert sent(ping.frame) == {"method": "server.ping", "params": {}, "id": ping.req_id}
    [done] = p.receive(gz({"id": ping.req_id, "code": 0, "message": "OK",
                           "data": {"result": "pong"}}))  # fmt: skip
    assert isinstance(done, RequestDone)
    assert done.method == "ping"
    assert not done.errors
    time = p.server_time()
    [done] = p.receive(gz({"id": time.req_id, "code": 0, "message": "OK",
                           "data": {"timestamp": 1642231731234}}))  # fmt: skip
    assert isinstance(done, RequestDone)
    assert done.results == [1642231731234]


# --- answers --------------------------------------------------------------------------------


def test_one_answer_confirms_every_market_the_request_added() -> None:
    p = CoinExV2Protocol()
    p.subscribe_stream("trade", ["BTCUSDT"], {})
    out = p.subscribe_stream("trade", ["ETHUSDT", "XRPUSDT"], {})
    [done] = p.receive(ok(out.req_id))
    assert isinstance(done, RequestDone)
    assert done.method == "subscribe"
    assert done.results == [Subscribed("ETHUSDT"), Subscribed("XRPUSDT")]
    assert ("trade", "ETHUSDT", None) in p.streams


@pytest.mark.parametrize(
    ("code", "why"),
    [(20001, InvalidArgumentsError), (21001, AuthenticationError), (23002, RateLimitError)],
)
def test_a_refusal_is_typed_by_code_and_keeps_the_text(code: int, why: type) -> None:
    p = CoinExV2Protocol()
    out = p.subscribe_stream("bbo", ["NOPEUSDT"], {})
    [done] = p.receive(gz({"id": out.req_id, "message": "invalid argument", "code": code}))
    assert isinstance(done, RequestDone)
    [error] = done.errors
    assert isinstance(error, SubscriptionError)
    assert isinstance(error, why)
    assert error.code == code
    assert error.text == "invalid argument"
    assert p.wanted["bbo"] == {}  # a refused market is never sent again


def test_an_answer_to_no_request_is_unhandled() -> None:
    p = CoinExV2Protocol()
    [event] = p.receive(ok(99))
    assert isinstance(event, Unhandled)
    assert p.unhandled["response"] == 1


def test_text_frames_are_accepted_too() -> None:
    p = CoinExV2Protocol()
    out = p.ping()
    [done] = p.receive(json.dumps({"id": out.req_id, "code": 0, "message": "OK"}))
    assert isinstance(done, RequestDone)


# --- books ----------------------------------------------------------------------------------


def test_full_then_incremental_pushes_verify_the_spec_vectors() -> None:
    p = CoinExV2Protocol()
    subscribed_book(p)
    [full] = p.receive(depth("BTCUSDT", True, BIDS, ASKS, 2460740606))
    assert isinstance(full, BookData)
    assert full.kind is EventKind.SNAPSHOT
    assert full.result is ApplyResult.VERIFIED
    book = p.books["BTCUSDT"]
    assert (book.price_precision, book.qty_precision) == (2, 8)
    [inc] = p.receive(depth("BTCUSDT", False, [["30733.00", "0"]], [["30741.50", "0.20000000"]],
                            78124507))  # fmt: skip
    assert isinstance(inc, BookData)
    assert inc.result is ApplyResult.VERIFIED
    snap = book.snapshot()
    assert [lv.price for lv in snap.bids] == [Decimal("30736.00"), Decimal("30725.00")]
    assert [lv.price for lv in snap.asks] == [
        Decimal("30740"),
        Decimal("30741.5"),
        Decimal("30769"),
    ]


@pytest.mark.parametrize(
    "checksum", [2460740606, 2460740606 - (1 << 32), "2460740606", "-1834226690"]
)
def test_the_checksum_compares_unsigned_in_any_form(checksum: object) -> None:
    p = CoinExV2Protocol()
    subscribed_book(p)
    [event] = p.receive(depth("BTCUSDT", True, BIDS, ASKS, checksum))
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.VERIFIED


def test_a_mismatch_on_a_full_push_is_caught_and_the_resync_resends_the_set() -> None:
    p = CoinExV2Protocol()
    subscribed_book(p, "BTCUSDT")
    subscribed_book(p, "ETHUSDT")
    [event] = p.receive(depth("BTCUSDT", True, BIDS, ASKS, 1682129109))
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.MISMATCH
    assert p.books["BTCUSDT"].status is BookStatus.RESYNCING
    [out] = p.resync_book("BTCUSDT")
    assert [m[0] for m in sent(out.frame)["params"]["market_list"]] == ["BTCUSDT", "ETHUSDT"]


def test_zero_levels_in_a_full_push_are_dropped_and_the_book_is_not_truncated() -> None:
    p = CoinExV2Protocol()
    subscribed_book(p, depth=5)
    asks = [*ASKS, ["30780.00", "0"]]
    [event] = p.receive(depth("BTCUSDT", True, BIDS, asks, 2460740606))
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.VERIFIED
    many = [[f"{30800 + i}.00", "1.00000000"] for i in range(8)]  # more than the limit: kept
    [event] = p.receive(depth("BTCUSDT", False, [], many, 0))
    assert len(p.books["BTCUSDT"].book.asks) == 10


def test_an_incremental_push_before_a_full_one_is_ignored() -> None:
    p = CoinExV2Protocol()
    subscribed_book(p)
    [event] = p.receive(depth("BTCUSDT", False, BIDS, ASKS, 2460740606))
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.IGNORED


def test_a_push_with_more_decimals_invalidates_then_the_next_full_push_fits() -> None:
    p = CoinExV2Protocol()
    subscribed_book(p)
    p.receive(depth("BTCUSDT", True, BIDS, ASKS, 2460740606))
    [event] = p.receive(depth("BTCUSDT", False, [["30735.005", "1.00000000"]], [], 0))
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.INVALID
    bids = [["30736.000", "0.04857373"]]
    from zlib import crc32

    [event] = p.receive(depth("BTCUSDT", True, bids, [], crc32(b"30736.000:0.04857373")))
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.VERIFIED
    assert p.books["BTCUSDT"].price_precision == 3


def test_an_unreadable_depth_push_invalidates_its_book() -> None:
    p = CoinExV2Protocol()
    subscribed_book(p)
    p.receive(depth("BTCUSDT", True, BIDS, ASKS, 2460740606))
    data = {"market": "BTCUSDT", "is_full": False, "depth": {"asks": "oops"}}
    bad = gz({"method": "depth.update", "data": data, "id": None})
    events = p.receive(bad)
    assert isinstance(events[0], Unhandled)
    assert isinstance(events[1], BookData)
    assert events[1].result is ApplyResult.INVALID
    [event] = p.receive(depth("BTCUSDT", False, BIDS, ASKS, 2460740606))
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.IGNORED


def test_a_bad_checksum_value_invalidates_the_book() -> None:
    p = CoinExV2Protocol()
    subscribed_book(p)
    p.receive(depth("BTCUSDT", True, BIDS, ASKS, 2460740606))
    unhandled, event = p.receive(depth("BTCUSDT", False, BIDS, ASKS, "x1"))
    assert isinstance(unhandled, Unhandled)
    assert unhandled.kind == "depth.update"
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.INVALID


def test_pushes_for_a_dropped_book_are_discarded_quietly() -> None:
    p = CoinExV2Protocol()
    subscribed_book(p)
    p.drop_book("BTCUSDT")
    assert p.receive(depth("BTCUSDT", True, BIDS, ASKS, 2460740606)) == []
    assert p.discarded == 1
    [event] = p.receive(depth("ETHUSDT", True, BIDS, ASKS, 2460740606))
    assert isinstance(event, Unhandled)
    assert event.kind == "book:unknown-market"


def test_a_lost_connection_forgets_the_sets_and_untrusts_the_books() -> None:
    p = CoinExV2Protocol()
    subscribed_book(p)
    p.receive(depth("BTCUSDT", True, BIDS, ASKS, 2460740606))
    p.connection_lost()
    assert p.wanted == {}
    assert p.streams == set()
    assert p.pending_request_ids() == []
    assert p.books["BTCUSDT"].status is BookStatus.RESYNCING


# --- market data ----------------------------------------------------------------------------

STATE = {"market": "LATUSDT", "last": "0.008157", "open": "0.008286", "close": "0.008157",
         "high": "0.008390", "low": "0.008106", "volume": "807714.49139758",
         "volume_sell": "286170.69645599", "volume_buy": "266161.23236408",
         "value": "6689.21644207", "period": 86400}  # fmt: skip


def test_state_maps_every_field_and_feeds_the_all_markets_stream() -> None:
    p = CoinExV2Protocol()
    p.subscribe_stream("ticker", [], {})
    events = p.receive(gz({"method": "state.update", "data": {"state_list": [STATE]}, "id": None}))
    assert [e.key for e in events if isinstance(e, ChannelData)] == [
        ("ticker", "LATUSDT", None),
        ("ticker", "", None),
    ]
    assert isinstance(events[0], ChannelData)
    [ticker] = events[0].items
    assert ticker == Ticker(
        symbol="LATUSDT", bid=None, bid_qty=None, ask=None, ask_qty=None,
        last=Decimal("0.008157"), volume=Decimal("807714.49139758"), vwap=None,
        low=Decimal("0.008106"), high=Decimal("0.008390"), change=Decimal("-0.000129"),
        change_pct=None, open=Decimal("0.008286"), close=Decimal("0.008157"),
        value=Decimal("6689.21644207"), taker_buy_volume=Decimal("266161.23236408"),
        taker_sell_volume=Decimal("286170.69645599"),
    )  # fmt: skip


def deals(ids: list[int]) -> bytes:
    deal_list = [{"deal_id": i, "created_at": 1689152421692, "side": "buy", "price": "30718.42",
                  "amount": "0.00000325"} for i in ids]  # fmt: skip
    return gz({"method": "deals.update", "data": {"market": "BTCUSDT", "deal_list": deal_list},
               "id": None})  # fmt: skip


def test_deals_first_push_is_a_snapshot_oldest_first_and_never_repeated() -> None:
    p = CoinExV2Protocol()
    p.subscribe_stream("trade", ["BTCUSDT"], {})
    [snap] = p.receive(deals([3514376759, 3514376758]))
    assert isinstance(snap, ChannelData)
    assert snap.kind is EventKind.SNAPSHOT
    assert [t.trade_id for t in snap.items] == [3514376758, 3514376759]
    trade = snap.items[0]
    assert trade == Trade("BTCUSDT", OrderSide.BUY, Decimal("30718.42"), Decimal("0.00000325"),
                          "", 3514376758, trade.timestamp)  # fmt: skip
    assert trade.timestamp.isoformat() == "2023-07-12T09:00:21.692000+00:00"
    [live] = p.receive(deals([3514376760]))
    assert isinstance(live, ChannelData)
    assert live.kind is EventKind.UPDATE
    p.connection_lost()
    p.subscribe_stream("trade", ["BTCUSDT"], {})
    [again] = p.receive(deals([3514376761, 3514376760, 3514376759]))
    assert isinstance(again, ChannelData)
    assert again.kind is EventKind.SNAPSHOT
    assert [t.trade_id for t in again.items] == [3514376761]
    assert p.receive(deals([3514376761])) == []


def test_bbo_index_and_notice() -> None:
    p = CoinExV2Protocol()
    [bbo] = p.receive(gz({"method": "bbo.update", "data": {"market": "ETHUSDT",
        "updated_at": 1642145331234, "best_bid_price": "20000", "best_bid_size": "0.1",
        "best_ask_price": "20001", "best_ask_size": "0.15"}, "id": None}))  # fmt: skip
    assert isinstance(bbo, ChannelData)
    assert bbo.key == ("bbo", "ETHUSDT", None)
    assert bbo.items == [Spread("ETHUSDT", Decimal("20000"), Decimal("20001"), Decimal("0.1"),
                                Decimal("0.15"), bbo.items[0].timestamp)]  # fmt: skip
    data = {"market": "ETHUSDT", "index_price": "40000.91"}
    [index] = p.receive(gz({"method": "index.update", "data": data, "id": None}))
    assert isinstance(index, ChannelData)
    assert index.items == [IndexPrice("ETHUSDT", Decimal("40000.91"))]
    window = {"started_at": 1700000000000, "ended_at": 1700003600000, "scope": ["SPOT"],
              "protect_duration_start": 1700003600000,
              "protect_duration_end": 1700004200000}  # fmt: skip
    for data in ([window], {"maintenance_list": [window]}):
        [notice] = p.receive(gz({"method": "notice.update", "data": data, "id": None}))
        assert isinstance(notice, ChannelData)
        assert notice.key == ("notice", "", None)
        [item] = notice.items
        assert isinstance(item, Maintenance)
        assert item.scope == ("SPOT",)
        assert item.end.isoformat() == "2023-11-14T23:13:20+00:00"


# --- bad input ------------------------------------------------------------------------------


def test_a_frame_that_inflates_beyond_the_limit_is_unhandled() -> None:
    p = CoinExV2Protocol(frame_limit=1000)
    bomb = gzip.compress(b'{"method":"state.update","data":{"state_list":[' + b" " * 5000 + b"]}}")
    [event] = p.receive(bomb)
    assert isinstance(event, Unhandled)
    assert event.kind == "frame-too-large"


@pytest.mark.parametrize(
    ("frame", "kind"),
    [
        (b"\x1f\x8bnot gzip", "malformed"),
        (gzip.compress(b"{nope"), "malformed"),
        (gzip.compress(b'{"method":"kline.update","data":{},"id":null}'), "kline.update"),
        (gzip.compress(b'{"method":"bbo.update","data":{"market":1},"id":null}'), "bbo.update"),
        (gzip.compress(b'{"code":0,"message":"OK","id":null}'), "response"),
    ],
)
def test_bad_frames_are_counted_never_raised(frame: bytes, kind: str) -> None:
    p = CoinExV2Protocol()
    [event] = p.receive(frame)
    assert isinstance(event, Unhandled)
    assert event.kind == kind
    assert p.unhandled[kind] == 1
