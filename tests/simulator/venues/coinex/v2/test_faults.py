"""Fault switches on CoinEx v2: the maintenance announcement (``notice.update`` and
``/v2/maintain/info``), stall and resume, dropping the endpoint by name, dropping the signed
(private) sockets; and max rate."""

from __future__ import annotations

import json

from simulator.coinex_client import CoinExClient, ReferenceBook, connect, is_push
from simulator.sim_client import connect as connect_kraken
from spotstream.auth.coinex import ws_signature
from spotstream.simulator import Simulator
from spotstream.simulator.http import HttpRequest
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY
from support.wait import eventually


def _maintain_info(sim: Simulator) -> list[dict[str, object]]:
    response = sim.coinex.rest.handle(HttpRequest("GET", "/coinex/v2/maintain/info", "HTTP/1.1"))
    data: list[dict[str, object]] = json.loads(response.body)["data"]
    return data


async def test_maintenance_is_announced_to_notice_subscribers(
    cx: CoinExClient, sim: Simulator
) -> None:
    other = await connect(sim.urls["coinex_v2"])  # not subscribed: told nothing
    await cx.request("notice.subscribe", {"channels": [101]})
    sim.faults.maintenance(starts_in=60, lasts=600)
    notice = await cx.until(is_push("notice.update"))
    (window,) = notice["data"]["maintenance_list"]
    now_ms = sim.clock() // 1_000_000
    assert 59_000 <= window["started_at"] - now_ms <= 60_000
    assert window["ended_at"] - window["started_at"] == 600_000
    assert window["scope"] == ["SPOT"]
    assert _maintain_info(sim) == [window]
    sim.faults.end_maintenance()
    assert (await cx.until(is_push("notice.update")))["data"]["maintenance_list"] == []
    assert _maintain_info(sim) == []
    assert (await other.request("server.ping"))["id"] == 1
    assert not [m for m in other.received if m.get("method") == "notice.update"]
    await other.close()


async def test_stall_then_resume(cx: CoinExClient, sim: Simulator) -> None:
    await cx.request("depth.subscribe", {"market_list": [["BTCUSDT", 5, "0", False]]})
    book = ReferenceBook(2, 8)
    book.apply(await cx.until(is_push("depth.update")))
    sim.faults.stall()
    await cx.ws.send(json.dumps({"method": "server.ping", "params": {}, "id": 50}))
    sim.faults.resume()  # what was queued arrives, in order
    while True:
        message = await cx.recv()
        if message.get("id") == 50:
            break
        book.apply(message)
    book.apply(await cx.until(is_push("depth.update")))


async def test_drop_the_coinex_endpoint_only(cx: CoinExClient, sim: Simulator) -> None:
    kraken = await connect_kraken(sim.urls["public"])
    await cx.request("depth.subscribe", {"market_list": [["BTCUSDT", 5, "0", False]]})
    assert sim.coinex.hub.depth
    sim.drop_connections(endpoint="coinex_v2")
    await cx.ws.wait_closed()
    await eventually(lambda: {c.endpoint for c in sim.connections} == {"public"})
    assert not sim.coinex.hub.depth  # the session left its groups
    await kraken.close()


async def test_depth_at_max_rate() -> None:
    async with Simulator(seed=6, rate="max", tape_steps=400) as sim:
        sim.coinex.hub.push_interval_ns = 0
        cx = await connect(sim.urls["coinex_v2"])
        await cx.request("depth.subscribe", {"market_list": [["ETHUSDT", 20, "0", False]]})
        book = ReferenceBook(2, 8)
        while book.pushes < 50:
            book.apply(await cx.until(is_push("depth.update")))
        assert len(book.bids) == len(book.asks) == 20
        await cx.close()


async def test_drop_private_connections_cuts_signed_coinex_sockets(sim: Simulator) -> None:
    signed, public = await connect(sim.urls["coinex_v2"]), await connect(sim.urls["coinex_v2"])
    stamp = 1_700_000_000_000
    params = {
        "access_id": COINEX_TEST_KEY.access_id,
        "signed_str": ws_signature(COINEX_TEST_KEY.secret_key, stamp),
        "timestamp": stamp,
    }
    assert (await signed.request("server.sign", params))["code"] == 0
    sim.faults.drop_private_connections()
    await signed.ws.wait_closed()
    assert (await public.request("server.ping"))["code"] == 0  # still up
    await eventually(lambda: not sim.coinex.signed)
    await public.close()
