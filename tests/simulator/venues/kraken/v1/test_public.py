"""The Kraken v1 public endpoint (``/``) over a real socket: greeting, ping, acks, errors."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from simulator.sim_client import RawClient, connect, is_v1_channel
from spotstream.simulator import Simulator
from spotstream.simulator.venues.kraken.v1.requests import PRIVATE_UNAVAILABLE

TIME = re.compile(r"^\d{10}\.\d{6}$")


@pytest.fixture
async def v1(sim: Simulator) -> AsyncIterator[RawClient]:
    raw = await connect(sim.urls["kraken_v1_public"])
    status = await raw.recv()
    assert status["event"] == "systemStatus"
    yield raw
    await raw.close()


async def test_system_status_on_connect(sim: Simulator) -> None:
    raw = await connect(sim.urls["kraken_v1_public"])
    status = json.loads(await raw.recv_text())  # keys in the order sent
    assert list(status) == ["connectionID", "event", "status", "version"]  # Kraken's order
    assert (status["event"], status["status"], status["version"]) == (
        "systemStatus",
        "online",
        "1.9.1",
    )
    assert isinstance(status["connectionID"], int)
    assert 0 <= status["connectionID"] < 2**64
    await raw.close()


@pytest.mark.parametrize("reqid", [42, None])
async def test_ping_pong(v1: RawClient, reqid: int | None) -> None:
    await v1.send({"event": "ping"} | ({"reqid": reqid} if reqid is not None else {}))
    pong = await v1.recv()
    assert pong == ({"event": "pong", "reqid": reqid} if reqid is not None else {"event": "pong"})


async def test_unknown_event_and_unreadable_requests(v1: RawClient) -> None:
    (answer,) = await v1.request_v1({"event": "hello", "reqid": 3})
    assert answer == {"errorMessage": "Event(s) not found", "event": "error", "reqid": 3}
    for bad in ("not json", "[1, 2]", '{"event": "ping", "reqid": "7"}'):
        await v1.send(bad)
        assert await v1.recv() == {"errorMessage": "Malformed request", "event": "error"}


CHANNELS = [
    ({"name": "ticker"}, "ticker", {"name": "ticker"}),
    ({"name": "trade"}, "trade", {"name": "trade"}),
    ({"name": "spread"}, "spread", {"name": "spread"}),
    ({"name": "book"}, "book-10", {"depth": 10, "name": "book"}),
    ({"name": "book", "depth": 1000}, "book-1000", {"depth": 1000, "name": "book"}),
    ({"name": "ohlc"}, "ohlc-1", {"interval": 1, "name": "ohlc"}),
    ({"name": "ohlc", "interval": 21600}, "ohlc-21600", {"interval": 21600, "name": "ohlc"}),
]


@pytest.mark.parametrize(("subscription", "channel_name", "echo"), CHANNELS)
async def test_one_status_per_pair_with_everything_echoed(
    v1: RawClient, subscription: dict[str, Any], channel_name: str, echo: dict[str, Any]
) -> None:
    pairs = ["XBT/USD", "ETH/USD", "XDG/USD"]
    message = {"event": "subscribe", "reqid": 9, "pair": pairs, "subscription": subscription}
    acks = await v1.request_v1(message, answers=3)
    assert [a["pair"] for a in acks] == pairs
    ids = set()
    for ack in acks:
        assert list(ack) == [
            "channelID",
            "channelName",
            "event",
            "pair",
            "reqid",
            "status",
            "subscription",
        ]
        assert (ack["event"], ack["status"], ack["channelName"]) == (
            "subscriptionStatus",
            "subscribed",
            channel_name,
        )
        assert ack["subscription"] == echo
        assert isinstance(ack["channelID"], int)
        ids.add(ack["channelID"])
    assert len(ids) == 3
    if channel_name != "trade":  # the channel's first message follows (trade has none)
        first = await v1.until(is_v1_channel(channel_name))
        assert first[-1] in pairs
    unsubscribe = message | {"event": "unsubscribe", "reqid": 10}
    done = await v1.request_v1(unsubscribe, answers=3)
    assert {(a["status"], a["channelID"]) for a in done} == {("unsubscribed", i) for i in ids}
    again = await v1.request_v1(unsubscribe | {"reqid": 11}, answers=3)
    assert {a["errorMessage"] for a in again} == {"Subscription Not Found"}
    assert [a["pair"] for a in again] == pairs


async def test_channel_ids_are_the_same_on_every_connection(sim: Simulator, v1: RawClient) -> None:
    other = await connect(sim.urls["kraken_v1_public"])
    await other.recv()
    message = {
        "event": "subscribe",
        "reqid": 1,
        "pair": ["ETH/XBT"],
        "subscription": {"name": "spread"},
    }
    (first,) = await v1.request_v1(message)
    (second,) = await other.request_v1(message)
    assert first["channelID"] == second["channelID"]
    assert first["pair"] == "ETH/XBT"
    await other.close()


async def test_already_subscribed(v1: RawClient) -> None:
    message = {
        "event": "subscribe",
        "reqid": 4,
        "pair": ["XBT/USD"],
        "subscription": {"name": "trade"},
    }
    (ok,) = await v1.request_v1(message)
    assert ok["status"] == "subscribed"
    (again,) = await v1.request_v1(message)
    assert again == {
        "errorMessage": "Already subscribed",
        "event": "subscriptionStatus",
        "pair": "XBT/USD",
        "reqid": 4,
        "status": "error",
        "subscription": {"name": "trade"},
    }


PAIR_ERRORS = [
    ("XBT/INR", "Currency pair not supported XBT/INR"),
    ("BTC/USD", "Currency pair not supported BTC/USD"),  # a v2 name is not a wsname
    ("xbt/usd", "Currency pair not in ISO 4217-A3 format xbt/usd"),
    ("XBTUSD", "Currency pair not in ISO 4217-A3 format XBTUSD"),
]


@pytest.mark.parametrize(("pair", "text"), PAIR_ERRORS)
async def test_pair_refusals(v1: RawClient, pair: str, text: str) -> None:
    message = {
        "event": "subscribe",
        "reqid": 5,
        "pair": ["XBT/USD", pair],
        "subscription": {"name": "ticker"},
    }
    ok, refused = await v1.request_v1(message, answers=2)
    assert ok["status"] == "subscribed"
    assert refused["errorMessage"] == text
    assert refused["pair"] == pair
    assert refused["status"] == "error"


SUBSCRIPTION_ERRORS = [
    ({"name": "book", "depth": 42}, "Subscription depth not supported"),
    ({"name": "book", "depth": "10"}, "Subscription book depth must be an integer"),
    ({"name": "book", "interval": 5}, "Subscription book doesn't require interval"),
    ({"name": "ohlc", "interval": 2}, "Subscription ohlc interval not supported"),
    ({"name": "ohlc", "interval": 5.0}, "Subscription ohlc interval must be an integer"),
    ({"name": "ohlc", "depth": 10}, "Subscription ohlc doesn't require depth"),
    ({"name": "spread", "depth": 10}, "Subscription spread doesn't require depth"),
    ({"name": "trade", "interval": 1}, "Subscription trade doesn't require interval"),
    ({"name": "books"}, "Subscription name invalid"),
    ({"depth": 10}, "Subscription name invalid"),
    ({"name": "book", "level": 2}, "Subscription object unsupported field"),
]


@pytest.mark.parametrize(("subscription", "text"), SUBSCRIPTION_ERRORS)
async def test_subscription_refusals_are_per_pair(
    v1: RawClient, subscription: dict[str, Any], text: str
) -> None:
    pairs = ["XBT/USD", "ETH/USD"]
    message = {"event": "subscribe", "reqid": 6, "pair": pairs, "subscription": subscription}
    answers = await v1.request_v1(message, answers=2)
    for answer, pair in zip(answers, pairs, strict=True):
        assert answer == {
            "errorMessage": text,
            "event": "subscriptionStatus",
            "pair": pair,
            "reqid": 6,
            "status": "error",
            "subscription": dict(sorted(subscription.items())),
        }


REQUEST_ERRORS = [
    ({"pair": "XBT/USD", "subscription": {"name": "ticker"}}, "Pair field must be an array"),
    ({"subscription": {"name": "ticker"}}, "Pair(s) not found"),
    ({"pair": [], "subscription": {"name": "ticker"}}, "Pair(s) not found"),
    ({"pair": ["XBT/USD"]}, "Subscription field must be an object"),
    ({"pair": ["XBT/USD"], "subscription": "ticker"}, "Subscription field must be an object"),
]


@pytest.mark.parametrize(("fields", "text"), REQUEST_ERRORS)
async def test_request_refusals(v1: RawClient, fields: dict[str, Any], text: str) -> None:
    answers = await v1.request_v1({"event": "subscribe", "reqid": 8, **fields}, answers=1)
    assert answers[0]["errorMessage"] == text
    assert answers[0]["status"] == "error"
    assert "pair" not in answers[0] or text == "Subscription field must be an object"


@pytest.mark.parametrize("name", ["ownTrades", "openOrders"])
async def test_private_channels_are_refused_here(v1: RawClient, name: str) -> None:
    subscription = {"name": name, "token": "WW91ciBhdXRo"}
    (answer,) = await v1.request_v1(
        {"event": "subscribe", "reqid": 2, "subscription": subscription}
    )
    assert answer == {
        "errorMessage": PRIVATE_UNAVAILABLE,
        "event": "subscriptionStatus",
        "reqid": 2,
        "status": "error",
        "subscription": {"name": name, "token": "WW91ciBhdXRo"},
    }


async def test_trading_is_refused_here(v1: RawClient) -> None:
    (answer,) = await v1.request_v1({"event": "addOrder", "reqid": 12, "token": "t"})
    assert answer == {
        "errorMessage": PRIVATE_UNAVAILABLE,
        "event": "addOrderStatus",
        "reqid": 12,
        "status": "error",
    }


async def test_reject_next_subscribe_fault(sim: Simulator, v1: RawClient) -> None:
    sim.faults.reject_next_subscribe("EGeneral:Temporary lockout")
    message = {
        "event": "subscribe",
        "reqid": 1,
        "pair": ["XBT/USD"],
        "subscription": {"name": "ticker"},
    }
    (refused,) = await v1.request_v1(message)
    assert refused["errorMessage"] == "EGeneral:Temporary lockout"
    (ok,) = await v1.request_v1(message | {"reqid": 2})
    assert ok["status"] == "subscribed"


async def test_data_messages_have_kraken_shapes(v1: RawClient) -> None:
    for subscription in (
        {"name": "trade"},
        {"name": "ticker"},
        {"name": "spread"},
        {"name": "ohlc", "interval": 5},
    ):
        await v1.send({"event": "subscribe", "pair": ["XBT/USD"], "subscription": subscription})
    seen: dict[str, list[Any]] = {}
    while len(seen) < 4:
        message = await v1.recv()
        if isinstance(message, list):
            assert message[-1] == "XBT/USD"
            assert isinstance(message[0], int)
            seen.setdefault(message[-2], message)
    price = re.compile(r"^\d+\.\d{5}$")  # XBT/USD prices: 5 decimals, as Kraken writes them
    volume = re.compile(r"^\d+\.\d{8}$")
    for trade in seen["trade"][1]:
        p, v, t, side, kind, misc = trade
        assert price.match(p)
        assert volume.match(v)
        assert TIME.match(t)
        assert side in ("b", "s")
        assert kind in ("l", "m")
        assert misc == ""
    ticker = seen["ticker"][1]
    assert list(ticker) == ["a", "b", "c", "v", "p", "t", "l", "h", "o"]
    for key in ("a", "b"):
        best, whole, lot = ticker[key]
        assert price.match(best)
        assert volume.match(lot)
        assert whole == int(Decimal(lot))
    assert price.match(ticker["c"][0])
    assert volume.match(ticker["c"][1])
    assert all(isinstance(n, int) for n in ticker["t"])
    bid, ask, t, bid_volume, ask_volume = seen["spread"][1]
    assert price.match(bid)
    assert price.match(ask)
    assert bid < ask
    assert TIME.match(t)
    assert volume.match(bid_volume)
    assert volume.match(ask_volume)
    start, end, *prices, vol, count = seen["ohlc-5"][1]
    assert TIME.match(start)
    assert TIME.match(end)
    assert all(price.match(p) for p in prices)
    assert volume.match(vol)
    assert isinstance(count, int)
    assert int(Decimal(end)) % 300 == 0


async def test_heartbeat_when_subscribed_and_idle() -> None:
    async with Simulator(seed=1, rate=1, heartbeat_interval=0.1) as sim:
        raw = await connect(sim.urls["kraken_v1_public"])
        await raw.recv()
        await raw.send(
            {"event": "subscribe", "pair": ["ETH/XBT"], "subscription": {"name": "trade"}}
        )
        await raw.until(lambda m: m == {"event": "heartbeat"}, timeout=5)
        assert raw.frames[-1] == '{"event":"heartbeat"}'
        await raw.close()
