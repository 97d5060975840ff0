"""The facade's private side against the simulator: the SDK's documented authenticated
examples (README, SpotWSClient docstrings, send_message's trading examples), token
failures, and resubscription of private channels after a reconnect."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from compat.support import Printed, tasks_other_than
from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.compat.kraken_sdk import SDK_ERROR_KEY, SpotWSClient
from spotstream.errors import AuthenticationError
from spotstream.simulator import Simulator
from spotstream.simulator.matching.accounts import READ_ONLY_ACCOUNT, TEST_ACCOUNT
from support.wait import eventually

KEY, SECRET = TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def __call__(self, message: Any) -> None:
        self.messages.append(message)

    def answers(self, method: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if isinstance(m, dict) and m.get("method") == method]

    def channel(self, name: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [
            m
            for m in self.messages
            if isinstance(m, dict) and m.get("channel") == name and kind in (None, m.get("type"))
        ]

    def reports(self, order_id: str, exec_type: str) -> list[dict[str, Any]]:
        return [
            r
            for m in self.channel("executions")
            for r in m["data"]
            if r.get("order_id") == order_id and r.get("exec_type") == exec_type
        ]


# --- README: the authenticated half of the SpotWSClient example ------------------------------


class Client(SpotWSClient):
    """Can be used to create a custom trading strategy"""

    async def on_message(self, message):  # type: ignore[no-untyped-def]
        """Receives the websocket messages"""
        if message.get("method") == "pong" or message.get("channel") == "heartbeat":
            return

        print(message)


async def test_readme_authenticated_client(sim_env: Simulator, printed: Printed) -> None:
    before = asyncio.all_tasks()
    client_auth = Client(key=KEY, secret=SECRET, no_public=True)
    await client_auth.start()
    await client_auth.subscribe(params={"channel": "balances"})
    try:
        await eventually(lambda: "'channel': 'balances'" in printed.text, what="balances")
        assert not client_auth.exception_occur
    finally:
        await client_auth.close()
    assert "'asset': 'USD'" in printed.text
    assert [s["channel"] for s in client_auth.active_private_subscriptions] == ["balances"]
    assert not tasks_other_than(before)


# --- SpotWSClient docstring: "Use the websocket client as context manager" --------------------


async def test_docstring_context_manager_with_keys(sim_env: Simulator, printed: Printed) -> None:
    async def on_message(message):  # type: ignore[no-untyped-def]
        print(message)

    async with SpotWSClient(key=KEY, secret=SECRET, callback=on_message) as session:
        await session.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
        await session.subscribe(params={"channel": "executions"})
        await eventually(
            lambda: (
                "'channel': 'ticker'" in printed.text and "'channel': 'executions'" in printed.text
            ),
            what="public and private data on one client",
        )
    assert [s["channel"] for s in session.active_public_subscriptions] == ["ticker"]
    assert [s["channel"] for s in session.active_private_subscriptions] == ["executions"]


# --- send_message docstring: place and cancel orders ----------------------------------------


async def test_place_and_cancel_an_order(sim_env: Simulator) -> None:
    received = Recorder()
    async with SpotWSClient(key=KEY, secret=SECRET, callback=received) as client_auth:
        await client_auth.subscribe(params={"channel": "executions"})
        await eventually(lambda: received.channel("executions", "snapshot"), what="snapshot")
        await client_auth.send_message(
            message={
                "method": "add_order",
                "params": {
                    "limit_price": 50000.5,
                    "order_type": "limit",
                    "order_userref": 123456789,
                    "order_qty": 0.01,
                    "side": "buy",
                    "symbol": "BTC/USD",
                },
            }
        )
        await eventually(lambda: received.answers("add_order"), what="add_order answered")
        added = received.answers("add_order")[0]
        assert added["success"], added
        order_id = added["result"]["order_id"]
        await eventually(lambda: received.reports(order_id, "new"), what="the new order")
        await client_auth.send_message(
            message={"method": "cancel_order", "params": {"order_id": [order_id]}}
        )
        await eventually(lambda: received.reports(order_id, "canceled"), what="canceled")
    assert [a["result"]["order_id"] for a in received.answers("cancel_order")] == [order_id]
    new = received.reports(order_id, "new")[0]
    assert new["order_userref"] == 123456789


async def test_documented_trading_methods(sim_env: Simulator) -> None:
    received = Recorder()
    async with SpotWSClient(key=KEY, secret=SECRET, callback=received) as client_auth:
        await client_auth.send_message(
            message={
                "method": "batch_add",
                "params": {
                    "orders": [
                        {
                            "limit_price": 50000.2,
                            "order_qty": 1,
                            "order_type": "limit",
                            "order_userref": 123456789,
                            "side": "buy",
                        },
                        {
                            "limit_price": 90000.1,
                            "order_qty": 0.12345,
                            "order_type": "limit",
                            "cl_ord_id": "my-client-order-id",
                            "side": "sell",
                            "stp_type": "cancel_both",
                        },
                    ],
                    "symbol": "BTC/USD",
                    "validate": True,
                },
            }
        )
        await client_auth.send_message(
            message={"method": "cancel_all_orders_after", "params": {"timeout": 60}}
        )
        await client_auth.send_message(message={"method": "cancel_all"})
        await eventually(
            lambda: all(
                received.answers(m) for m in ("batch_add", "cancel_all_orders_after", "cancel_all")
            ),
            what="every method answered",
        )
    for method in ("batch_add", "cancel_all_orders_after", "cancel_all"):
        answer = received.answers(method)[0]
        assert answer["success"], answer
    assert len(received.answers("batch_add")[0]["result"]) == 2
    assert received.answers("cancel_all")[0]["result"] == {"count": 0}


async def test_private_subscriptions_survive_a_reconnect(sim_env: Simulator) -> None:
    received = Recorder()
    client = SpotWSClient(
        key=KEY,
        secret=SECRET,
        callback=received,
        no_public=True,
        reconnect=ReconnectPolicy(initial=0.01, maximum=0.05),
    )
    await client.start()
    try:
        await client.subscribe(params={"channel": "balances"})
        await eventually(lambda: received.channel("balances", "snapshot"), what="balances")
        sim_env.faults.drop_connections()
        await eventually(
            lambda: len(received.channel("balances", "snapshot")) == 2,
            what="balances resubscribed with a fresh token",
        )
        assert not client.exception_occur
    finally:
        await client.close()


@pytest.mark.parametrize(
    ("key", "secret", "error", "kind"),
    [
        (
            KEY,
            base64.b64encode(b"not the secret").decode(),
            "EAPI:Invalid signature",
            "AuthenticationError",
        ),
        (
            READ_ONLY_ACCOUNT.api_key,
            READ_ONLY_ACCOUNT.api_secret,
            "Permission denied",
            "PermissionDeniedError",  # an AuthenticationError that says why
        ),
    ],
)
async def test_a_refused_token_fails_start(
    sim_env: Simulator, key: str, secret: str, error: str, kind: str
) -> None:
    received = Recorder()
    client = SpotWSClient(key=key, secret=secret, callback=received, no_public=True)
    with pytest.raises(AuthenticationError, match=error):
        await client.start()
    await eventually(lambda: bool(received.messages), what="the synthetic error message")
    (message,) = received.messages
    assert message[SDK_ERROR_KEY]["error"] == f"spotstream.errors.{kind}"
    assert error in message[SDK_ERROR_KEY]["detail"]
    assert client.exception_occur
    await client.close()


async def test_get_ws_token(sim_env: Simulator) -> None:
    client = SpotWSClient(key=KEY, secret=SECRET)
    token = await client.get_ws_token()
    assert set(token) == {"token", "expires"}
    assert token["token"]
    assert token["expires"] > 0
