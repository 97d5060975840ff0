"""The per-connection message rate limit: every venue refuses a burst past the bucket with its
own error and executes nothing of it; a client within the limit sees no refusal.

The simulator runs on a :class:`ManualClock`, so the bucket refills only when a test moves
the clock (no timing in these tests)."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import websockets

from spotstream.simulator import ManualClock, Simulator
from spotstream.simulator.msgrate import MessageRate, TokenBucket

TIMEOUT = 10.0
Verdict = Callable[[Any], str | None]  # a message -> "ok", "refused" or None (not an answer)


def _kraken_v2(i: int) -> dict[str, Any]:
    return {"method": "ping", "req_id": i}


def _kraken_v2_verdict(m: Any) -> str | None:
    if m.get("method") == "pong":
        return "ok"
    if m.get("error") == "Exceeded msg rate":
        assert m["method"] == "ping"
        assert m["success"] is False
        assert isinstance(m["req_id"], int)
        assert {"time_in", "time_out"} <= m.keys()
        return "refused"
    return None


def _kraken_v1(i: int) -> dict[str, Any]:
    return {"event": "ping", "reqid": i}


def _kraken_v1_verdict(m: Any) -> str | None:
    if m == {"Error": "Exceeded msg rate"}:
        return "refused"
    return "ok" if isinstance(m, dict) and m.get("event") == "pong" else None


def _coinex_v2(i: int) -> dict[str, Any]:
    return {"method": "server.ping", "params": {}, "id": i}


def _coinex_v2_verdict(m: Any) -> str | None:
    if m.get("code") == 0 and m["data"] == {"result": "pong"}:
        return "ok"
    if m.get("code") == 23002:
        assert m["message"] == "too many requests"
        assert isinstance(m["id"], int)
        return "refused"
    return None


def _coinex_v1(i: int) -> dict[str, Any]:
    return {"method": "server.ping", "params": [], "id": i}


def _coinex_v1_verdict(m: Any) -> str | None:
    if m.get("result") == "pong":
        return "ok"
    error = m.get("error")
    if error and error["code"] == 23002:
        assert m["result"] is None
        assert isinstance(m["id"], int)
        return "refused"
    return None


VENUES: dict[str, tuple[Callable[[int], dict[str, Any]], Verdict]] = {
    "public": (_kraken_v2, _kraken_v2_verdict),
    "private": (_kraken_v2, _kraken_v2_verdict),
    "l3": (_kraken_v2, _kraken_v2_verdict),
    "kraken_v1_public": (_kraken_v1, _kraken_v1_verdict),
    "kraken_v1_private": (_kraken_v1, _kraken_v1_verdict),
    "coinex_v2": (_coinex_v2, _coinex_v2_verdict),
    "coinex_v1": (_coinex_v1, _coinex_v1_verdict),
}


class Socket:
    """A raw websocket that decodes text or gzip binary frames."""

    def __init__(self, ws: websockets.ClientConnection, verdict: Verdict) -> None:
        self.ws = ws
        self.verdict = verdict

    async def send_all(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            await self.ws.send(json.dumps(message))

    async def verdicts(self, count: int) -> list[str]:
        """The next ``count`` answers, as ``"ok"`` or ``"refused"``, in order."""
        out: list[str] = []
        async with _deadline():
            while len(out) < count:
                frame = await self.ws.recv()
                text = gzip.decompress(frame) if isinstance(frame, bytes) else frame
                verdict = self.verdict(json.loads(text))
                if verdict is not None:
                    out.append(verdict)
        return out


def _deadline() -> asyncio.Timeout:
    return asyncio.timeout(TIMEOUT)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def sim(clock: ManualClock) -> AsyncIterator[Simulator]:
    async with Simulator(seed=3, rate=200, clock=clock) as simulator:
        yield simulator


async def _open(sim: Simulator, endpoint: str) -> tuple[Socket, Callable[[int], dict[str, Any]]]:
    request, verdict = VENUES[endpoint]
    ws = await websockets.connect(sim.urls[endpoint], max_size=None, compression=None)
    return Socket(ws, verdict), request


@pytest.mark.parametrize("endpoint", list(VENUES))
async def test_a_burst_past_the_bucket_is_refused(sim: Simulator, endpoint: str) -> None:
    socket, request = await _open(sim, endpoint)
    await socket.send_all([request(i) for i in range(1, 61)])
    verdicts = await socket.verdicts(60)
    assert verdicts == ["ok"] * 40 + ["refused"] * 20
    assert sim.throttled == 20
    await socket.ws.close()


@pytest.mark.parametrize("endpoint", list(VENUES))
async def test_a_client_within_the_limit_is_never_refused(
    sim: Simulator, clock: ManualClock, endpoint: str
) -> None:
    socket, request = await _open(sim, endpoint)
    await socket.send_all([request(i) for i in range(1, 21)])  # the client's burst: 20
    assert await socket.verdicts(20) == ["ok"] * 20
    for second in range(5):  # then 10 a second
        clock.advance(1)
        await socket.send_all([request(100 + 10 * second + i) for i in range(10)])
        assert await socket.verdicts(10) == ["ok"] * 10
    assert sim.throttled == 0
    await socket.ws.close()


async def test_refused_requests_are_not_executed(sim: Simulator) -> None:
    socket, request = await _open(sim, "public")
    await socket.send_all([request(i) for i in range(1, 41)])
    assert await socket.verdicts(40) == ["ok"] * 40
    subscribe = {"method": "subscribe", "params": {"channel": "ticker", "symbol": ["BTC/USD"]}}
    await socket.ws.send(json.dumps({**subscribe, "req_id": 99}))
    async with _deadline():
        while True:
            answer = json.loads(await socket.ws.recv())
            if answer.get("req_id") == 99:
                break
    assert answer["error"] == "Exceeded msg rate"
    assert answer["method"] == "subscribe"
    assert not sim.fanout.active_symbols  # nothing subscribed
    await socket.ws.close()


async def test_the_limit_can_be_switched_off(clock: ManualClock) -> None:
    async with Simulator(seed=3, rate=200, clock=clock, message_rate=None) as sim:
        socket, request = await _open(sim, "coinex_v2")
        await socket.send_all([request(i) for i in range(1, 101)])
        assert await socket.verdicts(100) == ["ok"] * 100
        assert sim.throttled == 0
        await socket.ws.close()


def test_the_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(MessageRate(capacity=2, per_second=4), 0)
    assert [bucket.take(0) for _ in range(3)] == [True, True, False]
    assert not bucket.take(249_999_999)  # a quarter second makes one token
    assert bucket.take(250_000_000)
    assert [bucket.take(10**10) for _ in range(3)] == [True, True, False]  # capped at 2


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        MessageRate(capacity=0)
