"""CoinEx v2 ``state``, ``deals``, ``bbo`` and ``index`` over the socket: first pushes, live
pushes, replace semantics and unsubscribe; every push decodes with the protocol's Structs."""

from __future__ import annotations

import json
from decimal import Decimal
from itertools import pairwise

from simulator.coinex_client import CoinExClient, is_push
from spotstream.protocol.coinex.v2 import wire
from spotstream.simulator import Simulator


def _decoded(message: dict[str, object]) -> wire.PublicPush:
    return wire.PUSH_DECODER.decode(json.dumps(message))


async def test_state_of_every_market_with_an_empty_list(cx: CoinExClient, sim: Simulator) -> None:
    assert (await cx.request("state.subscribe", {"market_list": []}))["code"] == 0
    first = await cx.until(is_push("state.update"))
    states = {s["market"]: s for s in first["data"]["state_list"]}
    assert list(states) == ["BTCUSDT", "ETHUSDT"]  # the USDT pairs only, never a USD one
    btc = states["BTCUSDT"]
    ticker = sim.market["BTC/USDT"].ticker
    assert btc["period"] == 86400
    assert Decimal(btc["volume"]) == Decimal(ticker.volume).scaleb(-8)
    assert Decimal(btc["volume_buy"]) + Decimal(btc["volume_sell"]) == Decimal(btc["volume"])
    assert btc["close"] == btc["last"]
    decoded = _decoded(first)
    assert isinstance(decoded, wire.StateUpdate)
    live = await cx.until(is_push("state.update"))  # after trades
    assert isinstance(_decoded(live), wire.StateUpdate)


async def test_state_replace_and_unsubscribe(cx: CoinExClient) -> None:
    await cx.request("state.subscribe", {"market_list": ["BTCUSDT"]})
    await cx.request("state.subscribe", {"market_list": ["ETHUSDT"]})
    start = len(cx.received)
    for _ in range(3):
        await cx.until(is_push("state.update"))
    later = [m for m in cx.received[start:] if m.get("method") == "state.update"]
    assert {s["market"] for m in later for s in m["data"]["state_list"]} == {"ETHUSDT"}
    await cx.request("state.unsubscribe", {"market_list": []})
    await cx.request("deals.subscribe", {"market_list": ["ETHUSDT"]})
    start = len(cx.received)
    for _ in range(3):
        await cx.until(is_push("deals.update"))
    assert not any(m.get("method") == "state.update" for m in cx.received[start:])


async def test_deals_start_with_a_snapshot_newest_first(cx: CoinExClient, sim: Simulator) -> None:
    await cx.request("deals.subscribe", {"market_list": ["BTCUSDT"]})
    first = await cx.until(is_push("deals.update", "BTCUSDT"))
    deals = first["data"]["deal_list"]
    assert len(deals) == len(sim.market["BTC/USDT"].tape.recent) > 1
    ids = [d["deal_id"] for d in deals]
    assert ids == sorted(ids, reverse=True)
    live = await cx.until(is_push("deals.update", "BTCUSDT"))
    assert live["data"]["deal_list"][0]["deal_id"] > ids[0]
    assert {d["side"] for d in deals} <= {"buy", "sell"}
    assert isinstance(_decoded(live), wire.DealsUpdate)


async def test_deals_replace_semantics(cx: CoinExClient) -> None:
    await cx.request("deals.subscribe", {"market_list": ["BTCUSDT"]})
    await cx.request("deals.subscribe", {"market_list": ["ETHUSDT"]})
    start = len(cx.received)
    for _ in range(4):
        await cx.until(is_push("deals.update"))
    later = [m for m in cx.received[start:] if m.get("method") == "deals.update"]
    assert {m["data"]["market"] for m in later} == {"ETHUSDT"}


async def test_bbo(cx: CoinExClient, sim: Simulator) -> None:
    await cx.request("bbo.subscribe", {"market_list": ["ETHUSDT"]})
    first = await cx.until(is_push("bbo.update", "ETHUSDT"))
    for _ in range(5):
        push = await cx.until(is_push("bbo.update", "ETHUSDT"))
        data = push["data"]
        assert Decimal(data["best_bid_price"]) < Decimal(data["best_ask_price"])
        assert isinstance(_decoded(push), wire.BboUpdate)
    assert set(first["data"]) == {
        "market",
        "updated_at",
        "best_bid_price",
        "best_bid_size",
        "best_ask_price",
        "best_ask_size",
    }


async def test_index_is_the_mid_price(cx: CoinExClient) -> None:
    await cx.request("index.subscribe", {"market_list": ["BTCUSDT"]})
    await cx.request("bbo.subscribe", {"market_list": ["BTCUSDT"]})
    pushes = []
    while len(pushes) < 4:
        message = await cx.until(lambda m: m.get("method") in ("index.update", "bbo.update"))
        if message["method"] == "index.update":
            assert set(message["data"]) == {"market", "index_price"}
            assert isinstance(_decoded(message), wire.IndexUpdate)
            pushes.append(Decimal(message["data"]["index_price"]))
    assert all(p > 0 for p in pushes)
    assert all(a != b for a, b in pairwise(pushes))  # sent when it changes


async def test_unsubscribe_everything(cx: CoinExClient, sim: Simulator) -> None:
    for method in ("deals", "bbo", "index", "state"):
        await cx.request(f"{method}.subscribe", {"market_list": ["BTCUSDT"]})
    for method in ("deals", "bbo", "index", "state"):
        assert (await cx.request(f"{method}.unsubscribe", {"market_list": ["BTCUSDT"]}))[
            "code"
        ] == 0
    hub = sim.coinex.hub
    assert [hub.deals["BTCUSDT"], hub.bbo["BTCUSDT"], hub.index["BTCUSDT"]] == [{}, {}, {}]
    assert not hub.state
    assert "BTC/USDT" not in sim.fanout.active_symbols  # nobody watches it any more
