"""The CoinEx v2 client's account feeds end to end against the simulator: signed on every
connect, orders / user trades / balances live, and after a dropped connection the state
reconciled from REST v2 (orders placed while the feed was down appear in the
Reconciliation)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.auth.coinex import CoinExCredentials
from spotstream.coinex.client import CoinExSocketClient
from spotstream.errors import AuthenticationError, InvalidCredentialsError
from spotstream.models.enums import EventKind, ReconcileReason
from spotstream.models.orders import Balance, Fill, OrderUpdate, Reconciliation
from spotstream.simulator.server import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY
from support.coinex import far_below, place, reconciled_exactly
from support.wait import eventually

FAST_RECONNECT = ReconnectPolicy(initial=0.01, maximum=0.2)
KEY = COINEX_TEST_KEY


async def test_orders_trades_and_balances_arrive_live(
    client: CoinExSocketClient, sim: Simulator
) -> None:
    async with (
        client.spot.orders() as orders,
        client.spot.user_trades() as trades,
        client.spot.balances() as balances,
    ):
        first = await anext(aiter(balances))
        assert first.kind is EventKind.SNAPSHOT
        assert isinstance(first.data, Balance)
        assert "USDT" in client.spot.account_balances
        placed = place(sim, type="market", amount="100")  # a market buy spends 100 USDT
        update = await anext(aiter(orders))
        assert isinstance(update.data, OrderUpdate)
        assert update.data.order_id == str(placed["order_id"])
        fill = await anext(aiter(trades))
        assert isinstance(fill.data, Fill)
        assert fill.data.order_id == str(placed["order_id"])
        assert fill.data.quantity > 0
        async for change in balances:  # after the snapshot's other currencies
            if change.kind is EventKind.UPDATE:
                break
        assert isinstance(change.data, Balance)
        assert change.data.asset in ("BTC", "USDT")


async def test_a_resting_order_is_tracked_as_open(
    client: CoinExSocketClient, sim: Simulator
) -> None:
    async with client.spot.orders() as orders:
        placed = place(sim, price=far_below(sim), client_id="rest-1")
        event = await anext(aiter(orders))
        assert isinstance(event.data, OrderUpdate)
        assert event.data.client_order_id == "rest-1"
        await eventually(lambda: str(placed["order_id"]) in client.spot.open_orders)
        state = client.spot.open_orders[str(placed["order_id"])]
        assert state.limit_price == Decimal(far_below(sim))


async def test_an_order_placed_while_the_feed_is_down_is_reconciled(
    client: CoinExSocketClient, sim: Simulator
) -> None:
    async with client.spot.orders() as orders:
        await eventually(lambda: client.private_session.connection.connected)
        sim.faults.drop_private_connections()
        placed = place(sim, price=far_below(sim))  # its order.update goes nowhere
        async for event in orders:
            if isinstance(event.data, Reconciliation):
                break
        rec = event.data
        assert rec.reason is ReconcileReason.RECONNECT
        assert [o.order_id for o in rec.opened] == [str(placed["order_id"])]
        assert str(placed["order_id"]) in client.spot.open_orders


async def test_refused_credentials_fail_the_feed_and_are_not_retried(sim: Simulator) -> None:
    async with CoinExSocketClient(
        url=sim.urls["coinex_v2"],
        rest_url=sim.urls["coinex_rest"],
        credentials=CoinExCredentials(KEY.access_id, "0" * 48),
        reconnect=FAST_RECONNECT,
        request_timeout=5,
    ) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.spot.orders()
        assert caught.value.code == 21002
        assert client.private_session.connection.connects == 1


async def test_feeds_need_credentials(sim: Simulator) -> None:
    async with CoinExSocketClient(url=sim.urls["coinex_v2"]) as client:
        with pytest.raises(InvalidCredentialsError):
            await client.spot.balances()


async def test_the_reconciliation_lists_exactly_what_changed(
    client: CoinExSocketClient, sim: Simulator
) -> None:
    """One order cancelled and one placed while the feed was down: the reconciliation lists
    exactly these two, nothing else."""
    await reconciled_exactly(client, sim)
