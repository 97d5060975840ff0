"""CoinEx v1 public protocol: JSON-RPC requests, one subscription per channel and
connection, books verified on every push, state, deals, klines, queries, and bad input as
counted Unhandled."""

from __future__ import annotations

import json
import zlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spotstream.book.tracked import ApplyResult
from spotstream.errors import (
    AuthenticationError,
    ChecksumMismatchError,
    InvalidArgumentsError,
    InvalidRequestError,
    SubscriptionError,
)
from spotstream.models.enums import BookStatus, EventKind, OrderSide
from spotstream.models.market import BookSnapshot, Kline, Ticker, Trade
from spotstream.protocol.coinex.v1.public import CoinExV1Protocol, merge_interval
from spotstream.protocol.coinex.v2.core import Subscribed
from spotstream.protocol.events import BookData, ChannelData, RequestDone, Unhandled

BIDS = [["46349.61", "0.04000000"], ["46349.00", "1.50000000"]]
ASKS = [["46350.52", "1.07871851"], ["46351.00", "0.20000000"]]


def crc(bids: list[list[str]], asks: list[list[str]]) -> int:
    parts = [f"{p}:{q}" for p, q in bids] + [f"{p}:{q}" for p, q in asks]
    return zlib.crc32(":".join(parts).encode())


