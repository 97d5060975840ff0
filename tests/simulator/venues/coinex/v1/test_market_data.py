"""CoinEx v1 public subscriptions over the socket: depth windows checked by their checksums,
full pushes, replace semantics, ``depth.subscribe_multi``, unsubscribe (``[]`` and the
subscribe's params), deals, klines, state, one book shared with v2, the checksum fault, and
max rate (the replayed tapes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from simulator.coinex_client import ReferenceBook
from simulator.coinex_client import connect as connect_v2
from simulator.coinex_client import is_push as is_v2_push
from simulator.coinex_v1_client import V1Book, V1Client, connect, is_push
from spotstream.simulator import Simulator

PUSHES = 60


async def _follow(v1: V1Client, book: V1Book, count: int, market: str) -> list[Any]:
    pushes = []
    for _ in range(count):
        push = await v1.until(is_push("depth.update", market))
        book.apply(push)
        pushes.append(push)
    return pushes


def _after(v1: V1Client, request_id: int, method: str) -> list[Any]:
    """The pushes of ``method`` received after the answer to ``request_id``."""
    at = next(i for i, m in enumerate(v1.received) if m.get("id") == request_id)
    return [m for m in v1.received[at:] if m.get("method") == method]


@pytest.mark.parametrize("limit", [5, 10, 20, 50])
async def test_diff_pushes_keep_the_top_window(v1: V1Client, limit: int) -> None:
    assert await v1.result("depth.subscribe", ["BTCUSDT", limit, "0"]) == {"status": "success"}
    book = V1Book()
    pushes = await _follow(v1, book, PUSHES, "BTCUSDT")  # every checksum checked
    assert pushes[0]["params"][0] is True  # clean: a full snapshot first
    assert not any(p["params"][0] for p in pushes[1:])  # diff is the default
    assert len(book.bids) == len(book.asks) == limit
    assert book.deletions > 0  # levels left the window as explicit "0"s
    assert max(book.bids) < min(book.asks)


async def test_diff_false_sends_the_whole_window(v1: V1Client) -> None:
    await v1.result("depth.subscribe", ["ETHUSDT", 10, "0", False])
    book = V1Book()
    for push in await _follow(v1, book, 20, "ETHUSDT"):
        clean, depth, market = push["params"]
        assert (clean, market) == (True, "ETHUSDT")
        assert len(depth["bids"]) == len(depth["asks"]) == 10
        assert all(Decimal(amount) > 0 for _, amount in depth["bids"] + depth["asks"])


async def test_a_second_depth_subscribe_replaces_the_first(v1: V1Client) -> None:
    await v1.result("depth.subscribe", ["BTCUSDT", 5, "0"])
    await v1.until(is_push("depth.update", "BTCUSDT"))
    second = await v1.send("depth.subscribe", ["ETHUSDT", 5, "0", True])
    book = V1Book()
    after = await _follow(v1, book, 30, "ETHUSDT")
    assert after[0]["params"][0] is True
    assert {m["params"][2] for m in _after(v1, second, "depth.update")} == {"ETHUSDT"}


async def test_subscribe_multi_follows_several_books(v1: V1Client, sim: Simulator) -> None:
    entries = [["BTCUSDT", 5, "0", True], ["ETHUSDT", 10, "0", True]]
    await v1.result("depth.subscribe_multi", entries)
    books = {"BTCUSDT": V1Book(), "ETHUSDT": V1Book()}
    while min(book.pushes for book in books.values()) < 15:
        push = await v1.until(is_push("depth.update"))
        books[push["params"][2]].apply(push)
    assert len(books["BTCUSDT"].bids) == 5
    assert len(books["ETHUSDT"].bids) == 10
    assert len(sim.coinex.hub_v1.depth) == 2
    # a plain subscribe replaces the multi set as well
    again = await v1.send("depth.subscribe", ["ETHUSDT", 10, "0"])
    await v1.until(lambda m: m.get("id") == again)
    assert list(sim.coinex.hub_v1.depth) == [("ETHUSDT", 10, "0")]


@pytest.mark.parametrize("params", [[], ["BTCUSDT", 5, "0", True]])
async def test_depth_unsubscribe_with_empty_or_the_subscribe_params(
    v1: V1Client, sim: Simulator, params: list[Any]
) -> None:
    await v1.result("depth.subscribe", ["BTCUSDT", 5, "0", True])
    await v1.until(is_push("depth.update", "BTCUSDT"))
    assert sim.coinex.hub_v1.depth
    assert await v1.result("depth.unsubscribe", params) == {"status": "success"}
    assert not sim.coinex.hub_v1.depth
    ping = await v1.send("server.ping", [])
    await v1.until(lambda m: m.get("id") == ping)
    assert await v1.result("server.ping") == "pong"
    assert not _after(v1, ping, "depth.update")


@pytest.mark.parametrize("params", [[], ["BTCUSDT"]])
async def test_other_unsubscribes_end_their_type(
    v1: V1Client, sim: Simulator, params: list[Any]
) -> None:
    hub = sim.coinex.hub_v1
    await v1.result("deals.subscribe", ["BTCUSDT"])
    await v1.result("state.subscribe", ["BTCUSDT"])
    await v1.result("kline.subscribe", ["BTCUSDT", 60])
    assert hub.deals["BTCUSDT"]
    assert hub.state
    assert hub.kline
    await v1.result("deals.unsubscribe", params)
    await v1.result("state.unsubscribe", params)
    await v1.result("kline.unsubscribe", [*params, 60] if params else params)
    assert not hub.deals["BTCUSDT"]
    assert not hub.state
    assert not hub.kline


async def test_deals_first_push_is_recent_then_new_deals(v1: V1Client) -> None:
    await v1.result("deals.subscribe", ["BTCUSDT"])
    first = await v1.until(is_push("deals.update", "BTCUSDT"))
    market, recent = first["params"]
    assert market == "BTCUSDT"
    assert recent
    ids = [deal["id"] for deal in recent]
    assert ids == sorted(ids, reverse=True)
    live = await v1.until(is_push("deals.update", "BTCUSDT"), timeout=20)
    new = [deal["id"] for deal in live["params"][1]]
    assert min(new) > ids[0]
    assert new == sorted(new, reverse=True)
    assert all(
        list(deal) == ["id", "time", "type", "price", "amount"] for deal in live["params"][1]
    )


async def test_a_later_deals_subscribe_replaces_the_earlier(v1: V1Client) -> None:
    await v1.result("deals.subscribe", ["BTCUSDT"])
    second = await v1.send("deals.subscribe", ["ETHUSDT"])
    await v1.until(is_push("deals.update", "ETHUSDT"))  # its recent deals
    await v1.until(is_push("deals.update", "ETHUSDT"), timeout=20)  # a live one
    assert {m["params"][0] for m in _after(v1, second, "deals.update")} == {"ETHUSDT"}


async def test_kline_push_after_a_trade(v1: V1Client) -> None:
    await v1.result("kline.subscribe", ["BTCUSDT", 60])
    first = await v1.until(is_push("kline.update"))
    deals = await v1.result("deals.query", ["BTCUSDT", 1, 0])
    await v1.result("deals.subscribe", ["BTCUSDT"])
    await v1.until(is_push("deals.update"))  # the recent deals
    trade = (await v1.until(is_push("deals.update"), timeout=20))["params"][1][0]
    assert trade["id"] > deals[0]["id"]
    kline = await v1.until(is_push("kline.update"))
    (row,) = kline["params"]
    stamp, _open, close, high, low, _volume, _amount, market = row
    assert market == "BTCUSDT"
    assert len(first["params"][0]) == 8
    assert stamp == int(trade["time"]) // 60 * 60
    assert close == trade["price"]
    assert Decimal(low) <= Decimal(close) <= Decimal(high)


async def test_state_subscribe_all_and_replace(v1: V1Client, sim: Simulator) -> None:
    await v1.result("state.subscribe", [])
    first = await v1.until(is_push("state.update"))
    (entries,) = first["params"]
    assert set(entries) == set(sim.coinex.hub_v1.markets)
    entry = entries["BTCUSDT"]
    assert set(entry) == {
        "close",
        "deal",
        "high",
        "last",
        "low",
        "open",
        "period",
        "volume",
        "sell_total",
        "buy_total",
    }
    assert Decimal(entry["sell_total"]) + Decimal(entry["buy_total"]) == Decimal(entry["volume"])
    second = await v1.send("state.subscribe", ["ETHUSDT"])
    await v1.until(is_push("state.update"))  # the first push of the new list
    await v1.until(is_push("state.update"), timeout=20)  # after a trade
    assert all(set(m["params"][0]) == {"ETHUSDT"} for m in _after(v1, second, "state.update"))


async def test_v1_and_v2_watching_one_market_see_one_book(v1: V1Client, sim: Simulator) -> None:
    cx = await connect_v2(sim.urls["coinex_v2"])
    await v1.result("depth.subscribe", ["BTCUSDT", 10, "0"])
    await cx.request("depth.subscribe", {"market_list": [["BTCUSDT", 10, "0", False]]})
    v2_book = ReferenceBook(2, 8)
    for _ in range(20):
        v2_book.apply(await cx.until(is_v2_push("depth.update", "BTCUSDT")))
    target = v2_book.checksum()
    v1_book = V1Book()

    def reached(message: Any) -> bool:
        if is_push("depth.update", "BTCUSDT")(message):
            v1_book.apply(message)
        return bool(v1_book.checksums) and v1_book.checksums[-1] == target

    await v1.until(reached)
    assert v1_book.bids == v2_book.bids
    assert v1_book.asks == v2_book.asks
    await cx.close()


async def test_a_corrupted_checksum_reaches_v1(v1: V1Client, sim: Simulator) -> None:
    await v1.result("depth.subscribe", ["BTCUSDT", 5, "0"])
    book = V1Book()
    book.apply(await v1.until(is_push("depth.update", "BTCUSDT")))
    sim.faults.corrupt_next_checksum("BTC/USDT")
    results = []
    while all(results):  # pushes already sent come first: then the corrupted one
        results.append(_applies(book, await v1.until(is_push("depth.update", "BTCUSDT"))))
    assert len(results) < 20


def _applies(book: V1Book, push: Any) -> bool:
    try:
        book.apply(push)
    except AssertionError:
        return False
    return True


async def test_at_max_rate_the_window_and_deals_keep_up() -> None:
    async with Simulator(seed=4, rate="max") as sim:
        sim.coinex.hub_v1.push_interval_ns = 0
        v1 = await connect(sim.urls["coinex_v1"])
        await v1.result("deals.subscribe", ["BTCUSDT"])
        await v1.send("depth.subscribe", ["BTCUSDT", 20, "0"])
        book, deals = V1Book(), 0
        while book.pushes < 200 or deals < 3:
            message = await v1.until(lambda m: m.get("method") in ("depth.update", "deals.update"))
            if message["method"] == "depth.update":
                book.apply(message)  # every checksum checked
            else:
                deals += 1
        assert len(book.bids) == len(book.asks) == 20
        await v1.close()
