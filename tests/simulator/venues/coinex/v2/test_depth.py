"""CoinEx v2 ``depth`` over the socket: every limit, incremental window maintenance checked by
recomputing the checksum of a book built from the pushes, full pushes, replace semantics,
unsubscribe, merging and the corrupted-checksum fault."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from simulator.coinex_client import CoinExClient, ReferenceBook, connect, is_push
from spotstream.simulator import Simulator
from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS

PUSHES = 80


def _depth(market: str, limit: int, interval: str = "0", if_full: bool = False) -> list[Any]:
    return [market, limit, interval, if_full]


async def _follow(cx: CoinExClient, book: ReferenceBook, count: int, market: str) -> list[Any]:
    pushes = []
    for _ in range(count):
        push = await cx.until(is_push("depth.update", market))
        book.apply(push)
        pushes.append(push)
    return pushes


@pytest.mark.parametrize("limit", [5, 10, 20, 50])
async def test_incremental_pushes_keep_the_top_window(cx: CoinExClient, limit: int) -> None:
    answer = await cx.request("depth.subscribe", {"market_list": [_depth("BTCUSDT", limit)]})
    assert answer == {"id": 1, "code": 0, "message": "OK"}
    book = ReferenceBook(2, 8)
    pushes = await _follow(cx, book, PUSHES, "BTCUSDT")
    assert pushes[0]["data"]["is_full"] is True
    assert not any(p["data"]["is_full"] for p in pushes[1:])  # no minute passed
    assert len(book.bids) == len(book.asks) == limit  # never truncated by the client
    assert book.deletions > 0  # levels left the window as explicit "0"s
    assert max(book.bids) < min(book.asks)
    for push in pushes:
        depth = push["data"]["depth"]
        assert set(depth) == {"asks", "bids", "checksum", "last", "updated_at"}
        for price, amount in depth["asks"] + depth["bids"]:
            assert len(price.partition(".")[2]) == 2  # the pair's fixed decimals
            assert amount == "0" or len(amount.partition(".")[2]) == 8


async def test_if_full_sends_the_whole_window_every_push(cx: CoinExClient) -> None:
    await cx.request("depth.subscribe", {"market_list": [_depth("ETHUSDT", 10, if_full=True)]})
    book = ReferenceBook(2, 8)
    pushes = await _follow(cx, book, 30, "ETHUSDT")
    for push in pushes:
        depth = push["data"]["depth"]
        assert push["data"]["is_full"] is True
        assert len(depth["bids"]) == len(depth["asks"]) == 10
        assert all(Decimal(amount) > 0 for _, amount in depth["bids"] + depth["asks"])


async def test_a_merge_interval_groups_levels(cx: CoinExClient) -> None:
    await cx.request("depth.subscribe", {"market_list": [_depth("BTCUSDT", 10, "1")]})
    book = ReferenceBook(2, 8)
    await _follow(cx, book, 30, "BTCUSDT")
    assert len(book.bids) == len(book.asks) == 10
    assert all(price == price.to_integral_value() for price in [*book.bids, *book.asks])


async def test_a_subscribe_replaces_the_earlier_list(cx: CoinExClient) -> None:
    await cx.request("depth.subscribe", {"market_list": [_depth("BTCUSDT", 5)]})
    await cx.until(is_push("depth.update", "BTCUSDT"))
    await cx.request("depth.subscribe", {"market_list": [_depth("ETHUSDT", 5)]})
    book = ReferenceBook(2, 8)
    after = await _follow(cx, book, 30, "ETHUSDT")
    assert after[0]["data"]["is_full"] is True
    answer_at = next(i for i, m in enumerate(cx.received) if m.get("id") == 2)
    later = [m for m in cx.received[answer_at:] if m.get("method") == "depth.update"]
    assert {m["data"]["market"] for m in later} == {"ETHUSDT"}


async def test_one_subscribe_lists_many_markets() -> None:
    xrp = replace(DEFAULT_INSTRUMENTS[2], symbol="XRP/USDT", quote="USDT")
    async with Simulator(seed=4, rate=400, instruments=(*DEFAULT_INSTRUMENTS, xrp)) as sim:
        sim.coinex.hub.push_interval_ns = 0
        cx = await connect(sim.urls["coinex_v2"])
        markets = ["BTCUSDT", "ETHUSDT", "XRPUSDT"]
        await cx.request("depth.subscribe", {"market_list": [_depth(m, 5) for m in markets]})
        books = {"BTCUSDT": ReferenceBook(2, 8), "ETHUSDT": ReferenceBook(2, 8)}
        books["XRPUSDT"] = ReferenceBook(5, 8)
        while min(book.pushes for book in books.values()) < 10:
            push = await cx.until(is_push("depth.update"))
            books[push["data"]["market"]].apply(push)
        await cx.close()


async def test_unsubscribe_by_market_name(cx: CoinExClient, sim: Simulator) -> None:
    await cx.request("deals.subscribe", {"market_list": ["BTCUSDT"]})  # keeps it moving
    await cx.request(
        "depth.subscribe", {"market_list": [_depth("BTCUSDT", 5), _depth("ETHUSDT", 5)]}
    )
    await cx.until(is_push("depth.update", "ETHUSDT"))
    answer = await cx.request("depth.unsubscribe", {"market_list": ["ETHUSDT"]})
    assert answer["code"] == 0
    start = len(cx.received)
    steps = sim.engine.steps
    for _ in range(10):
        await cx.until(is_push("depth.update", "BTCUSDT"))
    assert sim.engine.steps > steps
    later = [m for m in cx.received[start:] if m.get("method") == "depth.update"]
    assert {m["data"]["market"] for m in later} == {"BTCUSDT"}
    await cx.request("depth.unsubscribe", {"market_list": []})
    assert not sim.coinex.hub.depth


async def test_a_corrupted_checksum_fault(cx: CoinExClient, sim: Simulator) -> None:
    await cx.request("depth.subscribe", {"market_list": [_depth("BTCUSDT", 10)]})
    book = ReferenceBook(2, 8)
    await _follow(cx, book, 5, "BTCUSDT")
    sim.faults.corrupt_next_checksum("BTC/USDT")  # the pair's name, as for Kraken
    push = await cx.until(is_push("depth.update", "BTCUSDT"))
    with pytest.raises(AssertionError):
        book.apply(push)  # the levels are right, the checksum is not
    assert book.checksum() == (push["data"]["depth"]["checksum"] - 1) & 0xFFFFFFFF
    await _follow(cx, book, 10, "BTCUSDT")  # once only
