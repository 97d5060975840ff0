"""No failure takes the client down: one regression test per failure class seen.

Each test provokes one failure inside a running ``async with KrakenSocketClient`` and then
checks that the client still works (and that leaving the ``async with`` does not raise).
Frames "from the exchange" that the simulator cannot be made to send are handed to the
connection exactly as a transport hands them: ``connection.on_frame(frame)``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

from helpers.captures import dumps_exact
from helpers.kraken_v2 import pair
from spotstream import BookStatus, KrakenSocketClient, LifecycleEvent, LifecycleKind
from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.auth.kraken import Credentials
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.book.units import PrecisionError
from spotstream.book.verified import VerifiedBook
from spotstream.errors import SpotstreamError, SubscriptionError, UnreadableResultError
from spotstream.models.market import DataEvent
from spotstream.protocol.events import RequestDone, Unhandled
from spotstream.protocol.kraken.v2 import wire
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol
from spotstream.protocol.kraken.v2.trading_wire import CancelAllOrdersAfterParams
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.server import Simulator
from support.wait import eventually

FAST = ReconnectPolicy(initial=0.01, maximum=0.2)


class Boom(Exception):
    """What a buggy user callback raises."""


def boom(*_: object) -> None:
    raise Boom("user callback failed")


async def aboom(*_: object) -> None:
    await asyncio.sleep(0)
    raise Boom("async user callback failed")


def kinds(client: KrakenSocketClient) -> list[LifecycleKind]:
    return [e.kind for e in client.session.stats.lifecycle]


async def still_alive(client: KrakenSocketClient) -> None:
    """The public connection still answers, and data still flows."""
    assert await client.spot.ping() >= 0
    async with client.spot.ticker("XRP/USD") as sub:
        await anext(sub)


# --- user callbacks ------------------------------------------------------------------------


@pytest.mark.parametrize("callback", [boom, aboom], ids=["sync", "async"])
async def test_on_status_change_that_raises(
    client: KrakenSocketClient, sim: Simulator, callback: Any
) -> None:
    book = await client.spot.order_book("BTC/USD", depth=10)
    seen: list[BookStatus] = []
    book.on_status_change(callback)
    book.on_status_change(seen.append)  # a later callback still runs
    sim.faults.corrupt_next_checksum("BTC/USD")
    await eventually(lambda: book.counters.resyncs == 1 and book.status is BookStatus.SYNCED)
    await eventually(lambda: book.callback_errors == 2, what="both status changes counted")
    assert seen == [BookStatus.RESYNCING, BookStatus.SYNCED]
    assert LifecycleKind.CONNECTION_LOST not in kinds(client)
    await still_alive(client)


@pytest.mark.parametrize("callback", [boom, aboom], ids=["sync", "async"])
async def test_on_lifecycle_listener_that_raises(
    client: KrakenSocketClient, sim: Simulator, callback: Any
) -> None:
    client.on_lifecycle(callback)
    sub = await client.spot.ticker("BTC/USD")
    await anext(sub)
    sim.faults.drop_connections()
    await eventually(lambda: LifecycleKind.RESTORED in kinds(client), what="restored")
    event = await anext(sub)
    while not event.gap:
        event = await anext(sub)
    await eventually(lambda: client.session.stats.callback_errors >= 3)  # lost, reconnecting...
    await sub.close()
    await still_alive(client)


@pytest.mark.parametrize("callback", [boom, aboom], ids=["sync", "async"])
async def test_on_connection_lost_and_restored_that_raise(
    client: KrakenSocketClient, sim: Simulator, callback: Any
) -> None:
    trades: list[DataEvent[Any]] = []
    update = await client.spot.subscribe_to_trade_updates("BTC/USD", trades.append)
    update.on_connection_lost(callback)
    update.on_connection_restored(callback)
    sim.faults.drop_connections()
    await eventually(lambda: LifecycleKind.RESTORED in kinds(client), what="restored")
    await eventually(lambda: update.subscription.callback_errors == 2, what="both counted")
    count = len(trades)
    await eventually(lambda: len(trades) > count, what="trades after the restore")
    await update.close()
    await still_alive(client)


async def test_a_data_handler_that_raises_is_still_isolated(client: KrakenSocketClient) -> None:
    update = await client.spot.subscribe_to_trade_updates("BTC/USD", aboom)
    await eventually(lambda: update.handler_errors >= 2)
    await update.close()
    await still_alive(client)


# --- a frame whose handling fails ------------------------------------------------------------


async def test_an_exception_while_a_book_frame_is_applied_resyncs_that_book(
    client: KrakenSocketClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    btc = await client.spot.order_book("BTC/USD", depth=10)
    eth = await client.spot.order_book("ETH/USD", depth=10)
    apply_update = VerifiedBook.apply_update
    failures = [1]

    def flaky(book: VerifiedBook, *args: Any, **kwargs: Any) -> Any:
        if book.symbol == "BTC/USD" and failures:
            failures.pop()
            raise RuntimeError("a bug in the book")
        return apply_update(book, *args, **kwargs)

    monkeypatch.setattr(VerifiedBook, "apply_update", flaky)
    await eventually(lambda: not failures, what="the failing update")
    await eventually(lambda: btc.counters.resyncs == 1 and btc.status is BookStatus.SYNCED)
    assert client.session.stats.unhandled >= 1
    assert client.session.protocol.unhandled["internal:book"] == 1
    assert client.session.stats.resyncs_requested == 1
    assert eth.counters.resyncs == 0
    assert LifecycleKind.CONNECTION_LOST not in kinds(client)
    await still_alive(client)


async def test_an_instrument_with_a_precision_over_40_is_refused_locally(
    client: KrakenSocketClient,
) -> None:
    await client.spot.get_instruments()
    update = {"assets": [], "pairs": [pair("BIG/USD", 45, 8), pair("WIDE/USD", 2, 41)]}
    frame = dumps_exact({"channel": "instrument", "type": "update", "data": update})
    client.session.connection.on_frame(frame)
    assert client.session.protocol.instruments.pairs["BIG/USD"].price_precision == 45
    for symbol in ("BIG/USD", "WIDE/USD"):
        with pytest.raises(PrecisionError):
            await client.spot.order_book(symbol, depth=10)
    await still_alive(client)


def test_precision_over_40_inside_the_protocol_never_raises() -> None:
    protocol = KrakenV2Protocol()
    snapshot = {"assets": [], "pairs": [pair("BTC/USD", 1, 8), pair("BIG/USD", 40, 8)]}
    protocol.receive(dumps_exact({"channel": "instrument", "type": "snapshot", "data": snapshot}))
    protocol.subscribe("book", ["BIG/USD"], depth=10)  # 40 digits is the most a book holds
    item = {"symbol": "BIG/USD", "bids": [{"price": 1, "qty": 1}], "asks": [], "checksum": 0}
    book = dumps_exact({"channel": "book", "type": "snapshot", "data": [item]})
    events = protocol.receive(book)  # 1 at precision 40 has 41 digits: an invalid level
    assert protocol.books["BIG/USD"].status is BookStatus.RESYNCING
    assert [type(e).__name__ for e in events] == ["BookData"]


def test_a_non_iso_trigger_time_is_an_unreadable_result_not_raised() -> None:
    """The call ends at once with "outcome unknown" (it succeeded; its result is unreadable),
    rather than raising out of the protocol or waiting for the request timeout."""
    protocol = KrakenV2PrivateProtocol("private")
    out = protocol.trading(
        "cancel_all_orders_after", CancelAllOrdersAfterParams(timeout=60, token="T")
    )
    answer = {
        "method": "cancel_all_orders_after",
        "req_id": out.req_id,
        "result": {"currentTime": "2023-09-21T15:49:29Z", "triggerTime": "in a minute"},
        "success": True,
        "time_in": "2023-09-21T15:49:28.627900Z",
        "time_out": "2023-09-21T15:49:28.649057Z",
    }
    events = protocol.receive(dumps_exact(answer))
    assert [type(e) for e in events] == [RequestDone]
    done = events[0]
    assert isinstance(done, RequestDone)
    assert [type(e) for e in done.errors] == [UnreadableResultError]
    assert not protocol.unhandled


def test_any_exception_inside_receive_becomes_unhandled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    protocol = KrakenV2Protocol()

    def broken(*_: object) -> list[object]:
        raise ZeroDivisionError("a bug in a route")

    monkeypatch.setitem(protocol._routes, wire.StatusMessage, broken)
    status = {
        "channel": "status",
        "type": "update",
        "data": [
            {
                "system": "online",
                "api_version": "v2",
                "connection_id": 1,
                "version": "2.0.0",
            }
        ],
    }
    (event,) = protocol.receive(dumps_exact(status))
    assert isinstance(event, Unhandled)
    assert event.kind == "internal:status"
    assert "ZeroDivisionError" in event.reason


# --- resyncs -------------------------------------------------------------------------------


def _instruments_without(symbol: str) -> bytes:
    pairs = [pair(s, 1, 8) for s in ("BTC/USD", "XRP/USD") if s != symbol]
    return dumps_exact(
        {"channel": "instrument", "type": "snapshot", "data": {"assets": [], "pairs": pairs}}
    )


async def test_resync_of_a_pair_that_left_the_instrument_list(
    client: KrakenSocketClient, sim: Simulator
) -> None:
    book = await client.spot.order_book("ETH/USD", depth=10)
    precision = client.session.protocol.books["ETH/USD"].price_precision
    client.session.connection.on_frame(_instruments_without("ETH/USD"))
    assert "ETH/USD" not in client.session.protocol.instruments.pairs
    sim.faults.corrupt_next_checksum("ETH/USD")
    await eventually(lambda: book.counters.resyncs == 1 and book.status is BookStatus.SYNCED)
    assert client.session.protocol.books["ETH/USD"].price_precision == precision
    assert book.counters.checksum_mismatches == 1
    await still_alive(client)


async def test_only_the_exchange_refusing_the_resync_ends_that_book(
    client: KrakenSocketClient, sim: Simulator
) -> None:
    eth = await client.spot.order_book("ETH/USD", depth=10)
    btc = await client.spot.order_book("BTC/USD", depth=10)
    updates = eth.updates()
    client.session.connection.on_frame(_instruments_without("ETH/USD"))
    sim.faults.reject_next_subscribe("EQuery:Unknown asset pair")
    sim.faults.corrupt_next_checksum("ETH/USD")
    with pytest.raises(SubscriptionError, match="Unknown asset pair"):
        async for _ in updates:
            pass
    assert eth.status is BookStatus.CLOSED
    with pytest.raises(SubscriptionError):
        await eth.wait_synced()
    assert "ETH/USD" not in client.session.protocol.books
    synced = btc.counters.updates
    await eventually(lambda: btc.counters.updates > synced + 5, what="BTC/USD goes on")
    assert btc.status is BookStatus.SYNCED
    assert LifecycleKind.CONNECTION_LOST not in kinds(client)
    await eth.close()  # closing an ended book is harmless
    await still_alive(client)


# --- background tasks ----------------------------------------------------------------------


async def test_a_failing_background_task_is_contained_and_reported(
    client: KrakenSocketClient,
) -> None:
    reported: list[LifecycleEvent] = []
    client.on_lifecycle(reported.append)

    async def failing() -> None:
        raise Boom("a bug in a background task")

    task = client._spawn(failing())
    await asyncio.wait([task])
    assert task.exception() is None  # contained: the task group is not cancelled
    (event,) = [e for e in reported if e.kind is LifecycleKind.TASK_FAILED]
    assert isinstance(event.error, Boom)
    assert "failing" in event.detail
    assert client.task_failures == 1
    await still_alive(client)


# --- the dead man's switch -----------------------------------------------------------------


class Account:
    """A token source that can be held back: the private connection is then down."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.up = asyncio.Event()
        self.up.set()
        self.refreshes = 0
        engine = sim.matching
        arm = engine.cancel_all_after

        def counting(account_id: str, timeout: int) -> Any:
            if timeout:
                self.refreshes += 1
            return arm(account_id, timeout)

        engine.cancel_all_after = counting  # type: ignore[method-assign]

    async def token(self) -> str:
        await self.up.wait()
        creds = Credentials(TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret)
        return (await get_websockets_token(creds, base_url=self.sim.urls["rest"])).token

    def go_down(self) -> None:
        self.up.clear()
        self.sim.faults.drop_private_connections()


