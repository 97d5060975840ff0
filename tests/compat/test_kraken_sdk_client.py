"""The facade's SpotWSClient: messages, URLs, validation, reconnection, lifecycle."""

from __future__ import annotations

import asyncio
import logging
import socket
from decimal import Decimal
from typing import Any

import pytest

from compat.support import numbers_in, tasks_other_than
from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.compat.kraken_sdk import (
    MAX_RECONNECT_ERROR,
    PRIVATE_URL_ENV,
    PUBLIC_URL_ENV,
    REST_URL_ENV,
    SDK_ERROR_KEY,
    KrakenAuthenticationError,
    SpotWSClient,
    WSState,
)
from spotstream.errors import ConnectionClosedError
from spotstream.simulator import Simulator
from support.wait import eventually

FAST = ReconnectPolicy(initial=0.01, maximum=0.05)
SECRET = "a2V5"  # base64 of b"key": well-formed credentials for clients that never connect


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def __call__(self, message: Any) -> None:
        self.messages.append(message)

    def channel(self, name: str, kind: str | None = None) -> list[dict[str, Any]]:
        return [
            m
            for m in self.messages
            if isinstance(m, dict) and m.get("channel") == name and kind in (None, m.get("type"))
        ]


async def test_messages_are_raw_v2_dicts_with_exact_decimals(sim_env: Simulator) -> None:
    received = Recorder()
    async with SpotWSClient(callback=received) as client:
        assert client.state is WSState.CONNECTED
        await client.subscribe(params={"channel": "book", "symbol": ["ETH/USD"]}, req_id=7)
        await eventually(lambda: received.channel("book", "update"), what="a book update")
    assert client.state is WSState.CLOSED
    status, pong, ack = received.messages[:3]
    assert status["channel"] == "status"
    assert status["data"][0]["system"] == "online"
    assert pong["method"] == "pong"
    assert ack["method"] == "subscribe"
    assert ack["req_id"] == 7
    assert ack["success"] is True
    assert ack["result"] == {"channel": "book", "symbol": "ETH/USD", "snapshot": True, "depth": 10}
    numbers = numbers_in(received.channel("book"))
    assert numbers
    assert not [n for n in numbers if isinstance(n, float)]
    level = received.channel("book", "snapshot")[0]["data"][0]["bids"][0]
    assert isinstance(level["price"], Decimal)
    assert level["price"].as_tuple().exponent == -2


def test_endpoint_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (PUBLIC_URL_ENV, PRIVATE_URL_ENV, REST_URL_ENV):
        monkeypatch.delenv(name, raising=False)
    default = SpotWSClient(key="k", secret=SECRET)
    assert default.public_url == "wss://ws.kraken.com/v2"
    assert default.private_url == "wss://ws-auth.kraken.com/v2"
    assert default.rest_url == "https://api.kraken.com"

    monkeypatch.setenv(PUBLIC_URL_ENV, "ws://env/v2")
    monkeypatch.setenv(PRIVATE_URL_ENV, "ws://env/v2-auth")
    monkeypatch.setenv(REST_URL_ENV, "http://env")
    from_env = SpotWSClient()
    assert (from_env.public_url, from_env.private_url, from_env.rest_url) == (
        "ws://env/v2",
        "ws://env/v2-auth",
        "http://env",
    )
    sdk_style = SpotWSClient(ws_url="ws://a", auth_ws_url="ws://b", rest_url="http://c")
    assert (sdk_style.public_url, sdk_style.private_url, sdk_style.rest_url) == (
        "ws://a/v2",
        "ws://b/v2",
        "http://c",
    )
    full = SpotWSClient(ws_url="ws://a", public_url="ws://x/v2", private_url="ws://y/v2-auth")
    assert (full.public_url, full.private_url) == ("ws://x/v2", "ws://y/v2-auth")


