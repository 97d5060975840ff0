"""CoinEx v1 is retired: an endpoint that accepts and closes, or never answers, fails the
first call within the connect timeout with EndpointRetiredError naming v2 (offline, against
local servers on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import websockets

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.coinex.client import CoinExSocketClient
from spotstream.coinex.v1.client import CoinExV1SocketClient
from spotstream.errors import ConnectionClosedError, EndpointRetiredError

ServerHandler = Callable[[websockets.ServerConnection], Awaitable[None]]


async def closes_at_once(connection: websockets.ServerConnection) -> None:
    await connection.close()


async def never_answers(connection: websockets.ServerConnection) -> None:
    async for _ in connection:
        pass


@pytest.fixture(params=[closes_at_once, never_answers])
async def url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    handler: ServerHandler = request.param
    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/"


def test_api_version_1_is_the_v1_client() -> None:
    client = CoinExSocketClient(api_version=1, url="ws://127.0.0.1:1/")
    assert isinstance(client, CoinExV1SocketClient)
    assert client.api_version == 1
    assert type(CoinExSocketClient()) is CoinExSocketClient
    assert client._keepalive_interval == 60  # server.ping every minute, as CoinEx.Net
    assert client._dead_after == 150  # a quiet minute between pings is no dead link
    direct = CoinExV1SocketClient(url="ws://127.0.0.1:1/")  # for typed code: the same
    assert direct.api_version == 1
    assert direct._keepalive_interval == 60
    assert CoinExSocketClient()._keepalive_interval <= 15  # v2: at most 15 s


async def test_a_v1_endpoint_that_does_not_answer_is_reported_retired(url: str) -> None:
    policy = ReconnectPolicy(initial=0.01, maximum=0.05)
    async with CoinExSocketClient(
        api_version=1, url=url, connect_timeout=0.5, reconnect=policy
    ) as client:
        with pytest.raises(EndpointRetiredError, match="retired v1") as caught:
            await client.spot.get_ticker("BTCUSDT")
        assert "CoinExSocketClient()" in str(caught.value)
        assert "v2/spot" in str(caught.value)
        assert isinstance(caught.value, ConnectionClosedError)
        with pytest.raises(EndpointRetiredError):
            await client.spot.order_book("BTCUSDT")


async def test_the_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPOTSTREAM_COINEX_V1_URL", "ws://127.0.0.1:9/coinex/")
    assert CoinExSocketClient(api_version=1).url == "ws://127.0.0.1:9/coinex/"
    monkeypatch.delenv("SPOTSTREAM_COINEX_V1_URL")
    assert CoinExSocketClient(api_version=1).url == "wss://socket.coinex.com/"
