"""The Kraken v2 private session's trading methods without sockets: responses, refusals and
the private fault switches; every frame is decoded with the client's wire models."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest

from simulator.private_harness import (
    Client,
    Harness,
    executions,
    make,
    payload,
    subscribed,
)


@pytest.fixture
def h() -> Harness:
    return make()


@pytest.fixture
def client(h: Harness) -> Client:
    return Client(h)


# --- trading responses ---------------------------------------------------------------------------


@pytest.mark.parametrize("req_id", [5, None])
def test_req_id_is_echoed_only_when_sent(client: Client, req_id: int | None) -> None:
    (answer,) = client.trade("cancel_all", req_id=req_id)
    assert answer["result"] == {"count": 0}
    assert answer.get("req_id") == req_id
    assert ("req_id" in answer) == (req_id is not None)


def test_batch_add_and_batch_cancel(client: Client, h: Harness) -> None:
    bid, _ = h.best()
    orders = [
        {
            "order_type": "limit",
            "side": "buy",
            "order_qty": 0.1,
            "limit_price": float(bid - 10),
            "order_userref": 1,
        },
        {
            "order_type": "limit",
            "side": "buy",
            "order_qty": 0.1,
            "limit_price": float(bid - 20),
            "cl_ord_id": "b2",
        },
    ]
    (answer,) = client.trade("batch_add", symbol="BTC/USD", orders=orders)
    first, second = answer["result"]
    assert first["order_userref"] == 1
    assert second["cl_ord_id"] == "b2"
    (cancelled,) = client.trade("batch_cancel", orders=["1", second["order_id"]])
    assert cancelled["orders_cancelled"] == 2
    assert "result" not in cancelled
    (one,) = client.trade("batch_add", symbol="BTC/USD", orders=orders[:1])
    assert one["error"] == "EGeneral:Invalid arguments:orders"


def test_batch_add_is_all_or_nothing(client: Client, h: Harness) -> None:
    bid, _ = h.best()
    good = {"order_type": "limit", "side": "buy", "order_qty": 0.1, "limit_price": float(bid - 10)}
    bad = {
        "order_type": "limit",
        "side": "buy",
        "order_qty": 0.00001,
        "limit_price": float(bid - 10),
    }
    (answer,) = client.trade("batch_add", symbol="BTC/USD", orders=[good, bad])
    assert answer["error"] == "EOrder:Order minimum not met"
    assert h.engine.open_orders("test") == []


def test_validate_returns_an_empty_order_id(client: Client) -> None:
    (answer,) = client.trade(
        "add_order",
        order_type="market",
        side="buy",
        order_qty=0.01,
        symbol="BTC/USD",
        validate=True,
    )
    assert answer["result"] == {"order_id": ""}


def test_cancel_order_one_response_per_order(client: Client, h: Harness) -> None:
    bid, _ = h.best()
    ids = []
    for offset in (10, 20):
        (answer,) = client.trade(
            "add_order",
            order_type="limit",
            side="buy",
            order_qty=0.1,
            limit_price=float(bid - offset),
            symbol="BTC/USD",
            order_userref=4,
        )
        ids.append(answer["result"]["order_id"])
    client.trade(
        "add_order",
        order_type="limit",
        side="buy",
        order_qty=0.1,
        limit_price=float(bid - 30),
        symbol="BTC/USD",
        cl_ord_id="cid",
    )
    answers = client.trade(
        "cancel_order",
        req_id=77,
        order_userref=[4],
        cl_ord_id=["cid"],
        order_id=["OUNKNO-WN000-000000"],
    )
    assert [a["req_id"] for a in answers] == [77] * 4
    assert answers[0] == {**answers[0], "success": False, "error": "EOrder:Unknown order"}
    assert [a["result"] for a in answers[1:]] == [
        {"cl_ord_id": "cid"},
        {"order_id": ids[0]},
        {"order_id": ids[1]},
    ]


def test_amend_and_edit_responses(client: Client, h: Harness) -> None:
    subscribed(client)
    bid, _ = h.best()
    (added, *_) = client.trade(
        "add_order",
        order_type="limit",
        side="buy",
        order_qty=0.1,
        limit_price=float(bid - 10),
        symbol="BTC/USD",
    )
    order_id = added["result"]["order_id"]
    amended, report = client.trade("amend_order", order_id=order_id, order_qty=0.2)
    assert amended["result"]["order_id"] == order_id
    assert amended["result"]["amend_id"]
    assert report["data"][0]["exec_type"] == "amended"
    assert report["data"][0]["amended"] is True
    assert report["data"][0]["order_qty"] == 0.2
    assert report["data"][0]["reason"] == "User requested"
    edited, *reports = client.trade(
        "edit_order", order_id=order_id, symbol="BTC/USD", limit_price=float(bid - 20)
    )
    assert edited["result"]["original_order_id"] == order_id
    assert [r["exec_type"] for r in executions(reports)] == ["canceled", "pending_new", "new"]
    (unknown,) = client.trade("edit_order", order_id=order_id, symbol="BTC/USD", order_qty=0.3)
    assert unknown["error"] == "EOrder:Unknown order"


def test_cancel_all_orders_after(client: Client, h: Harness) -> None:
    subscribed(client)
    bid, _ = h.best()
    client.trade(
        "add_order",
        order_type="limit",
        side="buy",
        order_qty=0.1,
        limit_price=float(bid - 10),
        symbol="BTC/USD",
    )
    (armed,) = client.trade("cancel_all_orders_after", timeout=5)
    assert armed["result"] == {
        "currentTime": "2023-11-14T22:13:20Z",
        "triggerTime": "2023-11-14T22:13:25Z",
    }
    h.timers.advance(6)
    (cancelled,) = executions(client.read())
    assert cancelled["exec_type"] == "canceled"
    assert h.flushes
    (disarmed,) = client.trade("cancel_all_orders_after", timeout=0)
    assert disarmed["result"]["triggerTime"] == "0"


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"token": None}, "Token(s) not found"),
        ({"token": "stale"}, "EAPI:Invalid token"),
        ({"token": "ro"}, "EGeneral:Permission denied"),
        ({"leverage": 2}, "Unsupported field: 'leverage' for the given msg type: add_order"),
        ({"limit_price": "65000.0"}, "Limit_price field must be a number_float"),
        ({"cash_order_qty": "10"}, "Cash_order_qty field must be a number_float"),
        ({"order_type": "nope"}, "EGeneral:Invalid arguments:order_type"),
        ({"deadline": "2020-01-01T00:00:00.000Z"}, "EService:Deadline elapsed"),
        ({"deadline": "2030-01-01T00:00:00.000Z"}, "EGeneral:Invalid arguments:deadline"),
        ({"symbol": "XBT/USD"}, "EQuery:Unknown asset pair"),
        ({"order_qty": 100}, "EOrder:Insufficient funds"),
    ],
)
def test_add_order_refusals(client: Client, params: dict[str, Any], error: str) -> None:
    request = {
        "token": "tok",
        "order_type": "limit",
        "side": "buy",
        "order_qty": 0.1,
        "limit_price": 65000.0,
        "symbol": "BTC/USD",
    }
    request.update(params)
    (answer,) = client.send("add_order", {k: v for k, v in request.items() if v is not None}, 3)
    assert answer == {
        "method": "add_order",
        "req_id": 3,
        "success": False,
        "error": error,
        "time_in": answer["time_in"],
        "time_out": answer["time_out"],
    }


def test_unknown_method_and_bad_json(client: Client) -> None:
    (unknown,) = client.send("fly", {})
    assert unknown["error"] == "Unsupported event"
    client.session.receive(b"{nope")
    (bad,) = client.read()
    assert bad["success"] is False
    assert bad["error"] == "Unsupported event"
    (pong,) = client.send("ping", req_id=8)
    assert pong["method"] == "pong"
    assert pong["req_id"] == 8


def test_fixed_number_style() -> None:
    client = Client(make(style="fixed"))
    subscribed(client)
    request = {"order_type": "market", "side": "buy", "order_qty": 0.01, "symbol": "BTC/USD"}
    client.session.receive(
        msgspec.json.encode({"method": "add_order", "params": {"token": "tok", **request}})
    )
    text = b"".join(payload(frame) for frame in client.session.outbox)
    assert b'"order_qty":0.01000000' in text
    assert b'"stop_price":0.0' in text
    assert re.search(rb'"cost":\d+\.\d{5}[,}]', text)  # BTC/USD cost_precision
    client.read()


# --- faults ----------------------------------------------------------------------------------


def test_skip_next_sequence(client: Client, h: Harness) -> None:
    subscribed(client)
    h.faults.skip_next_sequence()
    with pytest.raises(AssertionError, match="executions"):
        client.trade("add_order", order_type="market", side="buy", order_qty=0.01, symbol="BTC/USD")


def test_delay_next_response(client: Client, h: Harness) -> None:
    subscribed(client)
    h.faults.delay_next_response(2.0)
    messages = client.trade(
        "add_order", order_type="market", side="buy", order_qty=0.01, symbol="BTC/USD"
    )
    assert all(m.get("channel") == "executions" for m in messages)
    assert messages
    h.timers.advance(1.9)
    assert client.read() == []
    h.timers.advance(0.2)
    (late,) = client.read()
    assert late["method"] == "add_order"
    assert late["success"] is True


def test_repeat_next_sequence_replays_a_message(client: Client, h: Harness) -> None:
    subscribed(client)
    h.faults.repeat_next_sequence()
    with pytest.raises(AssertionError) as replay:  # the harness checks every sequence
        client.trade("add_order", order_type="market", side="buy", order_qty=0.01, symbol="BTC/USD")
    channel_name, sequence, expected = replay.value.args[0]
    assert channel_name == "executions"
    assert sequence == expected - 1  # the same sequence again


def _market_buy(client: Client) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = client.trade(
        "add_order", order_type="market", side="buy", order_qty=0.01, symbol="BTC/USD"
    )
    return [m for m in messages if m.get("method") == "add_order"]


def test_lose_next_response(client: Client, h: Harness) -> None:
    subscribed(client)
    h.faults.lose_next_response()
    assert _market_buy(client) == []
    (answer,) = _market_buy(client)  # once only
    assert answer["success"] is True


def test_duplicate_next_response(client: Client, h: Harness) -> None:
    subscribed(client)
    h.faults.duplicate_next_response()
    first, second = _market_buy(client)
    assert first == second
    assert first["success"] is True
    assert len(_market_buy(client)) == 1


def test_drop_private_connections(h: Harness) -> None:
    h.faults.drop_private_connections()
    assert h.target.dropped == ["private", "kraken_v1_private"]
