"""CoinEx v1 private methods over the socket: ``asset.query`` / ``order.query`` and the
``asset.update`` / ``order.update`` pushes caused by orders placed over REST v2 (over HTTP, at
``urls["coinex_rest"]``), replace semantics, ``drop_private_connections``, and a refused
order hidden from v1 and v2 feeds alike."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from decimal import Decimal
from typing import Any

import pytest

from simulator.coinex_client import connect as connect_v2
from simulator.coinex_v1_client import V1Client, connect, is_push, v1_sign
from spotstream.protocol.coinex.sign import rest_signature, ws_signature
from spotstream.simulator import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY

KEY = COINEX_TEST_KEY
ORDER_FIELDS = [
    "id",
    "type",
    "side",
    "user",
    "account",
    "option",
    "ctime",
    "mtime",
    "market",
    "source",
    "client_id",
    "price",
    "amount",
    "taker_fee",
    "maker_fee",
    "left",
    "deal_stock",
    "deal_money",
    "deal_fee",
    "money_fee",
    "stock_fee",
    "asset_fee",
    "fee_discount",
    "fee_asset",
    "last_deal_amount",
    "last_deal_price",
    "last_deal_time",
    "last_deal_id",
    "last_role",
    "stop_id",
]


def _post(sim: Simulator, target: str, body: dict[str, Any]) -> Any:
    data = json.dumps(body).encode()
    stamp = time.time_ns() // 1_000_000
    request = urllib.request.Request(
        sim.urls["coinex_rest"] + target,
        data=data,
        method="POST",
        headers={
            "X-COINEX-KEY": KEY.access_id,
            "X-COINEX-SIGN": rest_signature(KEY.secret_key, "POST", target, data, stamp),
            "X-COINEX-TIMESTAMP": str(stamp),
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = json.loads(response.read())
    assert answer["code"] == 0, f"refused {answer['code']}: {answer}"
    return answer["data"]


async def rest(sim: Simulator, target: str, body: dict[str, Any]) -> Any:
    return await asyncio.to_thread(_post, sim, target, body)


async def _signed(v1: V1Client) -> None:
    tonce = time.time_ns() // 1_000_000
    params = [KEY.access_id, v1_sign(KEY.access_id, KEY.secret_key, tonce), tonce]
    assert await v1.result("server.sign", params) == {"status": "success"}


async def test_asset_query(v1: V1Client, sim: Simulator) -> None:
    await _signed(v1)
    every = await v1.result("asset.query", [])
    account = sim.matching.accounts[KEY.account_id]
    assert "USD" in account.balances  # the Kraken side of the one account
    assert list(every) == sorted(set(account.balances) & {"BTC", "ETH", "USDT"})  # REST v2's
    some = await v1.result("asset.query", ["USDT", "BTC"])
    assert list(some) == ["USDT", "BTC"]
    assert set(some["BTC"]) == {"available", "frozen"}
    assert Decimal(some["BTC"]["available"]) == account.available("BTC")
    assert (await v1.request("asset.query", ["NOPE"]))["error"]["code"] == 1
    assert (await v1.request("asset.query", ["USD"]))["error"]["code"] == 1  # not CoinEx's


async def test_a_market_order_over_rest_pushes_orders_and_assets(
    v1: V1Client, sim: Simulator
) -> None:
    await _signed(v1)
    await v1.result("order.subscribe", ["BTCUSDT"])
    await v1.result("asset.subscribe", [])
    body = {
        "market": "BTCUSDT",
        "market_type": "SPOT",
        "side": "sell",
        "type": "market",
        "amount": "0.02",
        "client_id": "v1-1",
    }
    placed = await rest(sim, "/v2/spot/order", body)
    events: list[Any] = []
    while not events or events[-1]["params"][0] != 3:
        events.append(await v1.until(is_push("order.update")))
    assert events[0]["params"][0] == 1  # put
    assert {e["params"][0] for e in events[1:-1]} <= {2}
    order = events[-1]["params"][1]
    assert list(order) == ORDER_FIELDS
    assert order["id"] == placed["order_id"]
    assert (order["type"], order["side"], order["market"]) == (2, 1, "BTCUSDT")
    assert order["client_id"] == "v1-1"
    assert order["left"] == "0.00000000"
    assert order["deal_stock"] == "0.02000000"
    assert Decimal(order["deal_money"]) > 0
    assert order["last_role"] == 2  # taker
    assert order["last_deal_id"] > 0
    assert isinstance(order["ctime"], float)
    assert isinstance(order["mtime"], float)
    assets: dict[str, Any] = {}
    for message in [m for m in v1.received if m.get("method") == "asset.update"]:
        assets.update(message["params"][0])
    account = sim.matching.accounts[KEY.account_id]
    assert Decimal(assets["BTC"]["available"]) == account.available("BTC") == Decimal("9.98")
    assert set(assets) >= {"BTC", "USDT"}


async def test_order_query_both_forms_and_a_cancel(v1: V1Client, sim: Simulator) -> None:
    await _signed(v1)
    await v1.result("order.subscribe", [])
    body = {
        "market": "ETHUSDT",
        "market_type": "SPOT",
        "side": "buy",
        "type": "limit",
        "amount": "1",
        "price": "3000",
    }
    placed = await rest(sim, "/v2/spot/order", body)
    put = await v1.until(is_push("order.update"))
    assert put["params"][0] == 1
    assert (put["params"][1]["side"], put["params"][1]["type"]) == (2, 1)
    assert put["params"][1]["price"] == "3000.00"
    viabtc = await v1.result("order.query", ["ETHUSDT", 0, 10])
    assert set(viabtc) == {"offset", "limit", "total", "records"}
    assert (viabtc["offset"], viabtc["limit"], viabtc["total"]) == (0, 10, 1)
    assert [o["id"] for o in viabtc["records"]] == [placed["order_id"]]
    assert list(viabtc["records"][0]) == ORDER_FIELDS
    buys = await v1.result("order.query", ["ETHUSDT", 2, 0, 10])
    assert buys["total"] == 1
    sells = await v1.result("order.query", ["ETHUSDT", 1, 0, 10])
    assert sells["total"] == 0
    assert sells["records"] == []
    assert (await v1.request("order.query", ["ETHUSDT", 3, 0, 10]))["error"]["code"] == 1
    cancel = {"market": "ETHUSDT", "market_type": "SPOT", "order_id": placed["order_id"]}
    await rest(sim, "/v2/spot/cancel-order", cancel)
    finish = await v1.until(is_push("order.update"))
    assert finish["params"][0] == 3
    assert finish["params"][1]["left"] == "1.00000000"
    assert (await v1.result("order.query", ["ETHUSDT", 0, 10]))["total"] == 0


async def test_a_later_order_subscribe_replaces_the_markets(v1: V1Client, sim: Simulator) -> None:
    await _signed(v1)
    await v1.result("order.subscribe", ["ETHUSDT"])
    await v1.result("order.subscribe", ["BTCUSDT"])
    body = {"market_type": "SPOT", "side": "buy", "type": "limit", "amount": "0.01"}
    await rest(sim, "/v2/spot/order", {**body, "market": "ETHUSDT", "price": "3000"})
    await rest(sim, "/v2/spot/order", {**body, "market": "BTCUSDT", "price": "30000"})
    push = await v1.until(is_push("order.update"))
    assert push["params"][1]["market"] == "BTCUSDT"
    assert all(
        m["params"][1]["market"] == "BTCUSDT"
        for m in v1.received
        if m.get("method") == "order.update"
    )
    await v1.result("order.unsubscribe", ["BTCUSDT"])  # the subscribe's params
    await v1.result("asset.subscribe", ["USDT"])
    await rest(sim, "/v2/spot/order", {**body, "market": "BTCUSDT", "price": "30001"})
    asset = await v1.until(is_push("asset.update"))
    assert list(asset["params"][0]) == ["USDT"]
    ping = await v1.send("server.ping", [])
    at = len(v1.received)
    await v1.until(lambda m: m.get("id") == ping)
    assert not [m for m in v1.received[at:] if m.get("method") == "order.update"]


async def test_drop_private_connections_cuts_signed_v1_sockets(sim: Simulator) -> None:
    signed = await connect(sim.urls["coinex_v1"])
    public = await connect(sim.urls["coinex_v1"])
    await _signed(signed)
    assert await public.result("server.ping") == "pong"
    sim.faults.drop_private_connections()
    await signed.ws.wait_closed()
    assert await public.result("server.ping") == "pong"
    sim.faults.drop_connections()
    await public.ws.wait_closed()


async def test_a_refused_maker_only_order_shows_on_neither_v1_nor_v2(
    v1: V1Client, sim: Simulator
) -> None:
    cx = await connect_v2(sim.urls["coinex_v2"])
    stamp = time.time_ns() // 1_000_000
    v2_sign = {
        "access_id": KEY.access_id,
        "signed_str": ws_signature(KEY.secret_key, stamp),
        "timestamp": stamp,
    }
    assert (await cx.request("server.sign", v2_sign))["code"] == 0
    assert (await cx.request("order.subscribe", {"market_list": []}))["code"] == 0
    await _signed(v1)
    await v1.result("order.subscribe", [])
    body = {
        "market": "BTCUSDT",
        "market_type": "SPOT",
        "side": "buy",
        "type": "maker_only",
        "amount": "0.01",
        "price": "80000",  # through the asks: it would take
    }
    with pytest.raises(AssertionError, match="3622"):
        await rest(sim, "/v2/spot/order", body)
    await v1.result("server.ping")  # anything pushed would have come before these answers
    await cx.request("server.ping")
    assert not [m for m in v1.received if m.get("method") == "order.update"]
    assert not [m for m in cx.received if m.get("method") == "order.update"]
    await cx.close()
