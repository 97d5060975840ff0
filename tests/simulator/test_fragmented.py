"""The simulator under a hostile client (issue 11): a message fragmented into continuation
frames is capped at the single-frame limit (10 MiB) as a whole: the client is closed with
1009 instead of growing the simulator's memory; everyone else is still served."""

from __future__ import annotations

import json

import pytest
import websockets

from spotstream.simulator.connection import MAX_MESSAGE, MESSAGE_TOO_BIG
from spotstream.simulator.server import Simulator

CHUNK = "x" * (1 << 20)


async def _send_and_read(ws: websockets.ClientConnection, fragments: list[str]) -> None:
    await ws.send(iter(fragments))
    while True:
        await ws.recv()


async def test_a_fragmented_message_past_the_limit_is_refused_with_1009() -> None:
    async with Simulator(seed=3, rate=50) as sim:
        url = sim.urls["public"]
        async with websockets.connect(url, max_size=None) as hostile:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await _send_and_read(hostile, [CHUNK] * (MAX_MESSAGE // len(CHUNK) + 2))
            received = closed.value.rcvd
            assert received is not None
            assert received.code == MESSAGE_TOO_BIG
        async with websockets.connect(url) as polite:  # the simulator still serves
            await polite.send(json.dumps({"method": "ping", "req_id": 7}))
            while True:
                answer = json.loads(await polite.recv())
                if answer.get("method") == "pong":
                    break
            assert answer["req_id"] == 7


async def test_a_fragmented_message_under_the_limit_is_served() -> None:
    async with Simulator(seed=3, rate=50) as sim, websockets.connect(sim.urls["public"]) as ws:
        ping = json.dumps({"method": "ping", "req_id": 9})
        await ws.send(iter([ping[:10], ping[10:]]))  # two fragments
        while True:
            answer = json.loads(await ws.recv())
            if answer.get("method") == "pong":
                break
        assert answer["req_id"] == 9
