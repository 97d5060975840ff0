"""Kraken v1 trading without sockets: every event's answer, Kraken's texts, the fault switches."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.private_harness import Harness, make
from simulator.private_harness_v1 import V1Client, channel

PAIR = "XBT/USD"


@pytest.fixture
def h() -> Harness:
    return make()


@pytest.fixture
def v1(h: Harness) -> V1Client:
    return V1Client(h)


def _below_bid(h: Harness, ticks: int) -> str:
    bid, _ = h.best()
    return str(bid - ticks)


@pytest.mark.parametrize("reqid", [5, None])
def test_add_order_answer_and_reqid(v1: V1Client, h: Harness, reqid: int | None) -> None:
    price = _below_bid(h, 10)
    (answer,) = v1.trade(
        "addOrder", reqid, ordertype="limit", type="buy", pair=PAIR, price=price, volume="0.0177"
    )
    expected = (
        ["descr", "event", "reqid", "status", "txid"]
        if reqid
        else ["descr", "event", "status", "txid"]
    )
    assert list(answer) == expected
    assert answer["event"] == "addOrderStatus"
    assert answer["descr"] == f"buy 0.01770000 XBTUSD @ limit {price}"
    assert answer["txid"].startswith("O")
    assert answer.get("reqid") == reqid


def test_add_order_echoes_cl_ord_id_and_validate_places_nothing(v1: V1Client, h: Harness) -> None:
    fields = {
        "ordertype": "limit",
        "type": "buy",
        "pair": PAIR,
        "price": _below_bid(h, 5),
        "volume": "0.01",
    }
    (answer,) = v1.trade("addOrder", cl_ord_id="mine-1", **fields)
    assert answer["cl_ord_id"] == "mine-1"
    (checked,) = v1.trade("addOrder", validate="true", **fields)
    assert checked["status"] == "ok"
    assert "txid" not in checked
    assert len(h.engine.open_orders("test")) == 1


REFUSALS = [
    ({"refid": "x"}, "Unsupported field: 'refid' for the given msg type: add order"),
    ({"timeinforce": "GTX"}, "EGeneral:Invalid arguments:timeinforce"),
    ({"pair": "BTC/USD"}, "EQuery:Unknown asset pair"),
    ({"volume": "lots"}, "EGeneral:Invalid arguments:volume"),
    ({"ordertype": "iceberg"}, "EGeneral:Invalid arguments:ordertype"),
    ({"volume": "0.00001"}, "EOrder:Order minimum not met"),
    ({"volume": "1000"}, "EOrder:Insufficient funds"),
    ({"oflags": "fcib,fciq"}, "EGeneral:Invalid arguments:oflags"),
    ({"deadline": "2001-01-01T00:00:00Z"}, "EService:Deadline elapsed"),
]


@pytest.mark.parametrize(("change", "text"), REFUSALS)
def test_add_order_refusals(v1: V1Client, h: Harness, change: dict[str, Any], text: str) -> None:
    fields = {
        "ordertype": "limit",
        "type": "buy",
        "pair": PAIR,
        "price": str(h.best()[1] * 2),
        "volume": "0.01",
    }
    (answer,) = v1.trade("addOrder", **(fields | change))
    assert answer["status"] == "error"
    assert answer["errorMessage"] == text
    assert ("pair" in answer) == text.startswith("Unsupported field")  # as captured


def test_tokens_and_permissions(v1: V1Client) -> None:
    (missing,) = v1.send({"event": "cancelAll", "reqid": 1})
    assert missing["errorMessage"] == "Token(s) not found"
    (bad,) = v1.send({"event": "cancelAll", "reqid": 1, "token": "nope"})
    assert bad["errorMessage"] == "EAPI:Invalid token"
    (denied,) = v1.send({"event": "cancelAll", "reqid": 1, "token": "ro"})
    assert denied["errorMessage"] == "EGeneral:Permission denied"


def test_cancel_order_one_answer_per_order_or_unknown_id(v1: V1Client, h: Harness) -> None:
    v1.subscribe("openOrders")
    ids = []
    for ticks, ref in ((10, "7"), (20, "7"), (30, "8")):
        (answer, *_) = v1.trade(
            "addOrder",
            ordertype="limit",
            type="buy",
            pair=PAIR,
            price=_below_bid(h, ticks),
            volume="0.01",
            userref=ref,
        )
        ids.append(answer["txid"])
    answers = v1.trade("cancelOrder", reqid=9, txid=[ids[2], "7", "OAAAAA-BBBBB-CCCCCC"])
    statuses = [a for a in answers if isinstance(a, dict)]
    assert statuses == [
        {"event": "cancelOrderStatus", "reqid": 9, "status": "ok"},  # ids[2]
        {"event": "cancelOrderStatus", "reqid": 9, "status": "ok"},  # userref 7: two orders
        {"event": "cancelOrderStatus", "reqid": 9, "status": "ok"},
        {
            "errorMessage": "EOrder:Unknown order",
            "event": "cancelOrderStatus",
            "reqid": 9,
            "status": "error",
        },
    ]
    canceled = [next(iter(e)) for e in channel(answers, "openOrders")]
    assert sorted(canceled) == sorted(ids)
    assert not h.engine.open_orders("test")


def test_edit_order_replaces_the_order(v1: V1Client, h: Harness) -> None:
    v1.subscribe("openOrders")
    (placed, *_) = v1.trade(
        "addOrder", ordertype="limit", type="buy", pair=PAIR, price=_below_bid(h, 10), volume="0.01"
    )
    price = _below_bid(h, 20)
    (edited, *frames) = v1.trade(
        "editOrder", reqid=3, orderid=placed["txid"], pair=PAIR, price=price, volume="0.02"
    )
    assert edited["status"] == "ok", edited
    assert edited["originaltxid"] == placed["txid"]
    assert edited["txid"] != placed["txid"]
    assert edited["descr"] == f"buy 0.02000000 XBTUSD @ limit {price}"
    updates = channel(frames, "openOrders")
    assert updates[0][placed["txid"]]["status"] == "canceled"
    assert updates[0][placed["txid"]]["cancel_reason"] == "Order replaced"
    (order,) = h.engine.open_orders("test")
    assert order.order_id == edited["txid"]
    (unknown,) = v1.trade("editOrder", orderid="OAAAAA-BBBBB-CCCCCC", pair=PAIR, price=price)
    assert unknown["errorMessage"] == "EOrder:Unknown order"
    (extra,) = v1.trade("editOrder", orderid=order.order_id, pair=PAIR, type="buy")
    assert extra["errorMessage"] == "Unsupported field: 'type' for the given msg type: edit order"


def test_cancel_all_and_the_dead_mans_switch(v1: V1Client, h: Harness) -> None:
    (none,) = v1.trade("cancelAll", reqid=2)
    assert none == {"count": 0, "event": "cancelAllStatus", "reqid": 2, "status": "ok"}
    v1.subscribe("openOrders")
    v1.trade(
        "addOrder", ordertype="limit", type="buy", pair=PAIR, price=_below_bid(h, 10), volume="0.01"
    )
    (armed,) = v1.trade("cancelAllOrdersAfter", reqid=3, timeout=5)
    assert armed == {
        "currentTime": "2023-11-14T22:13:20Z",
        "event": "cancelAllOrdersAfterStatus",
        "reqid": 3,
        "status": "ok",
        "triggerTime": "2023-11-14T22:13:25Z",
    }
    h.timers.advance(6)
    (canceled,) = (next(iter(e.values())) for e in channel(v1.read(), "openOrders"))
    assert canceled["cancel_reason"] == "Cancel all orders after timeout"
    (disarmed,) = v1.trade("cancelAllOrdersAfter", timeout=0)
    assert disarmed["triggerTime"] == "0"
    (bad,) = v1.trade("cancelAllOrdersAfter", timeout="60")
    assert bad["errorMessage"] == "EGeneral:Invalid arguments:timeout"


def test_delay_next_response(v1: V1Client, h: Harness) -> None:
    v1.subscribe("openOrders")
    h.faults.delay_next_response(2.0)
    frames = v1.trade("addOrder", ordertype="market", type="buy", pair=PAIR, volume="0.01")
    assert frames
    assert all(isinstance(m, list) for m in frames)  # the order's updates come first
    h.timers.advance(2.1)
    (late,) = v1.read()
    assert (late["event"], late["status"]) == ("addOrderStatus", "ok")


def _statuses(v1: V1Client) -> list[dict[str, Any]]:
    frames = v1.trade("addOrder", ordertype="market", type="buy", pair=PAIR, volume="0.01")
    return [m for m in frames if isinstance(m, dict) and m.get("event") == "addOrderStatus"]


def test_lose_and_duplicate_next_response(v1: V1Client, h: Harness) -> None:
    v1.subscribe("openOrders")
    h.faults.lose_next_response()
    assert _statuses(v1) == []
    h.faults.duplicate_next_response()
    first, second = _statuses(v1)
    assert first == second
    assert first["status"] == "ok"
    assert len(_statuses(v1)) == 1


def test_stop_orders_and_conditional_close_are_accepted(v1: V1Client, h: Harness) -> None:
    v1.subscribe("openOrders")
    fields = {"type": "sell", "pair": PAIR, "volume": "0.01"}
    for extra in (
        {"ordertype": "stop-loss", "price": "-100"},
        {"ordertype": "take-profit-limit", "price": "+2%", "price2": str(h.best()[1] + 900)},
        {"ordertype": "trailing-stop-limit", "price": "+1%", "price2": "-20"},
        {"ordertype": "trailing-stop", "price": "+50"},
        {
            "ordertype": "limit",
            "price": str(h.best()[1] + 100),
            "close[ordertype]": "stop-loss",
            "close[price]": "-500",
        },
        {"ordertype": "limit", "price": str(h.best()[1] + 200), "expiretm": "+60"},
    ):
        (answer, *_) = v1.trade("addOrder", **fields, **extra)
        assert answer["status"] == "ok", (extra, answer)
    (_, snapshot) = V1Client(h).subscribe("openOrders")
    orders = [next(iter(e.values())) for e in channel([snapshot], "openOrders")]
    assert [o["descr"]["ordertype"] for o in orders] == [
        "stop-loss",
        "take-profit-limit",
        "trailing-stop-limit",
        "trailing-stop",
        "limit",
        "limit",
    ]
    assert [o["timeinforce"] for o in orders] == ["GTC"] * 5 + ["GTD"]
    assert orders[-1]["expiretm"] == "1700000060.000000"
    assert orders[0]["stopprice"] == orders[0]["descr"]["price"]
    assert orders[2]["descr"]["price2"] == "-20.00000"  # relative to the trigger
    assert h.engine.open_orders("test")[4].conditional is not None
    (trailing,) = v1.trade("addOrder", **fields, ordertype="trailing-stop", price="50")
    assert trailing["errorMessage"] == "EGeneral:Invalid arguments:price"
