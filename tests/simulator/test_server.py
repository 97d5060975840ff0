"""The server's lifecycle, routing, heartbeats and clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import websockets

from simulator.sim_client import connect, is_channel
from spotstream.simulator import ManualClock, Simulator, serve_forever


async def test_heartbeat_only_while_subscribed_and_idle() -> None:
    async with Simulator(seed=1, rate=1000, heartbeat_interval=0.1) as sim:
        client = await connect(sim.urls["public"])
        await client.recv()  # status
        with pytest.raises(TimeoutError):  # no subscription: no heartbeat
            await client.recv(timeout=0.3)
        await client.send({"method": "subscribe", "params": {"channel": "instrument"}})
        await client.until(is_channel("heartbeat"), timeout=2)
        heartbeat = client.frames[-1]
        assert heartbeat == '{"channel":"heartbeat"}'
        await client.send(
            {"method": "subscribe", "params": {"channel": "book", "symbol": ["BTC/USD"]}}
        )
        await client.until(is_channel("book", "update"))
        start = len(client.frames)
        for _ in range(100):  # steady traffic: no heartbeats in between
            await client.recv()
        assert not any("heartbeat" in frame for frame in client.frames[start:])
        await client.close()


async def test_unknown_path_is_404() -> None:
    async with Simulator(seed=1, rate=10) as sim:
        url = sim.urls["public"].replace("/v2", "/v3")
        with pytest.raises(websockets.InvalidStatus) as error:
            await websockets.connect(url)
        assert error.value.response.status_code == 404


async def test_stop_closes_clients_cleanly() -> None:
    sim = Simulator(seed=1, rate=50)
    await sim.start()
    assert sim.urls["public"] == f"ws://127.0.0.1:{sim.port}/v2"
    client = await connect(sim.urls["public"])
    await client.send(
        {"method": "subscribe", "params": {"channel": "trade", "symbol": ["BTC/USD"]}}
    )
    await client.recv()
    await sim.stop()
    await client.ws.wait_closed()
    assert client.ws.close_code == 1001
    with pytest.raises(ConnectionRefusedError):
        await websockets.connect(f"ws://127.0.0.1:{sim.port}/v2")


async def test_serve_forever_until_cancelled() -> None:
    ready: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    server = asyncio.create_task(serve_forever("127.0.0.1", 0, 5, "max", ready.put_nowait))
    async with asyncio.timeout(10):
        urls = await ready.get()
    client = await connect(urls["public"])
    assert (await client.recv())["channel"] == "status"
    await client.close()
    server.cancel()
    with pytest.raises(asyncio.CancelledError):
        await server


def test_rate_validation() -> None:
    assert Simulator(rate="max").rate is None
    assert Simulator(rate=None).rate is None
    assert Simulator(rate=5).rate == 5.0
    for bad in (0, -1, "fast"):
        with pytest.raises(ValueError, match="rate"):
            Simulator(rate=bad)  # type: ignore[arg-type]


async def test_injected_clock_stamps_everything() -> None:
    clock = ManualClock(1_700_000_000_000_000_000)
    async with Simulator(seed=1, rate=50, clock=clock) as sim:
        assert sim.market_time == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
        clock.advance(1.5)
        assert sim.market_time == datetime(2023, 11, 14, 22, 13, 21, 500000, tzinfo=UTC)
        client = await connect(sim.urls["public"])
        await client.recv()
        (pong,) = await client.request({"method": "ping", "req_id": 1})
        assert pong["time_in"] == pong["time_out"] == "2023-11-14T22:13:21.500000Z"
        await client.send(
            {"method": "subscribe", "params": {"channel": "book", "symbol": ["ETH/USD"]}}
        )
        update = await client.until(is_channel("book", "update"))
        assert update["data"][0]["timestamp"] == "2023-11-14T22:13:21.500000Z"
        await client.close()


async def test_stop_with_a_client_that_stopped_reading() -> None:
    sim = Simulator(seed=1, rate="max", tape_steps=400)
    await sim.start()
    client = await connect(sim.urls["public"])
    params = {"channel": "book", "symbol": ["BTC/USD"], "depth": 1000}
    await client.send({"method": "subscribe", "params": params})
    await client.until(is_channel("book", "update"))  # then never reads again
    async with asyncio.timeout(10):
        await sim.stop()
    await client.close()


@pytest.mark.parametrize("path", ["/v2", "/auth/v2", "/l3/v2", "/v2-auth", "/v2-l3", "/v2/"])
async def test_canonical_paths_and_their_aliases_serve(path: str) -> None:
    """Kraken's URL layout (``/v2``, ``/auth/v2``, ``/l3/v2``), and the earlier paths as aliases."""
    async with Simulator(seed=1, rate=10) as sim:
        client = await connect(f"ws://127.0.0.1:{sim.port}{path}")
        assert (await client.recv())["channel"] == "status"
        await client.close()


@pytest.mark.parametrize("path", ["", "/", "/?x=1", "/auth", "/auth/"])
async def test_kraken_v1_is_served_at_the_root_and_auth(path: str) -> None:
    """The root path routes (a trailing ``/`` is stripped from every other path)."""
    async with Simulator(seed=1, rate=10) as sim:
        client = await connect(f"ws://127.0.0.1:{sim.port}{path}")
        assert (await client.recv())["event"] == "systemStatus"
        await client.close()


async def test_urls_are_the_canonical_ones() -> None:
    async with Simulator(seed=1, rate=10) as sim:
        origin = f"127.0.0.1:{sim.port}"
        assert list(sim.urls.items()) == [  # in this order: later venues only append
            ("public", f"ws://{origin}/v2"),
            ("private", f"ws://{origin}/auth/v2"),
            ("l3", f"ws://{origin}/l3/v2"),
            ("rest", f"http://{origin}"),
            ("kraken_v1_public", f"ws://{origin}/"),
            ("kraken_v1_private", f"ws://{origin}/auth"),
            ("coinex_v2", f"ws://{origin}/coinex/v2/spot"),
            ("coinex_rest", f"http://{origin}/coinex"),
            ("coinex_v1", f"ws://{origin}/coinex/"),
        ]
