"""Kraken v2 private feeds and trading end to end against the simulator on 127.0.0.1.

Tokens come from the simulator's REST endpoint, signed with the funded test account's key.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.auth.kraken import Credentials
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.errors import (
    AuthenticationError,
    InvalidRequestError,
    OutcomeUnknownError,
    RequestError,
)
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.enums import EventKind, OrderSide, OrderType
from spotstream.models.orders import (
    Balance,
    LedgerEntry,
    OrderRequest,
    OrderUpdate,
    PlacedOrder,
    ReconcileReason,
    Reconciliation,
)
from spotstream.simulator.matching.accounts import READ_ONLY_ACCOUNT, TEST_ACCOUNT
from spotstream.simulator.server import Simulator
from support.wait import eventually

FAST_RECONNECT = ReconnectPolicy(initial=0.01, maximum=0.2)


@pytest.fixture
async def trader(sim: Simulator) -> AsyncIterator[KrakenSocketClient]:
    async with KrakenSocketClient(
        url=sim.urls["public"],
        private_url=sim.urls["private"],
        l3_url=sim.urls["l3"],
        rest_url=sim.urls["rest"],
        api_key=TEST_ACCOUNT.api_key,
        api_secret=TEST_ACCOUNT.api_secret,
        reconnect=FAST_RECONNECT,
        request_timeout=5,
    ) as client:
        yield client


async def _best(client: KrakenSocketClient, symbol: str) -> tuple[Decimal, Decimal]:
    async with client.spot.order_book(symbol, depth=10) as book:
        bid, ask = book.best_bid, book.best_ask
    assert bid is not None
    assert ask is not None
    return bid.price, ask.price


async def _next_update(sub: Any, order_id: str, exec_type: str) -> OrderUpdate:
    async for event in sub:
        item = event.data
        if isinstance(item, OrderUpdate) and (item.order_id, item.exec_type) == (
            order_id,
            exec_type,
        ):
            return item
    raise AssertionError("stream ended")


async def test_place_amend_cancel_seen_on_executions(trader: KrakenSocketClient) -> None:
    bid, _ = await _best(trader, "BTC/USD")
    price = (bid * Decimal("0.8")).quantize(Decimal("0.1"))
    async with trader.spot.executions() as feed:
        placed = await trader.spot.add_order(
            "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price, cl_ord_id="e2e-1"
        )
        assert isinstance(placed, PlacedOrder)
        assert placed.order_id
        new = await _next_update(feed, placed.order_id, "new")
        assert new.status == "new"
        assert placed.order_id in trader.spot.open_orders
        amended = await trader.spot.amend_order(
            placed.order_id, order_qty=Decimal("0.02"), limit_price=price - 1
        )
        assert amended.amend_id
        change = await _next_update(feed, placed.order_id, "amended")
        assert change.quantity == Decimal("0.02")
        cancelled = await trader.spot.cancel_order(placed.order_id)
        assert cancelled.order_id == placed.order_id
        gone = await _next_update(feed, placed.order_id, "canceled")
        assert gone.status == "canceled"
    assert placed.order_id not in trader.spot.open_orders


async def test_place_order_takes_the_type_then_the_side(trader: KrakenSocketClient) -> None:
    bid, _ = await _best(trader, "BTC/USD")
    price = (bid * Decimal("0.8")).quantize(Decimal("0.1"))
    async with trader.spot.executions() as feed:
        placed = await trader.spot.place_order(
            "BTC/USD", OrderType.LIMIT, OrderSide.BUY, quantity=Decimal("0.01"), price=price
        )
        new = await _next_update(feed, placed.order_id, "new")
        state = trader.spot.open_orders[placed.order_id]
        assert (state.side, state.order_type, state.limit_price) == (OrderSide.BUY, "limit", price)
        assert new.status == "new"
        await trader.spot.cancel_order(placed.order_id)
    with pytest.raises(InvalidRequestError):  # the old order (side first) is refused
        await trader.spot.place_order("BTC/USD", "buy", "limit", Decimal("0.01"), price=price)


async def test_market_fill_moves_balances(trader: KrakenSocketClient) -> None:
    async with trader.spot.balances() as balances, trader.spot.executions() as feed:
        first = await anext(aiter(balances))
        assert isinstance(first.data, Balance)
        before = dict(trader.spot.account_balances)
        placed = await trader.spot.add_order("BTC/USD", "buy", "market", Decimal("0.01"))
        trade = await _next_update(feed, placed.order_id, "trade")
        assert trade.fill is not None
        assert trade.fill.quantity > 0
        assert trade.fill.side is OrderSide.BUY
        async for event in balances:
            if isinstance(event.data, LedgerEntry) and event.data.asset == "BTC":
                break
        await eventually(lambda: trader.spot.account_balances.get("BTC") != before.get("BTC"))
        assert trader.spot.account_balances["BTC"] > before["BTC"]


async def test_exchange_rejections_carry_kraken_text(trader: KrakenSocketClient) -> None:
    with pytest.raises(RequestError) as info:
        await trader.spot.add_order("BTC/USD", "buy", "market", Decimal("1000000"))
    assert info.value.error == "EOrder:Insufficient funds"
    outcomes = await trader.spot.cancel_orders(["OUNKNO-WN000-000000", "OUNKNO-WN000-000001"])
    assert len(outcomes) == 2
    assert all(isinstance(o, RequestError) for o in outcomes)


async def test_invalid_input_is_refused_before_sending(trader: KrakenSocketClient) -> None:
    with pytest.raises(InvalidRequestError):
        await trader.spot.add_order("BTC/USD", "buy", "limit", Decimal("1"))  # no price
    with pytest.raises(InvalidRequestError):
        await trader.spot.batch_add("BTC/USD", [])


async def test_batches_and_cancel_all(trader: KrakenSocketClient) -> None:
    bid, _ = await _best(trader, "BTC/USD")
    low = (bid * Decimal("0.7")).quantize(Decimal("0.1"))
    batch = [
        OrderRequest(side="buy", order_type="limit", quantity=Decimal("0.01"), limit_price=low),
        OrderRequest(side="buy", order_type="limit", quantity=Decimal("0.02"), limit_price=low - 1),
    ]
    placed = await trader.spot.batch_add("BTC/USD", batch)
    assert len(placed) == 2
    assert await trader.spot.batch_cancel([p.order_id for p in placed]) == 2
    await trader.spot.batch_add("BTC/USD", batch)
    assert await trader.spot.cancel_all() == 2


async def test_dead_man_switch_fires_when_not_refreshed(
    trader: KrakenSocketClient, sim: Simulator
) -> None:
    bid, _ = await _best(trader, "BTC/USD")
    price = (bid * Decimal("0.8")).quantize(Decimal("0.1"))
    async with trader.spot.executions() as feed:
        placed = await trader.spot.add_order(
            "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price
        )
        armed = await trader.spot.cancel_all_orders_after(1)
        assert armed.trigger_time is not None
        gone = await _next_update(feed, placed.order_id, "canceled")
        assert gone.status == "canceled"
    disarmed = await trader.spot.cancel_all_orders_after(0)
    assert disarmed.trigger_time is None


async def test_sequence_gap_is_reconciled(trader: KrakenSocketClient, sim: Simulator) -> None:
    bid, _ = await _best(trader, "BTC/USD")
    price = (bid * Decimal("0.8")).quantize(Decimal("0.1"))
    async with trader.spot.executions() as feed:
        sim.faults.skip_next_sequence()
        placed = await trader.spot.add_order(
            "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price
        )
        async for event in feed:
            if isinstance(event.data, Reconciliation):
                reconciliation = event.data
                break
    assert reconciliation.reason is ReconcileReason.SEQUENCE_GAP
    assert placed.order_id in trader.spot.open_orders
    await trader.spot.cancel_all()


async def test_reconnect_is_reconciled(trader: KrakenSocketClient, sim: Simulator) -> None:
    async with trader.spot.executions() as feed:
        await trader.spot.add_order("BTC/USD", "buy", "market", Decimal("0.001"))
        sim.faults.drop_private_connections()
        async for event in feed:
            if isinstance(event.data, Reconciliation):
                assert event.data.reason is ReconcileReason.RECONNECT
                break


async def test_timeout_reports_unknown_outcome(trader: KrakenSocketClient, sim: Simulator) -> None:
    bid, _ = await _best(trader, "BTC/USD")
    price = (bid * Decimal("0.8")).quantize(Decimal("0.1"))
    async with trader.spot.executions() as feed:
        sim.faults.delay_next_response(2.0)
        with pytest.raises(OutcomeUnknownError):
            await trader.spot.add_order(
                "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price, timeout=0.3
            )
        # the order was placed all the same: executions tells
        async for event in feed:
            if isinstance(event.data, OrderUpdate) and event.data.exec_type == "new":
                break
    await trader.spot.cancel_all()


async def test_ratecounter_is_tracked(trader: KrakenSocketClient) -> None:
    bid, _ = await _best(trader, "BTC/USD")
    price = (bid * Decimal("0.8")).quantize(Decimal("0.1"))
    async with trader.spot.executions(ratecounter=True):
        assert trader.spot.max_rate_count
        await trader.spot.add_order("BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price)
        await eventually(lambda: "BTC/USD" in trader.spot.rate_counters)
    await trader.spot.cancel_all()


async def test_level3_book_is_verified(trader: KrakenSocketClient) -> None:
    async with trader.spot.level3("BTC/USD", depth=10) as book:
        updates = book.updates()
        count = 0
        async for _ in updates:
            count += 1
            if count == 20:
                break
        assert book.counters.checksum_mismatches == 0
        assert book.order_count > 0
        best = book.best_bid
        assert best is not None
        orders = book.orders(OrderSide.BUY, best.price)
        assert sum(o.qty for o in orders) == best.qty


async def test_bad_keys_raise_the_exchange_text(sim: Simulator) -> None:
    async with KrakenSocketClient(
        url=sim.urls["public"],
        private_url=sim.urls["private"],
        rest_url=sim.urls["rest"],
        api_key=READ_ONLY_ACCOUNT.api_key,
        api_secret=READ_ONLY_ACCOUNT.api_secret,
        request_timeout=5,
    ) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.spot.balances()
        assert "Permission denied" in str(info.value)
        assert READ_ONLY_ACCOUNT.api_secret not in repr(info.value)


async def test_level3_mismatch_resyncs_that_symbol(
    trader: KrakenSocketClient, sim: Simulator
) -> None:
    async with trader.spot.level3("BTC/USD", depth=10) as book:
        sim.faults.corrupt_next_checksum("BTC/USD")
        await eventually(lambda: book.counters.checksum_mismatches >= 1, what="a mismatch")
        await book.wait_synced(5)
        assert book.counters.snapshots >= 2
        assert trader.l3_session.stats.resyncs_requested >= 1


async def test_a_refused_token_is_renewed_by_reconnecting(sim: Simulator) -> None:
    tokens = iter(["NOT-A-TOKEN"])
    credentials = Credentials(TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret)

    async def token() -> str:
        fresh = await get_websockets_token(credentials, base_url=sim.urls["rest"])
        return next(tokens, fresh.token)

    async with KrakenSocketClient(
        url=sim.urls["public"],
        private_url=sim.urls["private"],
        token_source=token,
        reconnect=FAST_RECONNECT,
        request_timeout=5,
    ) as client:
        with pytest.raises(AuthenticationError, match="Invalid token"):
            await client.spot.cancel_all()
        await eventually(lambda: client.private_session.connection.connects >= 2)
        assert await client.spot.cancel_all() == 0


async def test_edit_replaces_the_order(trader: KrakenSocketClient) -> None:
    bid, _ = await _best(trader, "BTC/USD")
    price = (bid * Decimal("0.8")).quantize(Decimal("0.1"))
    async with trader.spot.executions() as feed:
        placed = await trader.spot.add_order(
            "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price
        )
        await _next_update(feed, placed.order_id, "new")
        edited = await trader.spot.edit_order(
            placed.order_id, "BTC/USD", order_qty=Decimal("0.03"), limit_price=price - 1
        )
        assert edited.original_order_id == placed.order_id
        assert edited.order_id not in ("", placed.order_id)
        await _next_update(feed, placed.order_id, "canceled")
        await _next_update(feed, edited.order_id, "new")
        await eventually(lambda: set(trader.spot.open_orders) == {edited.order_id})
        replacement = trader.spot.open_orders[edited.order_id]
        assert (replacement.quantity, replacement.limit_price) == (Decimal("0.03"), price - 1)
    await trader.spot.cancel_all()


async def test_balances_gap_is_reconciled(trader: KrakenSocketClient, sim: Simulator) -> None:
    async with trader.spot.balances() as balances:
        first = await anext(aiter(balances))
        assert isinstance(first.data, Balance)
        sim.faults.skip_next_sequence()
        await trader.spot.add_order("BTC/USD", "buy", "market", Decimal("0.01"))
        async for event in balances:
            if isinstance(event.data, Reconciliation):
                reconciliation = event.data
                break
    assert reconciliation.channel == "balances"
    assert reconciliation.reason is ReconcileReason.SEQUENCE_GAP
    changed = {c.asset: c for c in reconciliation.balances}
    assert changed["BTC"].after is not None
    assert changed["BTC"].before is not None
    assert changed["BTC"].after > changed["BTC"].before


async def test_the_reconciliation_lists_exactly_what_changed(
    trader: KrakenSocketClient, sim: Simulator
) -> None:
    """While the feed is down one order is cancelled and one placed (in-process, on the
    matching engine): the reconciliation lists exactly these two, nothing else."""
    import msgspec

    from spotstream.protocol.kraken.v2 import trading_wire as tw
    from spotstream.simulator.venues.kraken.v2.private_params import order_entry

    bid, _ = await _best(trader, "BTC/USD")
    price = (bid * Decimal("0.8")).quantize(Decimal("0.1"))
    async with trader.spot.executions() as feed:
        kept = await trader.spot.add_order(
            "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price
        )
        gone = await trader.spot.add_order(
            "BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price
        )
        await eventually(lambda: gone.order_id in trader.spot.open_orders)
        engine, account = sim.matching, TEST_ACCOUNT.account_id
        sim.faults.drop_private_connections()
        engine.cancel_orders(account, engine.lookup(account, "order_id", gone.order_id))
        fields = {"symbol": "BTC/USD", "token": "t", "side": "buy", "order_type": "limit",
                  "order_qty": "0.01", "limit_price": str(price)}  # fmt: skip
        request, _ = order_entry(msgspec.convert(fields, tw.AddOrderParams))
        new = engine.add_order(account, "BTC/USD", request)
        async for event in feed:
            if isinstance(event.data, Reconciliation):
                break
        rec = event.data
        assert rec.reason is ReconcileReason.RECONNECT
        assert [o.order_id for o in rec.opened] == [new.order_id]
        assert [o.order_id for o in rec.closed] == [gone.order_id]
        assert rec.changed == ()
        assert rec.fills == ()
        assert {kept.order_id, new.order_id} <= set(trader.spot.open_orders)
    await trader.spot.cancel_all()


async def test_every_update_inside_a_stale_window_carries_the_gap_flag(
    trader: KrakenSocketClient, sim: Simulator
) -> None:
    bid, _ = await _best(trader, "BTC/USD")
    price = (bid * Decimal("0.8")).quantize(Decimal("0.1"))
    async with trader.spot.executions() as feed:
        session = trader.private_session
        sim.faults.skip_next_sequence()
        await asyncio.gather(
            *(
                trader.spot.add_order("BTC/USD", "buy", "limit", Decimal("0.01"), limit_price=price)
                for _ in range(3)
            )
        )
        flagged: list[bool] = []
        async for event in feed:
            if isinstance(event.data, Reconciliation):
                break
            if event.kind is EventKind.UPDATE and (flagged or event.gap):
                flagged.append(event.gap)
                if len(flagged) == 1:  # the gap is open: more updates arrive inside it
                    assert "executions" in session.protocol.stale
        assert len(flagged) >= 2  # more than the first update after the gap
        assert all(flagged)
    await trader.spot.cancel_all()
