"""Kraken v1 private feeds and trading end to end against the simulator on 127.0.0.1, and
one account seen over both versions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from spotstream.errors import (
    InvalidRequestError,
    OrderNotFoundError,
    UnsupportedFeatureError,
)
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.enums import OrderSide, OrderType
from spotstream.models.orders import (
    CancelledOrder,
    Fill,
    OrderUpdate,
    PlacedOrder,
    ReconcileReason,
    Reconciliation,
)
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.server import Simulator
from support.wait import eventually

from .conftest import FAST_RECONNECT


def _v1(sim: Simulator) -> KrakenSocketClient:
    return KrakenSocketClient(
        api_version=1,
        url=sim.urls["kraken_v1_public"],
        private_url=sim.urls["kraken_v1_private"],
        rest_url=sim.urls["rest"],
        api_key=TEST_ACCOUNT.api_key,
        api_secret=TEST_ACCOUNT.api_secret,
        reconnect=FAST_RECONNECT,
        request_timeout=5,
    )


@pytest.fixture
async def trader(sim: Simulator) -> AsyncIterator[KrakenSocketClient]:
    async with _v1(sim) as client:
        yield client


async def _bid(client: KrakenSocketClient) -> Decimal:
    async with client.spot.order_book("BTC/USD", depth=10) as book:
        best = book.best_bid
    assert best is not None
    return (best.price * Decimal("0.8")).quantize(Decimal("0.1"))


async def _next(sub: Any, order_id: str, status: str) -> OrderUpdate:
    async for event in sub:
        item = event.data
        if isinstance(item, OrderUpdate) and (item.order_id, item.status) == (order_id, status):
            return item
    raise AssertionError("stream ended")


async def test_place_edit_cancel_seen_on_open_orders(trader: KrakenSocketClient) -> None:
    price = await _bid(trader)
    async with trader.spot.orders() as feed:
        placed = await trader.spot.place_order(
            "XBT/USD", OrderType.LIMIT, OrderSide.BUY, Decimal("0.01"), 42, price
        )
        assert isinstance(placed, PlacedOrder)
        assert placed.order_id
        opened = await _next(feed, placed.order_id, "new")
        assert (opened.user_ref, opened.symbol) in ((42, "BTC/USD"), (42, None), (None, None))
        state = trader.spot.open_orders[placed.order_id]
        assert (state.side, state.limit_price, state.symbol) == (OrderSide.BUY, price, "BTC/USD")
        edited = await trader.spot.edit_order(placed.order_id, "BTC/USD", limit_price=price - 1)
        assert edited.original_order_id == placed.order_id
        await _next(feed, edited.order_id, "new")
        assert edited.order_id in trader.spot.open_orders
        cancelled = await trader.spot.cancel_order(edited.order_id)
        assert isinstance(cancelled, CancelledOrder)
        await _next(feed, edited.order_id, "canceled")
    assert edited.order_id not in trader.spot.open_orders


async def test_cancel_orders_has_one_outcome_per_id(trader: KrakenSocketClient) -> None:
    price = await _bid(trader)
    first = await trader.spot.add_order(
        "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price
    )
    outcomes = await trader.spot.cancel_orders([first.order_id, "OUNKNO-WNORD-ER0000"])
    assert len(outcomes) == 2
    assert sum(isinstance(o, CancelledOrder) for o in outcomes) == 1
    assert sum(isinstance(o, OrderNotFoundError) for o in outcomes) == 1


async def test_market_fills_arrive_on_own_trades(trader: KrakenSocketClient) -> None:
    fills: list[Fill] = []
    update = await trader.spot.subscribe_to_user_trade_updates(
        False, lambda e: fills.append(e.data)
    )
    placed = await trader.spot.add_order("BTC/USD", "buy", "market", Decimal("0.002"))
    await eventually(lambda: any(f.order_id == placed.order_id for f in fills), what="the fill")
    fill = next(f for f in fills if f.order_id == placed.order_id)
    assert (fill.symbol, fill.side, fill.quantity) == ("BTC/USD", OrderSide.BUY, Decimal("0.002"))
    assert fill.exec_id
    await update.close()


async def test_cancel_all_and_the_dead_man_switch(trader: KrakenSocketClient) -> None:
    price = await _bid(trader)
    for _ in range(2):
        await trader.spot.add_order("BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price)
    assert await trader.spot.cancel_all_orders() >= 2
    async with trader.spot.dead_man_switch(timeout=60, refresh_every=10) as armed:
        assert armed.trigger_time is not None
    disarmed = await trader.spot.cancel_all_orders_after(0)
    assert disarmed.trigger_time is None


async def test_validation_and_what_v1_has_not(trader: KrakenSocketClient) -> None:
    with pytest.raises(InvalidRequestError):
        await trader.spot.add_order("BTC/USD", "buy", "limit", Decimal("0.01"))  # no price
    with pytest.raises(UnsupportedFeatureError):
        await trader.spot.amend_order("O1", order_qty=Decimal("1"))
    with pytest.raises(UnsupportedFeatureError):
        await trader.spot.batch_cancel(["O1", "O2"])
    with pytest.raises(UnsupportedFeatureError):
        await trader.spot.balances()
    with pytest.raises(UnsupportedFeatureError):
        await trader.spot.executions()


async def test_a_sequence_gap_is_reconciled(trader: KrakenSocketClient, sim: Simulator) -> None:
    price = await _bid(trader)
    async with trader.spot.orders() as feed:
        sim.faults.skip_next_sequence()
        placed = await trader.spot.add_order(
            "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price
        )
        async for event in feed:
            if isinstance(event.data, Reconciliation):
                reconciliation = event.data
                break
    assert reconciliation.channel == "openOrders"
    assert reconciliation.reason is ReconcileReason.SEQUENCE_GAP
    await eventually(lambda: placed.order_id in trader.spot.open_orders, what="the open order")
    await trader.spot.cancel_all()


async def test_one_account_over_both_versions(sim: Simulator) -> None:
    async with (
        _v1(sim) as v1,
        KrakenSocketClient(
            url=sim.urls["public"],
            private_url=sim.urls["private"],
            rest_url=sim.urls["rest"],
            api_key=TEST_ACCOUNT.api_key,
            api_secret=TEST_ACCOUNT.api_secret,
            request_timeout=5,
        ) as v2,
    ):
        price = await _bid(v1)
        async with v2.spot.executions() as executions, v1.spot.orders() as orders:
            over_v1 = await v1.spot.add_order(
                "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price
            )
            seen = await anext(
                e.data
                async for e in executions
                if isinstance(e.data, OrderUpdate) and e.data.order_id == over_v1.order_id
            )
            assert seen.symbol == "BTC/USD"
            over_v2 = await v2.spot.add_order(
                "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price
            )
            await _next(orders, over_v2.order_id, "new")
        assert await v2.spot.cancel_all() == 2


async def test_own_trades_gap_resnapshots_and_no_fill_arrives_twice(
    trader: KrakenSocketClient, sim: Simulator
) -> None:
    fills: list[Fill] = []
    reconciled: list[Reconciliation] = []
    async with trader.spot.own_trades(snapshot=False) as feed:
        sim.faults.skip_next_sequence()
        placed = await trader.spot.add_order("BTC/USD", "buy", "market", Decimal("0.002"))
        async for event in feed:
            if isinstance(event.data, Fill):
                fills.append(event.data)
            elif isinstance(event.data, Reconciliation):
                reconciled.append(event.data)
                break
    assert [f.order_id for f in fills] == [placed.order_id]  # seen once, before the gap
    (reconciliation,) = reconciled
    assert (reconciliation.channel, reconciliation.reason) == (
        "ownTrades",
        ReconcileReason.SEQUENCE_GAP,
    )
    assert reconciliation.fills == ()  # the snapshot held nothing new: nothing counted twice


async def test_a_reconnect_reconciles_both_feeds(
    trader: KrakenSocketClient, sim: Simulator
) -> None:
    price = await _bid(trader)
    placed = await trader.spot.add_order(
        "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price
    )
    channels: set[str] = set()
    async with trader.spot.orders() as orders, trader.spot.own_trades(snapshot=False) as fills:
        await _next(orders, placed.order_id, "new")
        sim.faults.drop_private_connections()
        for feed in (orders, fills):
            async for event in feed:
                if isinstance(event.data, Reconciliation):
                    assert event.data.reason is ReconcileReason.RECONNECT
                    channels.add(event.data.channel)
                    break
    assert channels == {"openOrders", "ownTrades"}
    assert placed.order_id in trader.spot.open_orders  # still open after the snapshot
    await trader.spot.cancel_all()