@pytest.fixture
async def trader(sim: Simulator) -> AsyncIterator[tuple[KrakenSocketClient, Account]]:
    account = Account(sim)
    async with KrakenSocketClient(
        url=sim.urls["public"],
        private_url=sim.urls["private"],
        token_source=account.token,
        reconnect=FAST,
        request_timeout=3,
    ) as client:
        yield client, account


def _failures(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in r.getMessage() for r in caplog.records)


async def test_dead_man_switch_keeps_refreshing_while_the_connection_is_down(
    trader: tuple[KrakenSocketClient, Account], caplog: pytest.LogCaptureFixture
) -> None:
    client, account = trader
    caplog.set_level(logging.WARNING, "spotstream")
    async with client.spot.dead_man_switch(timeout=60, refresh_every=0.1):
        await eventually(lambda: account.refreshes >= 2, what="refreshes")  # arm + one
        account.go_down()
        await eventually(lambda: _failures(caplog, "refresh failed") >= 2, what="retries")
        refreshed = account.refreshes
        account.up.set()
        await eventually(lambda: account.refreshes > refreshed, what="refreshed again")
    await still_alive(client)


async def test_leaving_the_dead_man_switch_while_down_does_not_raise(
    trader: tuple[KrakenSocketClient, Account], caplog: pytest.LogCaptureFixture
) -> None:
    client, account = trader
    reported: list[LifecycleEvent] = []
    client.on_lifecycle(reported.append)
    async with client.spot.dead_man_switch(timeout=60, refresh_every=10):
        account.go_down()
    (event,) = [e for e in reported if e.kind is LifecycleKind.DISARM_FAILED]
    assert isinstance(event.error, SpotstreamError)
    assert _failures(caplog, "disarm") >= 1
    account.up.set()
    await still_alive(client)


async def test_an_exception_from_the_dead_man_switch_block_propagates_unchanged(
    trader: tuple[KrakenSocketClient, Account],
) -> None:
    client, account = trader
    raised = Boom("the user's own error")

    async def trade_then_fail() -> None:
        async with client.spot.dead_man_switch(timeout=60, refresh_every=10):
            account.go_down()
            raise raised

    with pytest.raises(Boom) as caught:
        await trade_then_fail()
    assert caught.value is raised
    assert caught.value.__context__ is None  # nothing from the disarm chained onto it
    account.up.set()
    await still_alive(client)
