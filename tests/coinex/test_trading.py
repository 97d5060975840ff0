"""CoinEx REST v2 trading on the client against the simulator: place, fill, cancel,
query, balances; refusals typed by CoinEx's code; input checked before anything is sent;
what it does shows on the v2 order feed."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from spotstream.coinex.client import CoinExSocketClient
from spotstream.errors import (
    InsufficientFundsError,
    InvalidCredentialsError,
    InvalidOrderError,
    InvalidRequestError,
    OrderNotFoundError,
    OutcomeUnknownError,
    RequestError,
)
from spotstream.models.enums import OrderStatus
from spotstream.models.orders import OrderUpdate
from spotstream.simulator.server import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY

KEY = COINEX_TEST_KEY


def low(sim: Simulator) -> Decimal:
    spec = sim.market.instruments["BTC/USDT"]
    return (spec.start_price / 2).quantize(spec.price_increment)


async def test_place_query_list_and_cancel(client: CoinExSocketClient, sim: Simulator) -> None:
    async with client.spot.orders() as feed:
        placed = await client.spot.place_order(
            "BTC/USDT", "buy", "limit", Decimal("0.01"), low(sim), client_order_id="bot-1"
        )
        assert placed.exec_type == "new"
        assert placed.status == OrderStatus.NEW
        assert (placed.symbol, placed.client_order_id) == ("BTCUSDT", "bot-1")
        assert placed.quantity == Decimal("0.01")
        assert placed.limit_price == low(sim)
        event = await anext(aiter(feed))
        assert isinstance(event.data, OrderUpdate)
        assert event.data.order_id == placed.order_id
        again = await client.spot.get_order("BTCUSDT", placed.order_id)
        assert again.order_id == placed.order_id
        assert [o.order_id for o in await client.spot.get_open_orders("BTCUSDT")] == [
            placed.order_id
        ]
        cancelled = await client.spot.cancel_order("BTCUSDT", placed.order_id)
        assert cancelled.status == OrderStatus.CANCELED
        async for event in feed:
            if isinstance(event.data, OrderUpdate) and event.data.exec_type == "canceled":
                break
        assert await client.spot.get_open_orders() == []
        with pytest.raises(OrderNotFoundError) as gone:
            await client.spot.cancel_order("BTCUSDT", placed.order_id)
        assert gone.value.code == 3600


async def test_a_market_order_fills_and_the_balances_move(client: CoinExSocketClient) -> None:
    before = {b.asset: b.balance for b in await client.spot.get_balances()}
    bought = await client.spot.place_order("BTCUSDT", "buy", "market", Decimal("100"))
    assert bought.filled_quantity is not None
    assert bought.filled_quantity > 0
    after = {b.asset: b.balance for b in await client.spot.get_balances()}
    assert after["BTC"] > before["BTC"]
    assert after["USDT"] < before["USDT"]


async def test_refusals_are_typed_by_code(client: CoinExSocketClient, sim: Simulator) -> None:
    with pytest.raises(InsufficientFundsError) as poor:
        await client.spot.place_order("BTCUSDT", "buy", "limit", Decimal("1000"), low(sim))
    assert poor.value.code == 3109
    assert isinstance(poor.value, RequestError)
    with pytest.raises(InvalidOrderError) as small:
        await client.spot.place_order("BTCUSDT", "buy", "limit", Decimal("0.00001"), low(sim))
    assert small.value.code == 3127


@pytest.mark.parametrize(
    ("side", "kind", "amount", "price"),
    [
        ("long", "limit", "0.01", "1"),
        ("buy", "stop", "0.01", "1"),
        ("buy", "limit", "0.01", None),
        ("buy", "market", "10", "1"),
        ("buy", "limit", "-1", "1"),
        ("buy", "limit", "NaN", "1"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    client: CoinExSocketClient, side: str, kind: str, amount: str, price: str | None
) -> None:
    with pytest.raises(InvalidRequestError):
        await client.spot.place_order(
            "BTCUSDT", side, kind, Decimal(amount), None if price is None else Decimal(price)
        )


async def test_no_answer_is_an_unknown_outcome(sim: Simulator) -> None:
    answered = asyncio.Event()  # never set: no answer ever leaves
    writers: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)
        await reader.read(65536)  # the request arrives ...
        await answered.wait()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with CoinExSocketClient(
            url=sim.urls["coinex_v2"],
            rest_url=f"http://127.0.0.1:{port}/coinex",
            access_id=KEY.access_id,
            secret_key=KEY.secret_key,
            request_timeout=0.3,
        ) as client:
            with pytest.raises(OutcomeUnknownError, match="may have taken effect"):
                await client.spot.place_order("BTCUSDT", "buy", "limit", Decimal("0.01"), low(sim))
    finally:
        for writer in writers:
            writer.close()
            await writer.wait_closed()
        server.close()
        await server.wait_closed()


async def test_trading_needs_credentials(sim: Simulator) -> None:
    async with CoinExSocketClient(url=sim.urls["coinex_v2"]) as client:
        with pytest.raises(InvalidCredentialsError):
            await client.spot.get_balances()
