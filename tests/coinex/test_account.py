"""CoinExAccountHooks driving a PrivateSession over a fake connection: sign first, the
account feeds' snapshots from (fake) REST after the subscribe, on every reconnect and after
a lost push, reconciled like Kraken's; updates during a fetch applied after it."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from spotstream.asyncio.private_session import PrivateSession
from spotstream.asyncio.subscription import Subscription
from spotstream.auth.coinex import CoinExCredentials, ws_signature
from spotstream.coinex.account import CoinExAccountHooks
from spotstream.errors import AuthenticationError, ConnectionClosedError
from spotstream.models.enums import EventKind, OrderSide, OrderStatus, ReconcileReason
from spotstream.models.orders import Balance, BalanceChange, OrderUpdate, Reconciliation
from spotstream.protocol.coinex.v2.private import CoinExV2PrivateProtocol

SECRET = "B51068CF10B34E7789C374AB932696A05E0A629BE7BFC62F"
CREDS = CoinExCredentials("4DA36FFC61334695A66F8D29020EB589", SECRET)
NOW_MS = 1700490703564


def open_order(order_id: str, filled: str = "0") -> OrderUpdate:
    status = OrderStatus.PARTIALLY_FILLED if Decimal(filled) else OrderStatus.NEW
    return OrderUpdate(
        order_id=order_id, exec_type="new", status=status, symbol="BTCUSDT",
        side=OrderSide.BUY, order_type="limit", quantity=Decimal("1"),
        limit_price=Decimal("30000"), filled_quantity=Decimal(filled),
        filled_cost=Decimal(filled) * 30000, average_price=None, client_order_id=None,
        user_ref=None, time_in_force="gtc", reason=None,
        timestamp=datetime(2026, 1, 1, tzinfo=UTC), fill=None, ratecount=None,
    )  # fmt: skip


def order_push(order_id: str, event: str, unfilled: str = "1", filled: str = "0") -> bytes:
    order = {
        "order_id": int(order_id), "market": "BTCUSDT", "margin_market": "", "type": "limit",
        "side": "buy", "amount": "1", "price": "30000", "unfilled_amount": unfilled,
        "filled_amount": filled, "filled_value": "0", "taker_fee_rate": "0.002",
        "maker_fee_rate": "0.002", "base_ccy_fee": "0", "quote_ccy_fee": "0",
        "discount_ccy_fee": "0", "last_filled_amount": "0", "last_filled_price": "0",
        "created_at": NOW_MS, "updated_at": NOW_MS, "client_id": "",
    }  # fmt: skip
    doc = {"method": "order.update", "data": {"event": event, "order": order}, "id": None}
    return gzip.compress(json.dumps(doc).encode())


def balance_push(ccy: str, available: str, frozen: str = "0") -> bytes:
    entry = {"margin_market": "", "ccy": ccy, "available": available, "frozen": frozen,
             "updated_at": NOW_MS}  # fmt: skip
    doc = {"method": "balance.update", "data": {"balance_list": [entry]}, "id": None}
    return gzip.compress(json.dumps(doc).encode())


def balance(ccy: str, total: str) -> Balance:
    return Balance(ccy, Decimal(total))


@dataclass
class FakeRest:
    orders: list[OrderUpdate] = field(default_factory=list)
    balances_now: list[Balance] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    gate: asyncio.Event | None = None
    fail: Exception | None = None

    async def open_orders(self) -> list[OrderUpdate]:
        return await self._answer("orders", self.orders)

    async def balances(self) -> list[Balance]:
        return await self._answer("balances", self.balances_now)

    async def _answer(self, what: str, value: list[Any]) -> list[Any]:
        self.calls.append(what)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return list(value)


class FakeConnection:
    """Answers like CoinEx (sign checked against the secret, every request OK)."""

    url = "ws://fake/v2/spot"
    maintenance = False
    last_close: tuple[int | None, str] = (None, "")

    def __init__(self, session: PrivateSession[Any]) -> None:
        self.session = session
        self.connected = True
        self.connects = 1
        self.dropped = 0
        self.sent: list[dict[str, Any]] = []

    async def send(self, frame: bytes) -> None:
        if not self.connected:
            raise ConnectionClosedError("not connected")
        request = json.loads(frame)
        self.sent.append(request)
        code = 0
        if request["method"] == "server.sign":
            params = request["params"]
            if params["signed_str"] != ws_signature(SECRET, params["timestamp"]):
                code = 21002
        answer = {"id": request["id"], "code": code, "message": "OK" if not code else "no"}
        self.push(gzip.compress(json.dumps(answer).encode()))

    def push(self, frame: bytes) -> None:
        asyncio.get_running_loop().call_soon(self.session.on_frame, frame)

    def drop(self) -> None:
        self.dropped += 1

    async def wait_connected(self) -> None:
        return None

    def methods(self) -> list[str]:
        return [r["method"] for r in self.sent]


@dataclass
class Harness:
    session: PrivateSession[CoinExV2PrivateProtocol]
    rest: FakeRest
    tasks: set[asyncio.Task[None]]

    @property
    def connection(self) -> FakeConnection:
        connection = self.session.connection
        assert isinstance(connection, FakeConnection)
        return connection

    async def subscribe(self, channel: str) -> Subscription[Any]:
        sub: Subscription[Any] = Subscription(
            channel, [], self.session._close_subscription, self.spawn
        )
        await self.session.open(sub, {})
        return sub

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        return task

    async def reconnect(self) -> None:
        self.session.on_close()
        self.connection.connects += 1
        await self.session.on_open(True)

    async def settle(self) -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        await asyncio.gather(*self.tasks)
        self.tasks.clear()
        await asyncio.sleep(0)


async def received(sub: Subscription[Any]) -> list[Any]:
    """What ``sub`` was given so far."""
    return [await anext(sub) for _ in range(sub.pending())]


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    rest = FakeRest(
        orders=[open_order("1"), open_order("2")], balances_now=[balance("USDT", "100")]
    )
    hooks = CoinExAccountHooks(CREDS, clock_ms=lambda: NOW_MS, rest=rest)  # type: ignore[arg-type]
    tasks: set[asyncio.Task[None]] = set()
    h: Harness

    def spawn(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        return h.spawn(coro)

    session: PrivateSession[CoinExV2PrivateProtocol] = PrivateSession(
        FakeConnection,  # type: ignore[arg-type]
        protocol=CoinExV2PrivateProtocol(),
        hooks=hooks,
        spawn=spawn,
        clock=lambda: 0.0,
        request_timeout=1.0,
        output_original_data=False,
    )
    h = Harness(session, rest, tasks)
    await session.on_open(False)
    yield h
    await h.settle()


async def test_sign_comes_first_with_the_injected_clock(harness: Harness) -> None:
    (sign,) = harness.connection.sent
    assert sign["method"] == "server.sign"
    assert sign["params"] == {
        "access_id": CREDS.access_id,
        "signed_str": ws_signature(SECRET, NOW_MS),
        "timestamp": NOW_MS,
    }
    assert harness.rest.calls == []  # nothing wanted yet: nothing fetched


async def test_a_refused_signature_fails_without_retrying() -> None:
    rest = FakeRest()
    bad = CoinExCredentials(CREDS.access_id, "0" * 48)
    session: PrivateSession[Any] = PrivateSession(
        FakeConnection,  # type: ignore[arg-type]
        protocol=CoinExV2PrivateProtocol(),
        hooks=CoinExAccountHooks(bad, clock_ms=lambda: NOW_MS, rest=rest),
        spawn=asyncio.ensure_future,
        clock=lambda: 0.0,
        request_timeout=1.0,
        output_original_data=False,
    )
    await session.on_open(False)
    with pytest.raises(AuthenticationError) as info:
        await session.wait_ready()
    assert info.value.code == 21002
    assert session.connection.dropped == 0  # type: ignore[attr-defined]
    assert rest.calls == []


async def test_the_first_subscribe_brings_the_rest_snapshot(harness: Harness) -> None:
    sub = await harness.subscribe("orders")
    assert harness.connection.methods() == ["server.sign", "order.subscribe"]
    assert harness.rest.calls == ["orders"]
    events = await received(sub)
    assert [(e.kind, e.data.order_id) for e in events] == [
        (EventKind.SNAPSHOT, "1"),
        (EventKind.SNAPSHOT, "2"),
    ]
    assert set(harness.session.orders.open) == {"1", "2"}


async def test_pushes_update_the_account_state(harness: Harness) -> None:
    orders = await harness.subscribe("orders")
    balances = await harness.subscribe("balances")
    await received(orders)
    await received(balances)
    harness.connection.push(order_push("1", "finish", unfilled="1"))
    harness.connection.push(balance_push("USDT", "90", "5"))
    await harness.settle()
    (update,) = await received(orders)
    assert (update.kind, update.data.exec_type) == (EventKind.UPDATE, "canceled")
    assert set(harness.session.orders.open) == {"2"}
    (pushed,) = await received(balances)
    assert pushed.data.balance == Decimal("95")
    assert harness.session.balances.balances == {"USDT": Decimal("95")}


async def test_a_reconnect_resubscribes_and_reconciles_from_rest(harness: Harness) -> None:
    orders = await harness.subscribe("orders")
    balances = await harness.subscribe("balances")
    await received(orders)
    await received(balances)
    harness.rest.orders = [open_order("2", filled="0.5"), open_order("3")]
    harness.rest.balances_now = [balance("USDT", "40"), balance("BTC", "1")]
    harness.rest.calls.clear()
    await harness.reconnect()
    assert harness.connection.methods()[-3:] == [
        "server.sign",
        "order.subscribe",
        "balance.subscribe",
    ] or harness.connection.methods()[-3:] == [
        "server.sign",
        "balance.subscribe",
        "order.subscribe",
    ]
    assert sorted(harness.rest.calls) == ["balances", "orders"]
    (orders_rec,) = [e.data for e in await received(orders) if isinstance(e.data, Reconciliation)]
    assert orders_rec.reason is ReconcileReason.RECONNECT
    assert [o.order_id for o in orders_rec.closed] == ["1"]
    assert [o.order_id for o in orders_rec.opened] == ["3"]
    assert [(b.order_id, a.filled_quantity) for b, a in orders_rec.changed] == [
        ("2", Decimal("0.5"))
    ]
    (balances_rec,) = [
        e.data for e in await received(balances) if isinstance(e.data, Reconciliation)
    ]
    assert balances_rec.balances == (
        BalanceChange("BTC", None, Decimal("1")),
        BalanceChange("USDT", Decimal("100"), Decimal("40")),
    )


async def test_a_lost_push_resubscribes_and_reconciles_the_feed(harness: Harness) -> None:
    orders = await harness.subscribe("orders")
    await received(orders)
    harness.rest.orders = [open_order("2")]
    harness.rest.calls.clear()
    broken = json.loads(gzip.decompress(order_push("1", "finish")))
    broken["data"]["order"]["amount"] = "lots"
    harness.connection.push(gzip.compress(json.dumps(broken).encode()))
    await harness.settle()
    await harness.settle()
    assert harness.connection.methods()[-2:] == ["order.unsubscribe", "order.subscribe"]
    assert harness.rest.calls == ["orders"]
    events = await received(orders)
    assert events[0].gap
    (rec,) = [e.data for e in events if isinstance(e.data, Reconciliation)]
    assert rec.reason is ReconcileReason.SEQUENCE_GAP
    assert [o.order_id for o in rec.closed] == ["1"]
    assert set(harness.session.orders.open) == {"2"}


async def test_updates_during_a_fetch_are_applied_after_the_snapshot(harness: Harness) -> None:
    harness.rest.gate = asyncio.Event()
    opening = asyncio.ensure_future(harness.subscribe("orders"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert harness.rest.calls == ["orders"]  # the fetch is under way
    harness.connection.push(order_push("1", "finish", unfilled="0", filled="1"))
    harness.connection.push(order_push("7", "put"))
    for _ in range(5):
        await asyncio.sleep(0)
    harness.rest.gate.set()  # the (older) snapshot still lists order 1
    sub = await opening
    kinds = [(e.kind, e.data.order_id) for e in await received(sub)]
    assert kinds[:2] == [(EventKind.UPDATE, "1"), (EventKind.UPDATE, "7")]  # live at once
    assert set(harness.session.orders.open) == {"2", "7"}


async def test_a_failed_fetch_reconnects_to_try_again(harness: Harness) -> None:
    harness.rest.fail = ConnectionClosedError("REST down")
    await harness.subscribe("balances")
    assert harness.connection.dropped == 1
    harness.rest.fail = None
    await harness.reconnect()
    assert harness.session.balances.balances == {"USDT": Decimal("100")}


async def test_the_trades_feed_is_not_fetched(harness: Harness) -> None:
    await harness.subscribe("user_trades")
    assert harness.rest.calls == []
    await harness.reconnect()
    assert harness.rest.calls == []


async def test_a_snapshot_fetched_for_a_lost_connection_is_dropped(harness: Harness) -> None:
    harness.rest.gate = asyncio.Event()
    opening = asyncio.ensure_future(harness.subscribe("orders"))
    for _ in range(20):
        await asyncio.sleep(0)
    assert harness.rest.calls == ["orders"]
    harness.session.on_close()  # lost while the fetch is under way
    harness.connection.connects += 1
    harness.rest.gate.set()
    await opening
    assert harness.session.orders.open == {}  # the old connection's answer is not applied
    harness.rest.orders = [open_order("9")]
    await harness.session.on_open(True)
    assert set(harness.session.orders.open) == {"9"}