def frame(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


def sent(out: Any) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(out.frame)
    return value


def ok(req_id: int, result: Any = None) -> bytes:
    return frame({"error": None, "result": result or {"status": "success"}, "id": req_id})


def depth_push(clean: bool, bids: Any, asks: Any, checksum: int, market: str = "BTCUSDT") -> bytes:
    depth = {"asks": asks, "bids": bids, "last": "46349.93", "time": 1639987469166}
    return frame(
        {
            "method": "depth.update",
            "params": [clean, {**depth, "checksum": checksum}, market],
            "id": None,
        }
    )


def subscribed_book(diff: bool = True) -> CoinExV1Protocol:
    protocol = CoinExV1Protocol()
    out = protocol.subscribe_stream("book", ["BTC/USDT"], {"depth": 10, "diff": diff})
    assert sent(out) == {
        "method": "depth.subscribe",
        "params": ["BTCUSDT", 10, "0", diff],
        "id": out.req_id,
    }
    [done] = protocol.receive(ok(out.req_id))
    assert isinstance(done, RequestDone)
    assert done.results == [Subscribed("BTCUSDT")]
    return protocol


def test_book_snapshot_then_diffs_verify_and_a_zero_deletes() -> None:
    protocol = subscribed_book()
    [event] = protocol.receive(depth_push(True, BIDS, ASKS, crc(BIDS, ASKS)))
    assert isinstance(event, BookData)
    assert event.result is ApplyResult.VERIFIED
    assert event.kind is EventKind.SNAPSHOT
    bids = [BIDS[1]]
    [event] = protocol.receive(depth_push(False, [["46349.61", "0"]], [], crc(bids, ASKS)))
    assert event.result is ApplyResult.VERIFIED
    assert event.kind is EventKind.UPDATE
    book = protocol.books["BTCUSDT"].snapshot()
    assert [level.price for level in book.bids] == [Decimal("46349.00")]
    assert book.timestamp == datetime(2021, 12, 20, 8, 4, 29, 166000, tzinfo=UTC)


def test_a_wrong_checksum_is_a_mismatch_and_resync_resubscribes_the_same_params() -> None:
    protocol = subscribed_book(diff=False)
    [event] = protocol.receive(depth_push(True, BIDS, ASKS, crc(BIDS, ASKS) ^ 1))
    assert event.result is ApplyResult.MISMATCH
    [out] = protocol.resync_book("BTCUSDT")
    assert sent(out)["params"] == ["BTCUSDT", 10, "0", False]
    assert protocol.books["BTCUSDT"].status is BookStatus.RESYNCING


def test_a_negative_or_text_checksum_is_read_unsigned() -> None:
    protocol = subscribed_book()
    signed = crc(BIDS, ASKS) - (1 << 32) if crc(BIDS, ASKS) >= 1 << 31 else crc(BIDS, ASKS)
    [event] = protocol.receive(depth_push(True, BIDS, ASKS, signed))
    assert event.result is ApplyResult.VERIFIED


def test_an_unreadable_depth_push_makes_the_book_untrusted() -> None:
    protocol = subscribed_book()
    protocol.receive(depth_push(True, BIDS, ASKS, crc(BIDS, ASKS)))
    bad = frame({"method": "depth.update", "params": [False, {"asks": "x"}, "BTCUSDT"], "id": None})
    events = protocol.receive(bad)
    assert isinstance(events[0], Unhandled)
    assert isinstance(events[1], BookData)
    assert events[1].result is ApplyResult.INVALID
    assert protocol.books["BTCUSDT"].status is BookStatus.RESYNCING


def test_one_subscription_per_channel_and_connection() -> None:
    protocol = subscribed_book()
    assert protocol.can_hold("book", "BTCUSDT", {"depth": 10})
    assert not protocol.can_hold("book", "ETHUSDT", {"depth": 10})
    assert not protocol.can_hold("book", "BTCUSDT", {"depth": 20})
    assert protocol.can_hold("trade", "ETHUSDT", {})
    with pytest.raises(InvalidRequestError, match="already holds BTCUSDT"):
        protocol.subscribe_stream("book", ["ETHUSDT"], {"depth": 10})
    out = protocol.unsubscribe_stream("book", ["BTCUSDT"], {})
    assert sent(out)["method"] == "depth.unsubscribe"
    assert sent(out)["params"] == ["BTCUSDT", 10, "0", True]  # CoinEx.Net's form
    assert protocol.can_hold("book", "ETHUSDT", {"depth": 10})


@pytest.mark.parametrize(
    ("options", "why"),
    [({"depth": 7}, "depth"), ({"interval": "0.5"}, "interval"), ({"diff": "yes"}, "diff")],
)
def test_bad_book_options_are_refused_before_sending(options: dict[str, Any], why: str) -> None:
    protocol = CoinExV1Protocol()
    with pytest.raises(InvalidRequestError, match=why):
        protocol.subscribe_stream("book", ["BTCUSDT"], options)
    assert protocol.held == {}


def test_merge_depth_maps_as_coinex_net_does() -> None:
    assert [merge_interval(d) for d in range(9)] == [
        "0.00000001", "0.0000001", "0.000001", "0.00001", "0.0001", "0.001", "0.01", "0.1", "0",
    ]  # fmt: skip
    with pytest.raises(InvalidRequestError):
        merge_interval(9)


def test_state_pushes_per_market_and_for_all_markets() -> None:
    protocol = CoinExV1Protocol()
    out = protocol.subscribe_stream("ticker", [""], {})
    assert sent(out)["params"] == []
    protocol.receive(ok(out.req_id))
    state = {
        "close": "430.33", "deal": "1574489.51", "high": "445.68", "last": "430.33",
        "low": "420.32", "open": "434.11", "period": 86400, "volume": "3624.85",
        "sell_total": "13.66", "buy_total": "2.76",
    }  # fmt: skip
    push = frame(
        {"method": "state.update", "params": [{"ETHUSDT": state, "BTCUSDT": state}], "id": None}
    )
    events = protocol.receive(push)
    keys = [e.key for e in events if isinstance(e, ChannelData)]
    assert keys == [("ticker", "ETHUSDT", None), ("ticker", "BTCUSDT", None), ("ticker", "", None)]
    ticker = events[0].items[0]
    assert isinstance(ticker, Ticker)
    assert ticker.value == Decimal("1574489.51")
    assert ticker.change == Decimal("-3.78")
    assert ticker.taker_buy_volume == Decimal("2.76")


def test_deals_first_list_is_a_snapshot_then_only_new_ones_oldest_first() -> None:
    protocol = CoinExV1Protocol()
    out = protocol.subscribe_stream("trade", ["BTCUSDT"], {})
    protocol.receive(ok(out.req_id))

    def deals(*ids: int) -> bytes:
        items = [
            {
                "id": i,
                "time": 1642755727.8401761,
                "type": "sell",
                "price": "39121.21",
                "amount": "0.1",
            }
            for i in ids
        ]
        return frame({"method": "deals.update", "params": ["BTCUSDT", items], "id": None})

    [first] = protocol.receive(deals(3, 2, 1))
    assert first.kind is EventKind.SNAPSHOT
    assert [t.trade_id for t in first.items] == [1, 2, 3]
    [second] = protocol.receive(deals(5, 4, 3))
    assert second.kind is EventKind.UPDATE
    assert [t.trade_id for t in second.items] == [4, 5]
    trade = second.items[0]
    assert isinstance(trade, Trade)
    assert trade.side is OrderSide.SELL
    assert trade.timestamp == datetime(2022, 1, 21, 9, 2, 7, 840176, tzinfo=UTC)
    assert protocol.receive(deals(5)) == []


def test_kline_push_and_its_interval() -> None:
    protocol = CoinExV1Protocol()
    with pytest.raises(InvalidRequestError, match="kline interval"):
        protocol.subscribe_stream("kline", ["BTCUSDT"], {"interval": 61})
    out = protocol.subscribe_stream("kline", ["BTCUSDT"], {"interval": 300})
    assert sent(out)["params"] == ["BTCUSDT", 300]
    protocol.receive(ok(out.req_id))
    row = [1542057300, "3586.7", "3586.6", "3586.9", "3586.5", "0.03373", "120.99", "BTCUSDT"]
    [event] = protocol.receive(frame({"method": "kline.update", "params": [row], "id": None}))
    candle = event.items[0]
    assert isinstance(candle, Kline)
    assert candle.interval == 5
    assert (candle.open, candle.close, candle.high, candle.low) == tuple(
        Decimal(x) for x in ("3586.7", "3586.6", "3586.9", "3586.5")
    )
    assert candle.value == Decimal("120.99")
    assert candle.trades is None


def test_queries_parse_their_results() -> None:
    protocol = CoinExV1Protocol()
    out = protocol.depth_query("BTCUSDT", 10, "0")
    assert sent(out)["params"] == ["BTCUSDT", 10, "0"]
    depth = {
        "asks": ASKS,
        "bids": BIDS,
        "last": "1",
        "time": 1639987469166,
        "checksum": crc(BIDS, ASKS),
    }
    [done] = protocol.receive(ok(out.req_id, depth))
    snapshot = done.results[0]
    assert isinstance(snapshot, BookSnapshot)
    assert snapshot.status is BookStatus.SYNCED
    assert snapshot.asks[0].price == Decimal("46350.52")
    out = protocol.depth_query("BTCUSDT", 10, "0")
    [done] = protocol.receive(ok(out.req_id, {**depth, "checksum": 1}))
    assert done.results == []
    assert isinstance(done.errors[0], ChecksumMismatchError)
    out = protocol.server_time()
    [done] = protocol.receive(ok(out.req_id, 1700000000))
    assert done.results == [1700000000]
    out = protocol.kline_query(
        "BTCUSDT", datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC), 3600
    )
    assert sent(out)["params"] == ["BTCUSDT", 1704067200, 1704153600, 3600]