async def test_send_message_validates_like_the_sdk() -> None:
    client = SpotWSClient()
    with pytest.raises(TypeError, match="must be type dict"):
        await client.send_message(message=["ping"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="``method``"):
        await client.send_message(message={"params": {}})
    with pytest.raises(TypeError, match="``params``"):
        await client.send_message(message={"method": "subscribe"})
    with pytest.raises(TypeError, match="``channel``"):
        await client.send_message(message={"method": "subscribe", "params": {"symbol": []}})
    with pytest.raises(KrakenAuthenticationError):
        await client.subscribe(params={"channel": "executions"})
    with pytest.raises(KrakenAuthenticationError):
        await client.send_message(message={"method": "add_order", "params": {}})
    with pytest.raises(TimeoutError, match=r"start\(\)"):
        await client.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
    with pytest.raises(ValueError, match="Missing credentials"):
        await client.get_ws_token()
    private_only = SpotWSClient(key="k", secret=SECRET, no_public=True)
    with pytest.raises(AttributeError, match="no_public"):
        await private_only.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
    with pytest.raises(ConnectionError, match="Public connection"):
        _ = private_only.active_public_subscriptions
    with pytest.raises(ConnectionError, match="Private connection"):
        _ = client.active_private_subscriptions
    assert client.public_channel_names == ["book", "instrument", "ohlc", "ticker", "trade"]
    assert client.private_channel_names == ["executions", "balances", "level3"]
    assert "add_order" in client.private_methods
    assert not client.is_auth


async def test_raw_messages_are_sent_as_given(sim_env: Simulator) -> None:
    received = Recorder()
    async with SpotWSClient(callback=received) as client:
        await client.send_message(message={"method": "ping", "req_id": 42}, raw=True)
        await eventually(
            lambda: any(m.get("req_id") == 42 for m in received.messages), what="pong 42"
        )
    assert [m["method"] for m in received.messages if m.get("req_id") == 42] == ["pong"]


async def test_reconnect_restores_subscriptions(sim_env: Simulator) -> None:
    received = Recorder()
    client = SpotWSClient(callback=received, reconnect=FAST)
    await client.start()
    try:
        await client.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
        await client.subscribe(params={"channel": "book", "depth": 10, "symbol": ["XRP/USD"]})
        await eventually(lambda: len(received.channel("book", "update")) >= 5, what="updates")
        subscriptions = client.active_public_subscriptions
        sim_env.faults.drop_connections()
        await eventually(
            lambda: (
                len(received.channel("status")) == 2
                and len(received.channel("book", "snapshot")) == 2
                and len(received.channel("ticker", "snapshot")) == 2
            ),
            what="a second connection with fresh snapshots",
        )
        assert client.active_public_subscriptions == subscriptions
        assert not client.exception_occur
    finally:
        await client.close()


def _closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return int(listener.getsockname()[1])


class _Impatient(SpotWSClient):
    MAX_RECONNECT_NUM = 2


async def test_gives_up_after_too_many_reconnects() -> None:
    received = Recorder()
    before = asyncio.all_tasks()
    client = _Impatient(
        callback=received, public_url=f"ws://127.0.0.1:{_closed_port()}/v2", reconnect=FAST
    )
    with pytest.raises(ConnectionClosedError):
        await client.start()
    await eventually(lambda: bool(received.messages), what="the synthetic error message")
    assert received.messages == [{SDK_ERROR_KEY: {"error": MAX_RECONNECT_ERROR}}]
    assert client.exception_occur
    assert client.state is WSState.ERROR
    await client.close()
    assert not tasks_other_than(before)


async def test_stop_is_a_deprecated_close(sim_env: Simulator) -> None:
    client = SpotWSClient(callback=Recorder())
    await client.start()
    with pytest.warns(DeprecationWarning, match="close"):
        await client.stop()
    assert client.state is WSState.CLOSED


async def test_a_failing_on_message_is_logged_and_the_next_message_delivered(
    sim_env: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    received = Recorder()

    async def on_message(message: Any) -> None:
        if isinstance(message, dict) and message.get("channel") == "status":
            raise RuntimeError("boom")
        await received(message)

    async with SpotWSClient(callback=on_message) as client:
        await client.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
        await eventually(lambda: received.channel("ticker"), what="ticker after the failure")
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert "on_message raised" in failures[0].getMessage()


async def test_a_sync_callback_works_too(sim_env: Simulator) -> None:
    received: list[Any] = []
    async with SpotWSClient(callback=received.append) as client:
        await client.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
        await eventually(lambda: len(received) >= 4, what="status, pong, ack, ticker")


async def test_close_from_on_message(sim_env: Simulator) -> None:
    before = asyncio.all_tasks()
    seen: list[Any] = []

    class Closer(SpotWSClient):
        async def on_message(self, message: Any) -> None:
            seen.append(message)
            if isinstance(message, dict) and message.get("channel") == "ticker":
                await self.close()

    client = Closer()
    await client.start()
    await client.subscribe(params={"channel": "ticker", "symbol": ["BTC/USD"]})
    await eventually(lambda: client.state is WSState.CLOSED, what="closed from on_message")
    await eventually(lambda: not tasks_other_than(before), what="every task ended")
    assert seen[-1]["channel"] == "ticker"


async def test_a_consumer_too_far_behind_gets_a_fresh_connection(sim_env: Simulator) -> None:
    received = Recorder()
    release = asyncio.Event()

    async def slow(message: Any) -> None:
        await release.wait()
        await received(message)

    client = SpotWSClient(callback=slow, reconnect=FAST, queue_size=20)
    await client.start()
    try:
        await client.subscribe(params={"channel": "book", "depth": 10, "symbol": ["BTC/USD"]})
        await eventually(lambda: client.overflows > 0, what="the queue overflowed")
        release.set()
        await eventually(
            lambda: (
                len(received.channel("status")) >= 2
                and received.messages[-1].get("channel") == "book"
            ),
            what="a new connection streaming the book again",
        )
        assert client.active_public_subscriptions[0]["symbol"] == ["BTC/USD"]
        assert not client.exception_occur
    finally:
        await client.close()
