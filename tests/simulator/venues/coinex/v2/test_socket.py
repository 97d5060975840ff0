"""CoinEx v2 on the simulator's socket: gzip frames, utility methods, errors, ``server.sign``."""

from __future__ import annotations

import gzip
import json

import pytest

from simulator.coinex_client import CoinExClient, connect
from spotstream.auth.coinex import ws_signature
from spotstream.protocol.coinex.framing import inflate
from spotstream.protocol.coinex.v2 import wire
from spotstream.simulator import ManualClock, Simulator
from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY

KEY = COINEX_TEST_KEY


async def test_every_frame_is_gzip_json_in_a_binary_frame(sim: Simulator) -> None:
    client = await connect(sim.urls["coinex_v2"])
    await client.ws.send(json.dumps({"method": "server.ping", "params": {}, "id": 7}))
    frame = await client.ws.recv()
    assert isinstance(frame, bytes)
    assert frame[:2] == b"\x1f\x8b"  # the gzip magic
    assert json.loads(inflate(frame)) == json.loads(gzip.decompress(frame))
    answer = wire.RESPONSE_DECODER.decode(inflate(frame))
    assert (answer.id, answer.code, answer.message) == (7, 0, "OK")
    await client.close()


async def test_ping_and_time() -> None:
    clock = ManualClock(1_700_000_000_123_456_789)
    async with Simulator(seed=1, rate=10, clock=clock) as sim:
        client = await connect(sim.urls["coinex_v2"])
        assert await client.request("server.ping") == {
            "id": 1,
            "code": 0,
            "message": "OK",
            "data": {"result": "pong"},
        }
        answer = await client.request("server.time")
        assert answer["data"] == {"timestamp": 1_700_000_000_123}
        await client.close()


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"method": "no.such", "params": {}, "id": 3}, 20002),
        ({"method": "state.subscribe", "params": {"market_list": "BTCUSDT"}, "id": 3}, 20001),
        ({"method": "state.subscribe", "params": {"market_list": ["BTCUSD"]}, "id": 3}, 20001),
        ({"method": "deals.subscribe", "params": {"market_list": [1]}, "id": 3}, 20001),
        (
            {"method": "depth.subscribe", "params": {"market_list": [["BTCUSDT", 7, "0", True]]}},
            20001,
        ),
        (
            {"method": "depth.subscribe", "params": {"market_list": [["BTCUSDT", 5, "3", True]]}},
            20001,
        ),
        ({"method": "depth.subscribe", "params": {"market_list": ["BTCUSDT"]}, "id": 3}, 20001),
        ({"method": "notice.subscribe", "params": {"channels": "101"}, "id": 3}, 20001),
        ({"method": "state.subscribe", "params": ["BTCUSDT"], "id": 3}, 20001),
        ({"method": "depth.subscribe", "params": {"market_list": []}, "id": 3}, 20001),
    ],
)
async def test_errors(cx: CoinExClient, message: dict[str, object], code: int) -> None:
    await cx.ws.send(json.dumps({"id": 3, **message}))
    answer = await cx.until(lambda m: m.get("id") == 3)
    assert answer["code"] == code
    assert answer["message"] == {20001: "invalid argument", 20002: "method not found"}[code]
    assert "data" not in answer


async def test_a_request_that_is_not_json(cx: CoinExClient) -> None:
    await cx.ws.send("not json")
    answer = await cx.recv()
    assert (answer["id"], answer["code"]) == (None, 20001)


async def test_notice_subscribe(cx: CoinExClient) -> None:
    answer = await cx.request("notice.subscribe", {"channels": [101]})
    assert answer == {"id": 1, "code": 0, "message": "OK"}


# --- server.sign ------------------------------------------------------------------------------


def _sign_params(
    timestamp: int, upper: bool = False, secret: str = KEY.secret_key
) -> dict[str, object]:
    signed = ws_signature(secret, timestamp)
    return {
        "access_id": KEY.access_id,
        "signed_str": signed.upper() if upper else signed,
        "timestamp": timestamp,
    }


@pytest.mark.parametrize("upper", [False, True])
async def test_sign_accepts_hex_in_either_case(cx: CoinExClient, upper: bool) -> None:
    answer = await cx.request("server.sign", _sign_params(1_700_490_703_564, upper))
    assert answer == {"id": 1, "code": 0, "message": "OK"}
    answer = await cx.request("order.subscribe", {"market_list": []})
    assert answer["code"] == 0


@pytest.mark.parametrize(
    "params",
    [
        _sign_params(1_700_490_703_564, secret="WRONG"),
        {**_sign_params(1_700_490_703_564), "timestamp": 1_700_490_703_565},
        {**_sign_params(1_700_490_703_564), "access_id": "NOBODY"},
        {**_sign_params(1_700_490_703_564), "timestamp": "1700490703564"},
        {},
    ],
)
async def test_a_bad_signature_is_21002(cx: CoinExClient, params: dict[str, object]) -> None:
    answer = await cx.request("server.sign", params)
    assert (answer["code"], answer["message"]) == (21002, "Signature Incorrect")
    assert (await cx.request("balance.subscribe", {"ccy_list": []}))["code"] == 21001


@pytest.mark.parametrize("method", ["order", "stop", "user_deals", "balance"])
async def test_private_before_sign_is_21001(cx: CoinExClient, method: str) -> None:
    key = "ccy_list" if method == "balance" else "market_list"
    answer = await cx.request(f"{method}.subscribe", {key: []})
    assert (answer["code"], answer["message"]) == (21001, "require auth")
    assert (await cx.request(f"{method}.unsubscribe", {key: []}))["code"] == 21001


async def test_balance_takes_ccy_list_only(cx: CoinExClient) -> None:
    await cx.request("server.sign", _sign_params(1))
    assert (await cx.request("balance.subscribe", {"market_list": ["BTCUSDT"]}))["code"] == 20001
    assert (await cx.request("balance.subscribe", {"ccy_list": ["USDT"]}))["code"] == 0
    assert (await cx.request("order.subscribe", {"market_list": ["BTCUSD"]}))["code"] == 20001