def test_refusals_are_typed_by_code() -> None:
    protocol = CoinExV1Protocol()
    out = protocol.subscribe_stream("trade", ["NOPE"], {})
    error = {"error": {"code": 1, "message": "invalid argument"}, "result": None, "id": out.req_id}
    [done] = protocol.receive(frame(error))
    assert isinstance(done.errors[0], SubscriptionError)
    assert isinstance(done.errors[0], InvalidArgumentsError)
    assert protocol.held == {}  # never sent again
    out = protocol.ticker_query("BTCUSDT")
    error = {
        "error": {"code": 6, "message": "require authentication"},
        "result": None,
        "id": out.req_id,
    }
    [done] = protocol.receive(frame(error))
    assert isinstance(done.errors[0], AuthenticationError)


@pytest.mark.parametrize(
    "bad",
    [
        b"not json",
        b'{"method":"depth.update","params":[1,2],"id":null}',
        b'{"id":99,"error":null,"result":1}',
        b"[]",
    ],
)
def test_bad_frames_are_counted_never_raised(bad: bytes) -> None:
    protocol = CoinExV1Protocol()
    events = protocol.receive(bad)
    assert all(isinstance(e, Unhandled) for e in events)
    assert events
    assert sum(protocol.unhandled.values()) == len(events)
