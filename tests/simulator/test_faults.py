"""Fault switches: what client tests use to prove reconnection and resynchronisation."""

from __future__ import annotations

import asyncio

import pytest
import websockets

from simulator.sim_client import RawClient, connect, is_channel
from simulator.sim_reference import NaiveBook
from spotstream.simulator import Simulator


async def _subscribed(sim: Simulator, depth: int = 10, symbol: str = "BTC/USD") -> RawClient:
    client = await connect(sim.urls["public"])
    await client.recv()  # status
    params = {"channel": "book", "symbol": [symbol], "depth": depth}
    await client.send({"method": "subscribe", "params": params})
    return client


async def test_drop_connections(sim: Simulator) -> None:
    clients = [await _subscribed(sim), await _subscribed(sim)]
    for client in clients:
        await client.until(is_channel("book", "update"))
    sim.faults.drop_connections()
    for client in clients:
        with pytest.raises(websockets.ConnectionClosedError):
            await client.until(lambda m: False)
        assert client.ws.close_code == 1006  # no close frame: a network drop
    again = await connect(sim.urls["public"])
    assert (await again.recv())["channel"] == "status"
    await again.close()


async def test_drop_next_connection(sim: Simulator) -> None:
    sim.faults.drop_next_connection()
    dropped = await connect(sim.urls["public"])
    with pytest.raises(websockets.ConnectionClosedError):
        await dropped.recv()
    fine = await connect(sim.urls["public"])
    assert (await fine.recv())["channel"] == "status"
    await fine.close()


async def test_corrupt_next_checksum_once_per_depth(sim: Simulator) -> None:
    clients = {depth: await _subscribed(sim, depth, "ETH/USD") for depth in (10, 25)}
    books = {}
    for depth, client in clients.items():
        item = (await client.until(is_channel("book", "snapshot")))["data"][0]
        books[depth] = NaiveBook(depth, 2, 8)
        books[depth].apply(item, snapshot=True)
    sim.faults.corrupt_next_checksum("ETH/USD")
    for depth, client in clients.items():
        results = []
        for _ in range(30):
            item = (await client.until(is_channel("book", "update")))["data"][0]
            books[depth].apply(item, snapshot=False)
            results.append(books[depth].checksum == item["checksum"])
        assert results.count(False) == 1, depth  # the book itself stays right
        await client.close()


async def test_malform_next_book_spoils_one_update(sim: Simulator) -> None:
    client = await _subscribed(sim, 10, "ETH/USD")
    await client.until(is_channel("book", "snapshot"))
    sim.faults.malform_next_book("ETH/USD")
    checksums = [(await client.until(is_channel("book", "update")))["data"][0]["checksum"]
                 for _ in range(5)]  # fmt: skip
    assert checksums[0] == "x"
    assert all(isinstance(c, int) for c in checksums[1:])
    await client.close()


async def test_half_open_stops_sending_without_closing(sim: Simulator) -> None:
    client = await _subscribed(sim)
    await client.until(is_channel("book", "update"))
    sim.faults.half_open()
    await client.send({"method": "ping", "req_id": 9})
    with pytest.raises(TimeoutError):  # open, read, but silent (frames in flight aside)
        await client.until(lambda m: m.get("req_id") == 9, timeout=0.5)
    assert client.ws.close_code is None
    fresh = await _subscribed(sim)  # new connections are served
    await fresh.until(is_channel("book", "update"))
    await client.close()
    await fresh.close()


async def test_close_connections_with_1008(sim: Simulator) -> None:
    client = await _subscribed(sim)
    await client.until(is_channel("book", "update"))
    sim.faults.close_connections()
    with pytest.raises(websockets.ConnectionClosed):
        await client.until(lambda m: False)
    assert client.ws.close_code == 1008
    assert client.ws.close_reason == "policy violation"


async def test_stall_and_resume(sim: Simulator) -> None:
    client = await _subscribed(sim)
    await client.until(is_channel("book", "update"))
    sim.faults.stall()
    await client.send({"method": "ping", "req_id": 77})
    with pytest.raises(TimeoutError):  # nothing while stalled but frames already in flight
        await client.until(lambda m: m.get("channel") != "book", timeout=0.3)
    sim.faults.resume()
    await client.until(lambda m: m.get("req_id") == 77)
    await client.until(is_channel("book", "update"))
    await client.close()


async def test_stall_for_a_while() -> None:
    async with Simulator(seed=1, rate=100, heartbeat_interval=0.05) as sim:
        client = await _subscribed(sim)
        await client.until(is_channel("book", "snapshot"))
        sim.faults.stall(0.2)
        assert sim.stalled
        await client.until(is_channel("book", "update"))
        assert not sim.stalled
        await client.close()


async def test_reject_next_subscribe(client: RawClient, sim: Simulator) -> None:
    sim.faults.reject_next_subscribe("EService:Unavailable")
    params = {"channel": "ticker", "symbol": ["BTC/USD", "ETH/USD"]}
    answers = await client.request(
        {"method": "subscribe", "params": params, "req_id": 5}, answers=2
    )
    assert [(a["success"], a["error"], a["symbol"]) for a in answers] == [
        (False, "EService:Unavailable", "BTC/USD"),
        (False, "EService:Unavailable", "ETH/USD"),
    ]
    answers = await client.request(
        {"method": "subscribe", "params": params, "req_id": 6}, answers=2
    )
    assert all(a["success"] for a in answers)


async def test_faults_in_max_rate_mode() -> None:
    async with Simulator(seed=2, rate="max", tape_steps=800) as sim:
        client = await _subscribed(sim, 10, "XRP/USD")
        item = (await client.until(is_channel("book", "snapshot")))["data"][0]
        book = NaiveBook(10, 5, 8)
        book.apply(item, snapshot=True)
        sim.faults.corrupt_next_checksum("XRP/USD")
        results = []
        for _ in range(1000):
            item = (await client.until(is_channel("book", "update")))["data"][0]
            book.apply(item, snapshot=False)
            results.append(book.checksum == item["checksum"])
        assert results.count(False) == 1
        sim.faults.drop_connections()
        with pytest.raises(websockets.ConnectionClosedError):
            await client.until(lambda m: False)
        await asyncio.sleep(0)
