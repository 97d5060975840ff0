"""CoinEx REST v2 trading additions against the simulator: cancel every order of a market
(one side or both), the finished orders (filled and cancelled, paged), open orders by side
and page; each shown on the v2 order feed and in the balances."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from spotstream.auth import coinex_rest
from spotstream.auth.coinex import CoinExCredentials
from spotstream.coinex.client import CoinExSocketClient
from spotstream.errors import DecodeError, InvalidArgumentsError, InvalidRequestError
from spotstream.models.enums import EventKind, OrderStatus
from spotstream.models.orders import Balance, OrderUpdate
from spotstream.protocol.coinex.v2 import rest
from spotstream.simulator.server import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY

KEY = COINEX_TEST_KEY
CREDENTIALS = CoinExCredentials(KEY.access_id, KEY.secret_key)


def low(sim: Simulator, symbol: str = "BTC/USDT") -> Decimal:
    spec = sim.market.instruments[symbol]
    return (spec.start_price / 2).quantize(spec.price_increment)


def high(sim: Simulator, symbol: str = "BTC/USDT") -> Decimal:
    spec = sim.market.instruments[symbol]
    return (spec.start_price * 2).quantize(spec.price_increment)


async def _cancels(feed: object, ids: set[str]) -> set[str]:
    """The ids among ``ids`` the feed shows cancelled, once all of them are."""
    seen: set[str] = set()
    async for event in feed:  # type: ignore[attr-defined]
        data = event.data
        if isinstance(data, OrderUpdate) and data.exec_type == "canceled":
            seen.add(data.order_id)
            if ids <= seen:
                break
    return seen & ids


async def test_place_fill_cancel_all_and_the_finished_orders(
    client: CoinExSocketClient, sim: Simulator
) -> None:
    spot = client.spot
    url = sim.urls["coinex_rest"]
    before = {b.asset: b for b in await spot.get_balances()}
    async with spot.orders() as feed:
        bought = await spot.place_order("BTCUSDT", "buy", "market", Decimal("100"))
        assert bought.filled_quantity is not None
        assert bought.filled_quantity > 0
        buys = [
            await spot.place_order("BTCUSDT", "buy", "limit", Decimal("0.01"), low(sim))
            for _ in range(2)
        ]
        sell = await spot.place_order("BTCUSDT", "sell", "limit", Decimal("0.0001"), high(sim))
        eth = await spot.place_order(
            "ETHUSDT", "buy", "limit", Decimal("0.1"), low(sim, "ETH/USDT")
        )
        open_buys = await spot.trading.get_open_orders("BTCUSDT", side="buy")
        assert [o.order_id for o in open_buys] == [buys[1].order_id, buys[0].order_id]
        page = await coinex_rest.get_pending_orders(CREDENTIALS, url, page=2, limit=1)
        assert len(page) == 1
        assert len(await coinex_rest.get_pending_orders(CREDENTIALS, url, limit=1)) == 4

        await spot.trading.cancel_all_orders("BTC/USDT", side="buy")  # the buys only
        wanted = {o.order_id for o in buys}
        assert await _cancels(feed, wanted) == wanted
        left = {o.order_id for o in await spot.get_open_orders()}
        assert left == {sell.order_id, eth.order_id}
        await spot.trading.cancel_all_orders("BTCUSDT")  # both sides: the sell
        assert await _cancels(feed, {sell.order_id}) == {sell.order_id}
        assert [o.order_id for o in await spot.get_open_orders()] == [eth.order_id]

    closed = await spot.trading.get_closed_orders("BTCUSDT")
    assert [o.order_id for o in closed] == [
        sell.order_id, buys[1].order_id, buys[0].order_id, bought.order_id,
    ]  # fmt: skip
    by_id = {o.order_id: o for o in closed}
    assert by_id[bought.order_id].status == OrderStatus.FILLED
    assert all(by_id[o.order_id].status == OrderStatus.CANCELED for o in (*buys, sell))
    assert by_id[sell.order_id].limit_price == high(sim)
    sells = await coinex_rest.get_finished_orders(CREDENTIALS, url, "BTCUSDT", side="sell")
    assert [o.order_id for o in sells] == [sell.order_id]
    one = await coinex_rest.get_finished_orders(CREDENTIALS, url, limit=1, max_pages=2)
    assert [o.order_id for o in one] == [sell.order_id, buys[1].order_id]
    third = await coinex_rest.get_finished_orders(CREDENTIALS, url, page=3, limit=1)
    assert [o.order_id for o in third] == [buys[0].order_id]

    after = {b.asset: b for b in await spot.get_balances()}
    assert after["BTC"].balance > before["BTC"].balance
    assert after["USDT"].balance < before["USDT"].balance
    async with spot.balances() as balances:  # the snapshot: USDT held by the ETH order
        first = await anext(aiter(balances))
        assert first.kind is EventKind.SNAPSHOT
        await spot.trading.cancel_all_orders("ETHUSDT")
        async for event in balances:
            data = event.data
            usdt = isinstance(data, Balance) and data.asset == "USDT"
            if event.kind is EventKind.UPDATE and isinstance(data, Balance) and usdt:
                assert {w.type: w.balance for w in data.wallets}["frozen"] == 0
                break
    assert await spot.get_open_orders() == []
    final = {b.asset: b for b in await spot.get_balances()}
    assert final["USDT"].balance == after["USDT"].balance  # cancelling moves no money ...
    frozen = {w.type: w.balance for w in final["USDT"].wallets}["frozen"]
    assert frozen == 0  # ... but frees what the open orders held


async def test_cancel_all_of_a_market_with_nothing_open_succeeds(
    client: CoinExSocketClient,
) -> None:
    await client.spot.trading.cancel_all_orders("BTCUSDT")
    assert await client.spot.trading.get_closed_orders() == []


async def test_input_is_checked_before_sending(sim: Simulator) -> None:
    url = sim.urls["coinex_rest"]
    with pytest.raises(InvalidRequestError):
        await coinex_rest.cancel_all_orders(CREDENTIALS, url, "BTCUSDT", side="long")
    with pytest.raises(InvalidRequestError):
        await coinex_rest.cancel_all_orders(CREDENTIALS, url, "BTC&USDT")
    with pytest.raises(InvalidRequestError):
        await coinex_rest.get_finished_orders(CREDENTIALS, url, limit=101)
    with pytest.raises(InvalidRequestError):
        await coinex_rest.get_pending_orders(CREDENTIALS, url, page=0)
    with pytest.raises(InvalidRequestError):
        await coinex_rest.get_finished_orders(CREDENTIALS, url, max_pages=0)
    with pytest.raises(InvalidArgumentsError) as refused:
        await coinex_rest.cancel_all_orders(CREDENTIALS, url, "DOGEUSDT")
    assert refused.value.code == 4004


def test_bodies_and_queries() -> None:
    assert json.loads(rest.cancel_all_body("BTC/USDT")) == {
        "market": "BTCUSDT",
        "market_type": "SPOT",
    }
    assert json.loads(rest.cancel_all_body("BTCUSDT", "sell"))["side"] == "sell"
    assert rest.finished_orders_query(2, "btcusdt", "buy", 50) == (
        "/v2/spot/finished-order?market=BTCUSDT&side=buy&market_type=SPOT&page=2&limit=50"
    )
    assert (
        rest.pending_orders_query(1) == "/v2/spot/pending-order?market_type=SPOT&page=1&limit=100"
    )


def test_a_bad_finished_orders_body_is_a_decode_error() -> None:
    body = json.dumps({"code": 0, "data": [{"order_id": "x"}], "message": "OK"}).encode()
    with pytest.raises(DecodeError):
        rest.parse_finished_orders(200, body)
    assert rest.parse_cancel_all(200, b'{"code":0,"data":{},"message":"OK"}') is None
    with pytest.raises(DecodeError):
        rest.parse_cancel_all(200, b"[]")
