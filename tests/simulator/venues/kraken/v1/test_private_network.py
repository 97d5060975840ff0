"""Kraken v1 private over real sockets: a REST token, one account traded over v1 and v2 at once."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from simulator.sim_client import RawClient, connect
from spotstream.auth.kraken import Credentials
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.simulator import TEST_ACCOUNT, Simulator


async def _token(sim: Simulator) -> str:
    credentials = Credentials(TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret)
    return (await get_websockets_token(credentials, base_url=sim.urls["rest"])).token


def _is(channel: str) -> Any:
    return lambda m: isinstance(m, list) and m[1] == channel


def _execution(kind: str) -> Any:
    return lambda m: (
        m.get("channel") == "executions" and any(d.get("exec_type") == kind for d in m["data"])
    )


async def test_one_account_over_v1_and_v2(sim: Simulator) -> None:
    token = await _token(sim)
    v1 = await connect(sim.urls["kraken_v1_private"])
    assert (await v1.recv())["event"] == "systemStatus"
    for reqid, name in enumerate(("openOrders", "ownTrades"), start=1):
        subscription = {"name": name, "token": token}
        (ack,) = await v1.request_v1(
            {"event": "subscribe", "reqid": reqid, "subscription": subscription}
        )
        assert ack["status"] == "subscribed", ack
    v2 = await connect(sim.urls["private"])
    await v2.recv()
    (ack,) = await v2.request(
        {"method": "subscribe", "params": {"channel": "executions", "token": token}, "req_id": 1}
    )
    assert ack["success"] is True
    # a market order over v1: v1 ownTrades and v2 executions both show its fills
    (placed,) = await v1.request_v1(
        {
            "event": "addOrder",
            "reqid": 5,
            "token": token,
            "ordertype": "market",
            "type": "buy",
            "pair": "ETH/USD",
            "volume": "0.5",
        }
    )
    assert placed["status"] == "ok", placed
    trade = await v1.until(_is("ownTrades"))
    while not trade[0]:  # the snapshot may still be ahead
        trade = await v1.until(_is("ownTrades"))
    ((_, own),) = trade[0][0].items()
    assert own["ordertxid"] == placed["txid"]
    report = await v2.until(_execution("trade"))
    (fill,) = [d for d in report["data"] if d["exec_type"] == "trade"]
    assert fill["order_id"] == placed["txid"]
    assert fill["symbol"] == "ETH/USD"
    # a limit order over v2: v1 openOrders shows it pending, then open
    (answer,) = await v2.request(
        {
            "method": "add_order",
            "req_id": 2,
            "params": {
                "token": token,
                "order_type": "limit",
                "side": "sell",
                "order_qty": 0.1,
                "limit_price": 9999.0,
                "symbol": "ETH/USD",
            },
        }
    )
    order_id = answer["result"]["order_id"]
    pending = await v1.until(lambda m: _is("openOrders")(m) and order_id in m[0][0])
    assert pending[0][0][order_id]["status"] == "pending"
    assert pending[0][0][order_id]["descr"]["price"] == "9999.00000"
    opened = await v1.until(_is("openOrders"))
    assert opened[0][0][order_id] == {"status": "open", "userref": 0}
    # and cancelled over v1
    (cancelled,) = await v1.request_v1(
        {"event": "cancelOrder", "reqid": 6, "token": token, "txid": [order_id]}
    )
    assert cancelled["status"] == "ok"
    closed = await v2.until(_execution("canceled"))
    assert [d["order_id"] for d in closed["data"]] == [order_id]
    await v1.close()
    await v2.close()


async def test_drop_private_connections_drops_v1_too(sim: Simulator) -> None:
    clients: list[RawClient] = []
    for name in ("kraken_v1_private", "private", "kraken_v1_public"):
        clients.append(await connect(sim.urls[name]))
        await clients[-1].recv()
    sim.faults.drop_private_connections()
    await clients[0].ws.wait_closed()
    await clients[1].ws.wait_closed()
    (pong,) = await clients[2].request_v1({"event": "ping", "reqid": 1})
    assert pong == {"event": "pong", "reqid": 1}
    await clients[2].close()


async def test_a_v1_order_trades_on_both_public_feeds(sim: Simulator) -> None:
    """Its fills against the generated book are public trades: v2 and v1 clients see them."""
    token = await _token(sim)
    v2 = await connect(sim.urls["public"])
    await v2.recv()
    await v2.request(
        {"method": "subscribe", "params": {"channel": "trade", "symbol": ["DOGE/USD"]}, "req_id": 1}
    )
    public = await connect(sim.urls["kraken_v1_public"])
    await public.recv()
    subscribe = {
        "event": "subscribe",
        "reqid": 1,
        "pair": ["XDG/USD"],
        "subscription": {"name": "trade"},
    }
    await public.request_v1(subscribe)
    v1 = await connect(sim.urls["kraken_v1_private"])
    await v1.recv()
    own = {"name": "ownTrades", "token": token, "snapshot": False, "consolidate_taker": False}
    await v1.request_v1({"event": "subscribe", "reqid": 1, "subscription": own})
    order = {"ordertype": "market", "type": "buy", "pair": "XDG/USD", "volume": "200000"}
    (placed,) = await v1.request_v1({"event": "addOrder", "reqid": 2, "token": token, **order})
    assert placed["status"] == "ok", placed
    fills: set[tuple[Decimal, Decimal]] = set()
    while sum(qty for _, qty in fills) < Decimal(200000):
        message = await v1.until(_is("ownTrades"))
        for entry in message[0]:
            ((_, trade),) = entry.items()
            assert len(trade["price"].partition(".")[2]) == 7  # XDG/USD: 7 decimals
            fills.add((Decimal(trade["price"]), Decimal(trade["vol"])))
    seen_v2: set[tuple[Decimal, Decimal]] = set()
    seen_v1: set[tuple[Decimal, Decimal]] = set()
    async with asyncio.timeout(10):
        while not fills <= seen_v2:
            message = await v2.until(lambda m: m.get("channel") == "trade")
            seen_v2 |= {(t["price"], t["qty"]) for t in message["data"] if t["side"] == "buy"}
        while not fills <= seen_v1:
            message = await public.until(lambda m: isinstance(m, list) and m[-2] == "trade")
            seen_v1 |= {(Decimal(p), Decimal(v)) for p, v, _, s, *_ in message[1] if s == "b"}
    for client in (v1, v2, public):
        await client.close()
