"""One market for every venue: Kraken's BTC/USDT is CoinEx's BTCUSDT (the same book, the
same trades), and a CoinEx order shows on Kraken's feeds of the same account."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from simulator.coinex_client import CoinExClient, is_push
from simulator.coinex_client import connect as connect_coinex
from simulator.sim_client import connect, is_channel
from spotstream.protocol.coinex.sign import rest_signature
from spotstream.simulator import Simulator
from spotstream.simulator.http import HttpRequest
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY


def _place(sim: Simulator, order: dict[str, Any]) -> Any:
    target, data = "/v2/spot/order", json.dumps(order).encode()
    headers = {
        "x-coinex-key": COINEX_TEST_KEY.access_id,
        "x-coinex-sign": rest_signature(COINEX_TEST_KEY.secret_key, "POST", target, data, 5),
        "x-coinex-timestamp": "5",
    }
    response = sim.coinex.rest.handle(
        HttpRequest("POST", "/coinex" + target, "HTTP/1.1", headers, data)
    )
    return json.loads(response.body)["data"]


async def test_a_coinex_order_trades_on_krakens_tape_too(cx: CoinExClient, sim: Simulator) -> None:
    kraken = await connect(sim.urls["public"])
    await kraken.recv()  # status
    await kraken.send(
        {"method": "subscribe", "params": {"channel": "trade", "symbol": ["BTC/USDT"]}}
    )
    await kraken.until(lambda m: m.get("method") == "subscribe")
    await cx.request("deals.subscribe", {"market_list": ["BTCUSDT"]})
    await cx.until(is_push("deals.update"))  # the snapshot
    order = {
        "market": "BTCUSDT",
        "market_type": "SPOT",
        "side": "sell",
        "type": "market",
        "amount": "0.5",
    }
    placed = _place(sim, order)
    assert placed["filled_amount"] == "0.50000000"
    sold: dict[int, Decimal] = {}
    while sum(sold.values()) < Decimal("0.5"):
        deals = (await cx.until(is_push("deals.update")))["data"]["deal_list"]
        sold.update((d["deal_id"], Decimal(d["amount"])) for d in deals if d["side"] == "sell")
    seen: dict[int, Decimal] = {}
    while not set(sold) <= set(seen):
        trades = (await kraken.until(is_channel("trade", "update")))["data"]
        seen.update((t["trade_id"], Decimal(str(t["qty"]))) for t in trades)
    assert {k: seen[k] for k in sold} == sold  # the same trades, by id and quantity
    await kraken.close()


async def test_both_venues_show_one_book() -> None:
    async with Simulator(seed=8, rate=0.001) as sim:  # a market that stays put meanwhile
        kraken = await connect(sim.urls["public"])
        await kraken.recv()
        params = {"channel": "book", "symbol": ["ETH/USDT"], "depth": 10}
        await kraken.send({"method": "subscribe", "params": params})
        snapshot = (await kraken.until(is_channel("book", "snapshot")))["data"][0]
        cx = await connect_coinex(sim.urls["coinex_v2"])
        await cx.request("depth.subscribe", {"market_list": [["ETHUSDT", 10, "0", True]]})
        full = (await cx.until(is_push("depth.update")))["data"]["depth"]
        for side in ("bids", "asks"):
            on_kraken = [(Decimal(str(x["price"])), Decimal(str(x["qty"]))) for x in snapshot[side]]
            on_coinex = [(Decimal(price), Decimal(amount)) for price, amount in full[side]]
            assert on_kraken == on_coinex
        await kraken.close()
        await cx.close()
