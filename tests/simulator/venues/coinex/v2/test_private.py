"""CoinEx v2 private pushes over the socket, caused by orders placed over REST v2 (and over
Kraken's socket: one engine, one account)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from simulator.coinex_client import CoinExClient, is_push
from spotstream.auth.coinex import ws_signature
from spotstream.protocol.coinex.sign import rest_signature
from spotstream.protocol.coinex.v2 import private_wire as pw
from spotstream.simulator import Simulator
from spotstream.simulator.http import HttpRequest
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY

KEY = COINEX_TEST_KEY


def _rest(sim: Simulator, method: str, target: str, body: dict[str, Any]) -> Any:
    data = json.dumps(body).encode()
    headers = {
        "x-coinex-key": KEY.access_id,
        "x-coinex-sign": rest_signature(KEY.secret_key, method, target, data, 1),
        "x-coinex-timestamp": "1",
    }
    response = sim.coinex.rest.handle(
        HttpRequest(method, "/coinex" + target, "HTTP/1.1", headers, data)
    )
    answer = json.loads(response.body)
    assert answer["code"] == 0, answer
    return answer["data"]


async def _signed(cx: CoinExClient) -> None:
    stamp = 1_700_000_000_000
    params = {
        "access_id": KEY.access_id,
        "signed_str": ws_signature(KEY.secret_key, stamp),
        "timestamp": stamp,
    }
    assert (await cx.request("server.sign", params))["code"] == 0


def _decoded(message: dict[str, Any]) -> pw.PrivatePush:
    return pw.PUSH_DECODER.decode(json.dumps(message))


async def test_a_market_order_over_rest_pushes_order_deals_and_balances(
    cx: CoinExClient, sim: Simulator
) -> None:
    await _signed(cx)
    for method, params in (
        ("order.subscribe", {"market_list": ["BTCUSDT"]}),
        ("user_deals.subscribe", {"market_list": []}),
        ("balance.subscribe", {"ccy_list": ["BTC", "USDT"]}),
    ):
        assert (await cx.request(method, params))["code"] == 0
    placed = _rest(
        sim,
        "POST",
        "/v2/spot/order",
        {
            "market": "BTCUSDT",
            "market_type": "SPOT",
            "side": "sell",
            "type": "market",
            "amount": "0.02",
            "client_id": "c-1",
        },
    )
    events = []
    while not events or events[-1]["data"]["event"] != "finish":
        events.append(await cx.until(is_push("order.update")))
    assert events[0]["data"]["event"] == "put"
    assert {e["data"]["event"] for e in events[1:-1]} <= {"update"}
    finished = events[-1]["data"]["order"]
    assert finished["order_id"] == placed["order_id"]
    assert finished["client_id"] == "c-1"
    assert finished["unfilled_amount"] == "0.00000000"  # finish with nothing left: filled
    assert finished["filled_amount"] == "0.02000000"
    deals = [m for m in cx.received if m.get("method") == "user_deals.update"]
    assert deals
    deal = deals[0]["data"]
    assert (deal["market"], deal["side"], deal["role"], deal["fee_ccy"]) == (
        "BTCUSDT",
        "sell",
        "taker",
        "USDT",
    )
    assert deal["order_id"] == placed["order_id"]
    assert sum(Decimal(d["data"]["amount"]) for d in deals) == Decimal("0.02")
    balances = [m for m in cx.received if m.get("method") == "balance.update"]
    assert balances
    last: dict[str, Any] = {}
    for message in balances:
        for entry in message["data"]["balance_list"]:
            assert entry["margin_market"] == ""
            last[entry["ccy"]] = entry
    assert set(last) == {"BTC", "USDT"}
    account = sim.matching.accounts[KEY.account_id]
    assert Decimal(last["BTC"]["available"]) == account.available("BTC") == Decimal("9.98")
    for message in [*events, *deals, *balances]:
        assert _decoded(message)


async def test_a_resting_limit_order_put_then_cancel(cx: CoinExClient, sim: Simulator) -> None:
    await _signed(cx)
    await cx.request("order.subscribe", {"market_list": []})
    await cx.request("balance.subscribe", {"ccy_list": []})
    order = {
        "market": "ETHUSDT",
        "market_type": "SPOT",
        "side": "buy",
        "type": "limit",
        "amount": "1",
        "price": "3000",
    }
    placed = _rest(sim, "POST", "/v2/spot/order", order)
    put = await cx.until(is_push("order.update"))
    assert put["data"]["event"] == "put"
    assert put["data"]["order"]["order_id"] == placed["order_id"]
    frozen = await cx.until(is_push("balance.update"))
    usdt = frozen["data"]["balance_list"][0]
    assert usdt["ccy"] == "USDT"
    assert Decimal(usdt["frozen"]) >= Decimal(3000)
    cancel = {"market": "ETHUSDT", "market_type": "SPOT", "order_id": placed["order_id"]}
    _rest(sim, "POST", "/v2/spot/cancel-order", cancel)
    finish = await cx.until(is_push("order.update"))
    assert finish["data"]["event"] == "finish"
    assert finish["data"]["order"]["unfilled_amount"] == "1.00000000"  # cancelled
    released = await cx.until(is_push("balance.update"))
    assert released["data"]["balance_list"][0]["frozen"] == "0.00000000"


async def test_order_subscribe_filters_markets_and_replaces(
    cx: CoinExClient, sim: Simulator
) -> None:
    await _signed(cx)
    await cx.request("order.subscribe", {"market_list": ["ETHUSDT"]})
    await cx.request("order.subscribe", {"market_list": ["BTCUSDT"]})  # replaces ETHUSDT
    order = {
        "market": "ETHUSDT",
        "market_type": "SPOT",
        "side": "buy",
        "type": "limit",
        "amount": "1",
        "price": "3000",
    }
    _rest(sim, "POST", "/v2/spot/order", order)
    btc = {**order, "market": "BTCUSDT", "amount": "0.001", "price": "60000"}
    placed = _rest(sim, "POST", "/v2/spot/order", btc)
    put = await cx.until(is_push("order.update"))
    assert put["data"]["order"]["order_id"] == placed["order_id"]
    await cx.request("order.unsubscribe", {"market_list": []})
    assert not any(
        m.get("method") == "order.update" and m["data"]["order"]["market"] == "ETHUSDT"
        for m in cx.received
    )


async def test_a_maker_only_order_that_would_take_shows_no_order(
    cx: CoinExClient, sim: Simulator
) -> None:
    await _signed(cx)
    await cx.request("order.subscribe", {"market_list": []})
    order = {
        "market": "BTCUSDT",
        "market_type": "SPOT",
        "side": "buy",
        "type": "maker_only",
        "amount": "0.01",
        "price": "80000",
    }
    data = json.dumps(order).encode()
    headers = {
        "x-coinex-key": KEY.access_id,
        "x-coinex-sign": rest_signature(KEY.secret_key, "POST", "/v2/spot/order", data, 1),
        "x-coinex-timestamp": "1",
    }
    request = HttpRequest("POST", "/coinex/v2/spot/order", "HTTP/1.1", headers, data)
    assert json.loads(sim.coinex.rest.handle(request).body)["code"] == 3622
    await cx.request("server.ping")  # anything pushed would have come before its answer
    assert not [m for m in cx.received if m.get("method") == "order.update"]
