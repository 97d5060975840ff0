"""CoinEx v1 over the socket: routing, envelopes, error codes, server methods, ``server.sign``
and the query methods' answer shapes."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.request
from decimal import Decimal
from typing import Any

import pytest
import websockets

from simulator.coinex_client import connect as connect_v2
from simulator.coinex_v1_client import V1Book, V1Client, connect, v1_sign
from spotstream.simulator import Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY

KEY = COINEX_TEST_KEY
PRICE = re.compile(r"^\d+\.\d{2}$")
AMOUNT = re.compile(r"^\d+\.\d{8}$")


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


async def sign(v1: V1Client, tonce: int | None = None, *, lower: bool = False) -> Any:
    tonce = _now_ms() if tonce is None else tonce
    authorization = v1_sign(KEY.access_id, KEY.secret_key, tonce)
    authorization = authorization.lower() if lower else authorization
    return await v1.request("server.sign", [KEY.access_id, authorization, tonce])


@pytest.mark.parametrize("path", ["/coinex/", "/coinex"])
async def test_v1_is_served_at_coinex_with_or_without_the_slash(sim: Simulator, path: str) -> None:
    assert sim.urls["coinex_v1"] == f"ws://127.0.0.1:{sim.port}/coinex/"
    client = await connect(f"ws://127.0.0.1:{sim.port}{path}")
    assert await client.request("server.ping") == {"error": None, "result": "pong", "id": 1}
    await client.close()


async def test_v2_still_routes_to_v2(sim: Simulator) -> None:
    cx = await connect_v2(sim.urls["coinex_v2"])  # asserts gzip binary frames
    assert (await cx.request("server.ping"))["code"] == 0
    await cx.close()


async def test_server_time_is_int_seconds(v1: V1Client) -> None:
    before = time.time()
    result = await v1.result("server.time")
    assert isinstance(result, int)
    assert before - 2 <= result <= time.time() + 1


async def test_errors_carry_the_documented_codes(v1: V1Client) -> None:
    unknown = await v1.request("server.nothing")
    assert unknown == {
        "error": {"code": 4, "message": "method not found"},
        "result": None,
        "id": 1,
    }
    for method, params in (
        ("state.query", ["NOPEUSDT", 86400]),
        ("state.query", ["BTCUSDT"]),
        ("depth.query", ["BTCUSDT", 7, "0"]),
        ("depth.subscribe", ["BTCUSDT", 5, "0.3"]),
        ("deals.query", ["BTCUSDT", 0, 0]),
        ("kline.query", ["BTCUSDT", 0, 10, 61]),
        ("kline.subscribe", ["BTCUSDT"]),
        ("state.subscribe", "BTCUSDT"),
        ("server.sign", [KEY.access_id, "x"]),
    ):
        answer = await v1.request(method, params)
        assert answer["error"]["code"] == 1, (method, params, answer)
        assert answer["result"] is None
    await v1.ws.send("not json")
    garbled = await v1.recv()
    assert garbled["error"]["code"] == 1
    assert garbled["id"] is None


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("asset.query", []),
        ("asset.subscribe", []),
        ("order.query", ["BTCUSDT", 0, 10]),
        ("order.subscribe", []),
        ("order.unsubscribe", []),
    ],
)
async def test_private_methods_before_sign_are_code_6(
    v1: V1Client, method: str, params: list[Any]
) -> None:
    answer = await v1.request(method, params)
    assert answer["error"] == {"code": 6, "message": "require authentication"}


async def test_sign_accepts_the_md5_upper_or_lower(sim: Simulator) -> None:
    for lower in (False, True):
        client = await connect(sim.urls["coinex_v1"])
        answer = await sign(client, lower=lower)
        assert answer == {"error": None, "result": {"status": "success"}, "id": 1}
        assert (await client.request("asset.query", []))["error"] is None
        await client.close()


async def test_sign_refuses_a_wrong_signature_and_a_stale_tonce(v1: V1Client) -> None:
    tonce = _now_ms()
    wrong = v1_sign(KEY.access_id, "not the secret", tonce)
    answer = await v1.request("server.sign", [KEY.access_id, wrong, tonce])
    assert answer["error"]["code"] == 11
    unknown = v1_sign("NOBODY", KEY.secret_key, tonce)
    assert (await v1.request("server.sign", ["NOBODY", unknown, tonce]))["error"]["code"] == 11
    for stale in (tonce - 61_000, tonce + 61_000):
        assert (await sign(v1, stale))["error"] == {"code": 11, "message": "tonce out of range"}
    assert (await v1.request("asset.query", []))["error"]["code"] == 6  # still not signed
    assert (await sign(v1, tonce - 50_000))["error"] is None  # within 60 s


async def test_state_query(v1: V1Client) -> None:
    state = await v1.result("state.query", ["BTCUSDT", 86400])
    assert list(state) == ["close", "deal", "high", "last", "low", "open", "period", "volume"]
    assert state["period"] == 86400
    for field in ("close", "high", "last", "low", "open"):
        assert PRICE.match(state[field])
    assert AMOUNT.match(state["volume"])
    assert Decimal(state["low"]) <= Decimal(state["last"]) <= Decimal(state["high"])
    assert Decimal(state["deal"]) > 0


async def test_depth_query_is_a_checked_window(v1: V1Client) -> None:
    depth = await v1.result("depth.query", ["ETHUSDT", 10, "0"])
    assert list(depth) == ["asks", "bids", "last", "time", "checksum"]
    assert len(depth["asks"]) == len(depth["bids"]) == 10
    assert abs(depth["time"] - _now_ms()) < 5_000  # ms
    book = V1Book()
    book.apply({"params": [True, depth, "ETHUSDT"]})  # checks the checksum
    assert max(book.bids) < min(book.asks)
    merged = await v1.result("depth.query", ["BTCUSDT", 5, "10"])
    assert all(Decimal(p) % 10 == 0 for p, _ in merged["bids"] + merged["asks"])


async def test_deals_query_is_newest_first_after_last_id(v1: V1Client) -> None:
    deals = await v1.result("deals.query", ["BTCUSDT", 10, 0])
    assert 0 < len(deals) <= 10
    assert [set(d) for d in deals] == [{"id", "time", "type", "price", "amount"}] * len(deals)
    ids = [d["id"] for d in deals]
    assert ids == sorted(ids, reverse=True)
    assert all(isinstance(d["time"], float) and d["type"] in ("buy", "sell") for d in deals)
    newer = await v1.result("deals.query", ["BTCUSDT", 100, ids[2]])
    assert [d["id"] for d in newer][-2:] == ids[:2]
    assert all(d["id"] > ids[2] for d in newer)


async def test_kline_query_rows(v1: V1Client) -> None:
    now = int(time.time())
    for interval in (60, 180, 3600, 7200, 43200, 259200):
        rows = await v1.result("kline.query", ["BTCUSDT", now - 86400 * 10, now, interval])
        assert rows, interval
        times = [row[0] for row in rows]
        assert times == sorted(times)
        assert all(t % interval == 0 for t in times)
        for row in rows:
            stamp, open_, close, high, low, volume, amount, market = row
            assert isinstance(stamp, int)
            assert market == "BTCUSDT"
            assert Decimal(low) <= min(Decimal(open_), Decimal(close))
            assert Decimal(high) >= max(Decimal(open_), Decimal(close))
            assert AMOUNT.match(volume)
            assert Decimal(amount) >= 0
    assert await v1.result("kline.query", ["BTCUSDT", 0, 100, 60]) == []


async def test_frames_are_plain_text_json(sim: Simulator) -> None:
    ws = await websockets.connect(sim.urls["coinex_v1"], compression=None)
    await ws.send(json.dumps({"method": "server.ping", "params": [], "id": 9}))
    frame = await ws.recv()
    assert isinstance(frame, str)
    assert json.loads(frame) == {"error": None, "result": "pong", "id": 9}
    await ws.close()


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


async def test_plain_http_to_the_socket_path_is_426_and_rest_still_answers(
    sim: Simulator,
) -> None:
    origin = f"http://127.0.0.1:{sim.port}"
    assert await asyncio.to_thread(_status, origin + "/coinex/") == 426
    assert await asyncio.to_thread(_status, origin + "/coinex") == 426
    assert await asyncio.to_thread(_status, sim.urls["coinex_rest"] + "/v2/time") == 200
