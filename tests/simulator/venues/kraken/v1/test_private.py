"""The Kraken v1 private session's channels without sockets: ``ownTrades``, ``openOrders``,
their snapshots, sequences and options, refusals, and one account seen over v1 and v2."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from simulator.private_harness import Client, Harness, executions, make, subscribed
from simulator.private_harness_v1 import V1Client, channel
from spotstream.simulator.venues.kraken.v1.requests import PUBLIC_UNAVAILABLE


@pytest.fixture
def h() -> Harness:
    return make()


@pytest.fixture
def v1(h: Harness) -> V1Client:
    return V1Client(h)


def _limit_buy(v1: V1Client, h: Harness, below: int = 10) -> tuple[str, list[Any]]:
    """A resting buy ``below`` under the best bid: its id, and the channel frames it caused."""
    bid, _ = h.best()
    (answer, *frames) = v1.trade(
        "addOrder",
        ordertype="limit",
        type="buy",
        pair="XBT/USD",
        price=str(bid - below),
        volume="0.01",
    )
    assert answer["status"] == "ok", answer
    txid: str = answer["txid"]
    return txid, frames


def test_subscription_acks_as_captured(v1: V1Client) -> None:
    (ack, snapshot) = v1.subscribe("ownTrades", reqid=7)
    assert ack == {
        "channelName": "ownTrades",
        "event": "subscriptionStatus",
        "reqid": 7,
        "status": "subscribed",
        "subscription": {"name": "ownTrades"},
    }
    assert snapshot == [[], "ownTrades", {"sequence": 1}]
    (ack, snapshot) = v1.subscribe("openOrders", reqid=8, ratecounter=True)
    assert ack["subscription"] == {"maxratecount": 125, "name": "openOrders"}
    assert snapshot == [[], "openOrders", {"sequence": 1}]
    (again,) = v1.subscribe("openOrders", reqid=9)
    assert again["errorMessage"] == "Already subscribed"
    (done,) = v1.send(
        {
            "event": "unsubscribe",
            "reqid": 10,
            "subscription": {"name": "openOrders", "token": "tok"},
        }
    )
    assert (done["status"], done["channelName"]) == ("unsubscribed", "openOrders")
    (missing,) = v1.send(
        {
            "event": "unsubscribe",
            "reqid": 11,
            "subscription": {"name": "openOrders", "token": "tok"},
        }
    )
    assert missing["errorMessage"] == "Subscription Not Found"


@pytest.mark.parametrize(
    ("subscription", "text"),
    [
        ({"name": "ownTrades"}, "Token(s) not found"),
        ({"name": "ownTrades", "token": "nope"}, "EAPI:Invalid token"),
        ({"name": "ownTrades", "token": "tok", "snapshot": "yes"}, "Malformed request"),
        ({"name": "balances", "token": "tok"}, "Subscription name invalid"),
    ],
)
def test_subscription_refusals(v1: V1Client, subscription: dict[str, Any], text: str) -> None:
    (answer,) = v1.send({"event": "subscribe", "reqid": 3, "subscription": subscription})
    assert answer["errorMessage"] == text
    assert answer["status"] == "error"
    assert answer["subscription"] == dict(sorted(subscription.items()))


def test_public_channels_and_pairs_are_refused_here(v1: V1Client) -> None:
    message = {"event": "subscribe", "reqid": 4, "pair": ["XBT/USD", "ETH/USD"]}
    answers = v1.send(message | {"subscription": {"name": "book"}})
    assert [(a["errorMessage"], a["pair"]) for a in answers] == [
        (PUBLIC_UNAVAILABLE, "XBT/USD"),
        (PUBLIC_UNAVAILABLE, "ETH/USD"),
    ]
    (answer,) = v1.send(message | {"subscription": {"name": "ownTrades", "token": "tok"}})
    assert answer["errorMessage"] == "Pair field unsupported for this subscription type"


def test_open_orders_snapshot_then_updates(v1: V1Client, h: Harness) -> None:
    first, _ = _limit_buy(v1, h, 10)
    second, _ = _limit_buy(v1, h, 20)
    (_, snapshot) = v1.subscribe("openOrders")
    entries = channel([snapshot], "openOrders")
    assert [next(iter(e)) for e in entries] == [first, second]  # oldest first
    order = entries[0][first]
    assert list(order) == sorted(order)
    assert order["status"] == "open"
    assert order["descr"]["pair"] == "XBT/USD"
    assert order["descr"]["type"] == "buy"
    assert order["descr"]["ordertype"] == "limit"
    assert order["descr"]["order"] == f"buy 0.01000000 XBT/USD @ limit {order['descr']['price']}"
    assert order["vol"] == "0.01000000"
    assert order["vol_exec"] == "0.00000000"
    assert order["oflags"] == "fciq"
    assert (order["expiretm"], order["starttm"], order["refid"]) == (None, None, None)
    third, frames = _limit_buy(v1, h, 30)
    pending, opened = (e[third] for e in channel(frames, "openOrders"))
    assert pending["status"] == "pending"
    assert opened == {"status": "open", "userref": 0}
    (ok, *frames) = v1.trade("cancelOrder", txid=[third])
    assert ok == {"event": "cancelOrderStatus", "reqid": 1, "status": "ok"}
    (canceled,) = (e[third] for e in channel(frames, "openOrders"))
    assert canceled["status"] == "canceled"
    assert canceled["cancel_reason"] == "User requested"
    assert list(canceled) == [
        "lastupdated",
        "status",
        "vol_exec",
        "cost",
        "fee",
        "avg_price",
        "userref",
        "cancel_reason",
    ]


def test_fills_show_on_both_channels_with_their_sequences(v1: V1Client, h: Harness) -> None:
    v1.subscribe("ownTrades", consolidate_taker=False)
    v1.subscribe("openOrders", ratecounter=True)
    _, ask = h.best()
    answers = v1.trade("addOrder", ordertype="market", type="buy", pair="XBT/USD", volume="0.5")
    (status, *frames) = answers
    assert status["status"] == "ok"
    trades = channel(frames, "ownTrades")
    assert trades  # one per fill: not consolidated
    order_id = status["txid"]
    for entry in trades:
        ((trade_id, trade),) = entry.items()
        assert trade_id.startswith("T")
        assert trade["ordertxid"] == order_id
        assert trade["pair"] == "XBT/USD"
        assert trade["type"] == "buy"
        assert trade["ordertype"] == "market"
        assert Decimal(trade["price"]) >= ask
        assert len(trade["price"].partition(".")[2]) == 5
    total = sum(Decimal(next(iter(e.values()))["vol"]) for e in trades)
    assert total == Decimal("0.5")
    updates = [e[order_id] for e in channel(frames, "openOrders")]
    assert updates[-1]["status"] == "closed"
    assert updates[-1]["vol_exec"] == "0.50000000"
    assert all("ratecount" in u for u in updates)


def test_taker_fills_are_consolidated_by_default(h: Harness) -> None:
    v1 = V1Client(h)
    v1.subscribe("ownTrades")
    asks = h.market["BTC/USD"].asks.levels(3)
    volume = Decimal(asks[0][1] + asks[1][1] // 2).scaleb(-8)  # two levels: two fills
    answers = v1.trade(
        "addOrder", ordertype="market", type="buy", pair="XBT/USD", volume=str(volume)
    )
    (trade_entry,) = channel(answers, "ownTrades")
    ((_, trade),) = trade_entry.items()
    assert Decimal(trade["vol"]) == volume
    first, second = (Decimal(p).scaleb(-1) for p, _ in asks[:2])
    assert first < Decimal(trade["price"]) < second  # the average of the two fills


def test_own_trades_snapshot_of_the_last_trades(h: Harness) -> None:
    v1 = V1Client(h)
    for _ in range(3):
        v1.trade("addOrder", ordertype="market", type="sell", pair="XBT/USD", volume="0.001")
    (_, snapshot) = v1.subscribe("ownTrades")
    entries = channel([snapshot], "ownTrades")
    assert len(entries) >= 3
    times = [next(iter(e.values()))["time"] for e in entries]
    assert times == sorted(times, reverse=True)  # newest first
    assert all("userref" not in next(iter(e.values())) for e in entries)
    (ack,) = V1Client(h).subscribe("ownTrades", snapshot=False)  # no snapshot
    assert ack["status"] == "subscribed"


def test_skip_next_sequence_makes_a_gap(v1: V1Client, h: Harness) -> None:
    v1.subscribe("openOrders")
    h.faults.skip_next_sequence()
    with pytest.raises(AssertionError, match="openOrders"):  # V1Client checks sequences
        _limit_buy(v1, h)


def test_repeat_next_sequence_replays_a_message(v1: V1Client, h: Harness) -> None:
    v1.subscribe("openOrders")
    h.faults.repeat_next_sequence()
    with pytest.raises(AssertionError) as replay:  # V1Client checks sequences
        _limit_buy(v1, h)
    channel_name, sequence, expected = replay.value.args[0]
    assert channel_name == "openOrders"
    assert sequence == {"sequence": expected - 1}


def test_an_order_placed_over_v2_shows_over_v1_and_back(h: Harness) -> None:
    v1, v2 = V1Client(h), Client(h)
    v1.subscribe("openOrders")
    subscribed(v2)
    bid, _ = h.best()
    (answer, *_) = v2.trade("add_order", order_type="limit", side="buy", order_qty=0.02,
                           limit_price=float(bid - 5), symbol="BTC/USD")  # fmt: skip
    order_id = answer["result"]["order_id"]
    pending, opened = (e[order_id] for e in channel(v1.read(), "openOrders"))
    assert pending["descr"]["pair"] == "XBT/USD"
    assert pending["vol"] == "0.02000000"
    assert opened["status"] == "open"
    txid, _ = _limit_buy(v1, h, 40)
    reports = executions(v2.read())
    assert {r["order_id"] for r in reports} == {txid}
    assert {r["symbol"] for r in reports if "symbol" in r} == {"BTC/USD"}
