"""The Kraken v2 public endpoint over a real socket: greeting, requests, acks and errors."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from simulator.sim_client import RawClient, connect, is_channel
from simulator.sim_reference import loads
from spotstream.protocol.kraken.v2 import wire
from spotstream.simulator import Simulator

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def _responds(message: dict[str, Any], method: str, req_id: int | None) -> None:
    assert message["method"] == method
    assert TIME.match(message["time_in"])
    assert TIME.match(message["time_out"])
    assert message["time_in"] <= message["time_out"]
    if req_id is None:
        assert "req_id" not in message
    else:
        assert message["req_id"] == req_id


async def test_status_on_connect(sim: Simulator) -> None:
    raw = await connect(sim.urls["public"])
    status = await raw.recv()
    assert status["channel"] == "status"
    assert status["type"] == "update"
    (item,) = status["data"]
    assert item["api_version"] == "v2"
    assert item["system"] == "online"
    assert item["version"].startswith("2.0.")
    assert 0 <= item["connection_id"] < 2**64
    await raw.close()


async def test_connection_ids_are_seeded() -> None:
    ids = []
    for _ in range(2):
        async with Simulator(seed=9, rate=1) as sim:
            raw = await connect(sim.urls["public"])
            ids.append((await raw.recv())["data"][0]["connection_id"])
            await raw.close()
    assert ids[0] == ids[1]


@pytest.mark.parametrize("req_id", [101, None])
async def test_ping_pong(client: RawClient, req_id: int | None) -> None:
    await client.send({"method": "ping"} | ({"req_id": req_id} if req_id else {}))
    pong = await client.until(lambda m: m.get("method") == "pong")
    _responds(pong, "pong", req_id)


async def test_ping_with_params_is_refused(client: RawClient) -> None:
    (answer,) = await client.request({"method": "ping", "params": {}, "req_id": 3})
    assert answer["success"] is False
    assert answer["error"] == "Unsupported field: 'params' for the given msg type: ping"


async def test_one_ack_per_symbol_then_snapshots(client: RawClient) -> None:
    symbols = ["BTC/USD", "ETH/USD", "DOGE/USD"]
    await client.send(
        {"method": "subscribe", "params": {"channel": "ticker", "symbol": symbols}, "req_id": 7}
    )
    acks: list[Any] = []
    snapshots: list[Any] = []
    while len(snapshots) < 3:
        message = await client.recv()
        if message.get("method") == "subscribe":
            acks.append(message)
        elif is_channel("ticker", "snapshot")(message):
            snapshots.append(message)
    assert [a["result"]["symbol"] for a in acks] == symbols
    for ack in acks:
        _responds(ack, "subscribe", 7)
        assert ack["success"] is True
        assert ack["result"] | {"symbol": None} == {
            "channel": "ticker",
            "event_trigger": "trades",
            "snapshot": True,
            "symbol": None,
        }
    assert [s["data"][0]["symbol"] for s in snapshots] == symbols
    ticker = snapshots[0]["data"][0]
    assert ticker["bid"] < ticker["ask"]


@pytest.mark.parametrize(
    ("params", "result"),
    [
        ({"channel": "book", "depth": 25}, {"depth": 25, "snapshot": True}),
        ({"channel": "book"}, {"depth": 10, "snapshot": True}),
        ({"channel": "book", "depth": 1000, "snapshot": False}, {"depth": 1000, "snapshot": False}),
        (
            {"channel": "ohlc", "interval": 60},
            {
                "interval": 60,
                "snapshot": True,
                "warnings": ["timestamp is deprecated, use interval_begin"],
            },
        ),
        ({"channel": "ticker", "event_trigger": "bbo"}, {"event_trigger": "bbo", "snapshot": True}),
        ({"channel": "trade"}, {"snapshot": False}),
        ({"channel": "trade", "snapshot": True}, {"snapshot": True}),
    ],
)
async def test_ack_echoes_options(
    client: RawClient, params: dict[str, Any], result: dict[str, Any]
) -> None:
    params = params | {"symbol": ["XRP/USD"]}
    (ack,) = await client.request({"method": "subscribe", "params": params, "req_id": 1})
    assert ack["success"] is True
    assert ack["result"] == result | {"channel": params["channel"], "symbol": "XRP/USD"}


async def test_snapshots_per_channel(client: RawClient) -> None:
    await client.send(
        {
            "method": "subscribe",
            "params": {"channel": "trade", "symbol": ["BTC/USD"], "snapshot": True},
        }
    )
    trades = await client.until(is_channel("trade", "snapshot"))
    assert len(trades["data"]) == 50
    ids = [t["trade_id"] for t in trades["data"]]
    assert ids == sorted(ids)
    assert len(set(ids)) == 50
    await client.send(
        {
            "method": "subscribe",
            "params": {"channel": "ohlc", "symbol": ["BTC/USD"], "interval": 15},
        }
    )
    ohlc = await client.until(is_channel("ohlc", "snapshot"))
    assert len(ohlc["data"]) >= 60
    assert all(c["interval"] == 15 for c in ohlc["data"])
    assert ohlc["data"][0]["interval_begin"].endswith(":00.000000000Z")
    await client.send(
        {"method": "subscribe", "params": {"channel": "trade", "symbol": ["ETH/USD"]}}
    )
    (_ack,) = await client.request({"method": "ping", "req_id": 99})  # no trade snapshot by default
    assert not any('"trade","type":"snapshot"' in f and "ETH/USD" in f for f in client.frames)


async def test_instrument_snapshot(client: RawClient) -> None:
    (ack,) = await client.request(
        {"method": "subscribe", "params": {"channel": "instrument"}, "req_id": 4}
    )
    assert ack["result"] == {
        "channel": "instrument",
        "snapshot": True,
        "warnings": ["tick_size is deprecated, use price_increment"],
    }
    snapshot = await client.until(is_channel("instrument", "snapshot"))
    pairs = {p["symbol"]: p for p in snapshot["data"]["pairs"]}
    assert pairs["DOGE/USD"]["price_precision"] == 7
    assert pairs["XRP/USD"]["price_precision"] == 5
    assert pairs["BTC/USD"]["price_increment"] == Decimal("0.1")
    assert '"qty_increment":0.00000001,' in client.frames[-1]  # not 1E-8
    assert {"USD", "BTC", "ETH"} <= {a["id"] for a in snapshot["data"]["assets"]}


@pytest.mark.parametrize(
    ("params", "error", "symbol"),
    [
        (
            {"channel": "book", "symbol": ["XBT/USD"]},
            "Currency pair not supported XBT/USD",
            "XBT/USD",
        ),
        ({"channel": "bookz", "symbol": ["BTC/USD"]}, "Subscription name invalid", None),
        (
            {"channel": "book", "symbol": ["BTC/USD"], "depth": 7},
            "EGeneral:Invalid arguments",
            None,
        ),
        (
            {"channel": "ohlc", "symbol": ["BTC/USD"], "interval": 2},
            "EGeneral:Invalid arguments",
            None,
        ),
        ({"channel": "ohlc", "symbol": ["BTC/USD"]}, "EGeneral:Invalid arguments", None),
        (
            {"channel": "ticker", "symbol": ["BTC/USD"], "event_trigger": "x"},
            "EGeneral:Invalid arguments",
            None,
        ),
        ({"channel": "ticker"}, "EGeneral:Invalid arguments", None),
        ({"channel": "book", "symbol": "BTC/USD"}, "EGeneral:Invalid arguments", None),
        ({"channel": "status"}, "Symbol(s) not found", None),
    ],
)
async def test_subscribe_errors(
    client: RawClient, params: dict[str, Any], error: str, symbol: str | None
) -> None:
    (answer,) = await client.request({"method": "subscribe", "params": params, "req_id": 42})
    _responds(answer, "subscribe", 42)
    assert answer["success"] is False
    assert answer["error"] == error
    assert answer.get("symbol") == symbol
    assert "result" not in answer


async def test_already_subscribed(client: RawClient) -> None:
    params = {"channel": "book", "symbol": ["ETH/USD"], "depth": 25}
    await client.request({"method": "subscribe", "params": params, "req_id": 1})
    (again,) = await client.request({"method": "subscribe", "params": params, "req_id": 2})
    assert again["error"] == "Already subscribed"
    assert again["symbol"] == "ETH/USD"
    other_depth = params | {"depth": 100}  # books are keyed by (symbol, depth)
    (ack,) = await client.request({"method": "subscribe", "params": other_depth, "req_id": 3})
    assert ack["success"] is True


@pytest.mark.parametrize("message", ["not json", '{"req_id": 5}', '{"method": 3}', "[1, 2]"])
async def test_malformed_requests(client: RawClient, message: str) -> None:
    await client.send(message)
    answer = await client.until(lambda m: "error" in m)
    assert answer == answer | {"error": "Unsupported event", "success": False}
    assert "method" not in answer


async def test_unknown_method(client: RawClient) -> None:
    (answer,) = await client.request({"method": "add_orderz", "params": {}, "req_id": 8})
    _responds(answer, "add_orderz", 8)
    assert answer["error"] == "Unsupported event"


async def test_unsubscribe(client: RawClient) -> None:
    params = {"channel": "ticker", "symbol": ["BTC/USD"], "event_trigger": "bbo"}
    await client.request({"method": "subscribe", "params": params, "req_id": 1})
    await client.until(is_channel("ticker", "update"))
    (ack,) = await client.request({"method": "unsubscribe", "params": params, "req_id": 2})
    _responds(ack, "unsubscribe", 2)
    assert ack["result"] == {"channel": "ticker", "event_trigger": "bbo", "symbol": "BTC/USD"}
    await client.request({"method": "ping", "req_id": 3})  # everything after this ...
    await client.request({"method": "ping", "req_id": 4})  # ... pong is after the unsubscribe
    tail = client.frames[client.frames.index(next(f for f in client.frames if '"req_id":3' in f)) :]
    assert not any('"channel":"ticker"' in f for f in tail)
    (again,) = await client.request({"method": "unsubscribe", "params": params, "req_id": 5})
    assert again["error"] == "Subscription Not Found"
    assert again["symbol"] == "BTC/USD"
    assert again["method"] == "subscribe"  # sic: as Kraken answers (captured live)


async def test_unsubscribe_is_keyed_by_depth_and_interval(client: RawClient) -> None:
    await client.request(
        {
            "method": "subscribe",
            "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": 100},
            "req_id": 1,
        }
    )
    (miss,) = await client.request(
        {"method": "unsubscribe", "params": {"channel": "book", "symbol": ["BTC/USD"]}, "req_id": 2}
    )
    assert miss["error"] == "Subscription Not Found"
    (hit,) = await client.request(
        {
            "method": "unsubscribe",
            "params": {"channel": "book", "symbol": ["BTC/USD"], "depth": 100},
            "req_id": 3,
        }
    )
    assert hit["result"] == {"channel": "book", "depth": 100, "symbol": "BTC/USD"}


async def test_market_data_updates(client: RawClient) -> None:
    """Each trade update is followed by the current candle and the ticker, consistent with it."""
    for channel, extra in (("trade", {}), ("ohlc", {"interval": 1}), ("ticker", {})):
        params = {"channel": channel, "symbol": ["ETH/USD"], **extra}
        await client.send({"method": "subscribe", "params": params})
    for _ in range(5):
        trade = (await client.until(is_channel("trade", "update")))["data"]
        ohlc = await client.until(is_channel("ohlc", "update"))
        ticker = (await client.until(is_channel("ticker", "update")))["data"][0]
        (candle,) = ohlc["data"]
        assert {t["side"] for t in trade} <= {"buy", "sell"}
        assert candle["interval"] == 1
        assert candle["close"] == ticker["last"] == trade[-1]["price"]
        assert candle["low"] <= trade[-1]["price"] <= candle["high"]
        assert ticker["bid"] < ticker["ask"]
    messages = [loads(f) for f in client.frames]
    ids = [t["trade_id"] for m in messages if is_channel("trade", "update")(m) for t in m["data"]]
    assert ids == list(range(ids[0], ids[0] + len(ids)))  # per-symbol sequence, no gaps


async def test_fixed_precision_numbers() -> None:
    """``numbers="fixed"`` writes every decimal, as recorded live traffic shows."""
    async with Simulator(seed=2, rate=500, numbers="fixed") as sim:
        client = await connect(sim.urls["public"])
        params = {"channel": "book", "symbol": ["BTC/USD"], "depth": 10}
        await client.send({"method": "subscribe", "params": params})
        snapshot = await client.until(is_channel("book", "snapshot"))
        text = client.frames[-1]
        qty_texts = re.findall(r'"qty":([0-9.]+)', text)
        assert all(len(q.split(".")[1]) == 8 for q in qty_texts)
        assert len(snapshot["data"][0]["bids"]) == 10
        await client.close()


async def test_no_exponents_anywhere(client: RawClient) -> None:
    for channel in ("instrument", "book", "ticker", "ohlc", "trade"):
        params: dict[str, Any] = {"channel": channel, "snapshot": True}
        if channel != "instrument":
            params["symbol"] = ["DOGE/USD", "XRP/USD"]
        if channel == "ohlc":
            params["interval"] = 1440
        await client.send({"method": "subscribe", "params": params})
    for _ in range(60):
        await client.recv()
    numbers = re.compile(r":(-?[0-9][0-9.eE+-]*)")
    for frame in client.frames:
        for text in numbers.findall(frame):
            assert "e" not in text.lower(), frame


async def test_every_frame_decodes_with_the_client_wire_models(client: RawClient) -> None:
    """The two sides share the wire models: whatever the simulator sends, they decode."""
    requests: list[dict[str, Any]] = [
        {"channel": "instrument"},
        {"channel": "book", "symbol": ["XRP/USD"], "depth": 100},
        {"channel": "ticker", "symbol": ["XRP/USD"], "event_trigger": "bbo"},
        {"channel": "trade", "symbol": ["XRP/USD"], "snapshot": True},
        {"channel": "ohlc", "symbol": ["XRP/USD"], "interval": 5},
        {"channel": "ohlc", "symbol": ["NOPE/USD"], "interval": 5},
    ]
    for n, params in enumerate(requests):
        await client.send({"method": "subscribe", "params": params, "req_id": n})
    await client.send({"method": "ping", "req_id": 99})
    await client.until(is_channel("trade", "update"))
    kinds = set()
    for frame in client.frames:
        try:
            message: object = wire.CHANNEL_DECODER.decode(frame)
        except msgspec.ValidationError:
            message = wire.RESPONSE_DECODER.decode(frame)
        kinds.add(type(message).__name__)
    assert kinds == {
        "StatusMessage",
        "Response",
        "InstrumentMessage",
        "BookMessage",
        "TickerMessage",
        "TradeMessage",
        "OhlcMessage",
    }
