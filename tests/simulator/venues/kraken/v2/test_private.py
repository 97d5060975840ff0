"""The Kraken v2 private session without sockets: subscriptions, snapshots, the order
lifecycle on ``executions``, ledger entries on ``balances``. Every frame it writes is decoded
with the client's wire models (``kraken_v2_private_wire``) and sequences are checked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from simulator.private_harness import (
    Client,
    Harness,
    executions,
    make,
    subscribed,
)


@pytest.fixture
def h() -> Harness:
    return make()


@pytest.fixture
def client(h: Harness) -> Client:
    return Client(h)


# --- subscriptions ---------------------------------------------------------------------------


def test_executions_ack_and_empty_snapshot(client: Client) -> None:
    ack, snapshot = subscribed(client)
    assert ack["success"] is True
    assert ack["req_id"] == 1
    result = ack["result"]
    assert result["channel"] == "executions"
    assert result["maxratecount"] == 125
    assert (result["snap_orders"], result["snap_trades"]) == (True, False)
    assert "cancel_reason is deprecated, use reason" in result["warnings"]
    assert snapshot == {"channel": "executions", "type": "snapshot", "data": [], "sequence": 1}
    assert client.session.streams


def test_add_order_response_then_lifecycle(client: Client, h: Harness) -> None:
    subscribed(client)
    bid, _ = h.best()
    messages = client.trade(
        "add_order",
        req_id=9,
        order_type="limit",
        side="buy",
        order_qty=0.5,
        limit_price=float(bid - 10),
        symbol="BTC/USD",
        order_userref=3,
    )
    response, pending, new = messages
    assert response["method"] == "add_order"
    assert response["success"] is True
    order_id = response["result"]["order_id"]
    assert response["result"] == {"order_id": order_id, "order_userref": 3}
    full = pending["data"][0]
    assert full["exec_type"] == full["order_status"] == "pending_new"
    assert full["symbol"] == "BTC/USD"
    assert full["time_in_force"] == "GTC"
    assert full["limit_price"] == float(bid - 10)
    assert full["order_qty"] == 0.5
    assert full["fee_ccy_pref"] == "fciq"
    assert full["limit_price_type"] == "static"
    assert new["data"][0] == {
        "order_id": order_id,
        "exec_type": "new",
        "order_status": "new",
        "order_userref": 3,
        "timestamp": new["data"][0]["timestamp"],
    }
    assert client.sequences["executions"] == 3


def test_market_order_trades_and_ledger(client: Client, h: Harness) -> None:
    subscribed(client)
    ack, snapshot = client.send("subscribe", {"channel": "balances", "token": "tok"})
    assert ack["result"] == {"channel": "balances", "snapshot": True}
    usd = next(b for b in snapshot["data"] if b["asset"] == "USD")
    assert usd["balance"] == 1000000.0
    assert usd["wallets"] == [{"type": "spot", "id": "main", "balance": 1000000.0}]
    messages = client.trade(
        "add_order", order_type="market", side="buy", order_qty=0.01, symbol="BTC/USD"
    )
    reports = executions(messages)
    kinds = [r["exec_type"] for r in reports]
    assert kinds[:2] == ["pending_new", "new"]
    assert kinds[-1] == "filled"
    trade = reports[2]
    assert trade["liquidity_ind"] == "t"
    assert trade["order_status"] == "partially_filled"
    assert trade["fees"][0]["asset"] == "USD"
    assert trade["fees"][0]["qty"] > 0
    assert isinstance(trade["trade_id"], int)
    assert trade["exec_id"].startswith("T")
    filled = reports[-1]
    assert filled["order_status"] == "filled"
    assert filled["cum_qty"] == 0.01
    ledgers = [d for m in messages if m.get("channel") == "balances" for d in m["data"]]
    assert len(ledgers) == 2 * (len(reports) - 3)
    assert ledgers[0]["ref_id"] == ledgers[1]["ref_id"] == trade["exec_id"]
    assert {ledgers[0]["asset"], ledgers[1]["asset"]} == {"BTC", "USD"}
    assert ledgers[-1]["balance"] == float(h.engine.accounts["test"].balance("USD"))


def test_snapshot_has_open_orders_and_trades(client: Client, h: Harness) -> None:
    bid, _ = h.best()
    client.trade("add_order", order_type="market", side="buy", order_qty=0.01, symbol="BTC/USD")
    client.trade(
        "add_order",
        order_type="limit",
        side="buy",
        order_qty=0.1,
        limit_price=float(bid - 10),
        symbol="BTC/USD",
        cl_ord_id="snap",
    )
    _, snapshot = subscribed(client, snap_trades=True)
    kinds = [(r["exec_type"], r["order_status"]) for r in snapshot["data"]]
    assert kinds[0] == ("new", "new")
    assert snapshot["data"][0]["cl_ord_id"] == "snap"
    assert all(k == ("trade", "filled") for k in kinds[1:])
    assert len(kinds) >= 2
    times = [r["timestamp"] for r in snapshot["data"][1:]]
    assert times == sorted(times, reverse=True)


def test_order_status_false_and_ratecounter(client: Client, h: Harness) -> None:
    subscribed(client, order_status=False, ratecounter=True)
    bid, _ = h.best()
    messages = client.trade(
        "add_order",
        order_type="limit",
        side="buy",
        order_qty=0.1,
        limit_price=float(bid - 10),
        symbol="BTC/USD",
    )
    (report,) = executions(messages)
    assert report["exec_type"] == "new"
    assert report["ratecount"] == 1


def test_deprecated_snapshot_option_and_users_all(client: Client) -> None:
    ack, _snapshot = subscribed(client, snapshot=False, snapshot_trades=True)
    assert ack["result"]["snap_orders"] is False
    assert ack["result"]["snap_trades"] is True
    other = Client(client.h)
    messages = subscribed(other, users="all")
    assert len(messages) == 1
    assert messages[0]["result"]["users"] == "all"


def test_subscription_errors(client: Client) -> None:
    subscribed(client)
    (again,) = subscribed(client)
    assert again["error"] == "Already subscribed"
    (public,) = client.send("subscribe", {"channel": "book", "symbol": ["BTC/USD"], "token": "tok"})
    assert public["error"] == "Public channels not available in this endpoint"
    (level3,) = client.send(
        "subscribe", {"channel": "level3", "symbol": ["BTC/USD"], "token": "tok"}
    )
    assert level3["error"] == "Subscription name invalid"
    (bad,) = client.send("subscribe", {"channel": "balances", "token": "nope"})
    assert bad["error"] == "EAPI:Invalid token"
    assert bad["success"] is False
    (none,) = client.send("subscribe", {"channel": "balances"})
    assert none["error"] == "Token(s) not found"
    (unknown,) = client.send("subscribe", {"channel": "balances", "token": "tok", "depth": 10})
    assert unknown["error"] == "Unsupported field: 'depth' for the given msg type: subscribe"


def test_unsubscribe_stops_the_stream(client: Client, h: Harness) -> None:
    subscribed(client)
    (ack,) = client.send("unsubscribe", {"channel": "executions", "token": "tok"})
    assert ack["method"] == "unsubscribe"
    assert ack["result"] == {"channel": "executions"}
    messages = client.trade(
        "add_order", order_type="market", side="buy", order_qty=0.01, symbol="BTC/USD"
    )
    assert executions(messages) == []
    assert not client.session.streams
    (missing,) = client.send("unsubscribe", {"channel": "executions", "token": "tok"})
    assert missing["error"] == "Subscription Not Found"


def test_close_leaves_the_account(client: Client, h: Harness) -> None:
    subscribed(client)
    client.session.close()
    h.add(order_type="market", side="buy", order_qty="0.01")
    assert client.session.outbox == []


def test_every_exec_type_decodes(client: Client, h: Harness) -> None:
    """restated, trade, iceberg_refill, status, expired, amended, canceled, filled."""
    subscribed(client, ratecounter=True)
    bid, _ = h.best()
    seen: list[str] = []

    def kinds(messages: list[Any]) -> None:
        seen.extend(r["exec_type"] for r in executions(messages))

    kinds(
        client.trade(
            "add_order",
            order_type="market",
            side="buy",
            order_qty=1,
            cash_order_qty=50,
            symbol="BTC/USD",
        )
    )
    iceberg = {"order_type": "iceberg", "order_qty": 1, "display_qty": 0.1}
    kinds(
        client.trade(
            "add_order", side="buy", limit_price=float(bid - 10), symbol="BTC/USD", **iceberg
        )
    )
    stop = {"order_type": "stop-loss-limit", "triggers": {"price": float(bid - 50)}}
    kinds(
        client.trade(
            "add_order",
            side="sell",
            order_qty=0.1,
            limit_price=float(bid - 60),
            symbol="BTC/USD",
            **stop,
        )
    )
    h.trade(str(bid - 10), "0.15")
    h.trade(str(bid - 50), "0.01")
    kinds(client.read())
    expire = {"time_in_force": "gtd", "expire_time": "2023-11-14T22:13:30Z"}
    (added, *rest) = client.trade(
        "add_order",
        order_type="limit",
        side="buy",
        order_qty=0.1,
        limit_price=float(bid - 30),
        symbol="BTC/USD",
        **expire,
    )
    kinds(rest)
    kinds(client.trade("amend_order", order_id=added["result"]["order_id"], order_qty=0.2))
    h.timers.advance(11)
    kinds(client.read())
    kinds(client.trade("cancel_all"))
    assert {
        "restated",
        "trade",
        "filled",
        "iceberg_refill",
        "status",
        "expired",
        "amended",
        "canceled",
    } <= set(seen)


def test_triggered_report_and_contingent(client: Client, h: Harness) -> None:
    subscribed(client)
    _bid, ask = h.best()
    close = {"order_type": "take-profit", "trigger_price": 1, "trigger_price_type": "pct"}
    (_, pending, *_) = client.trade(
        "add_order",
        order_type="limit",
        side="buy",
        order_qty=0.01,
        limit_price=float(ask),
        symbol="BTC/USD",
        conditional=close,
    )
    contingent = pending["data"][0]["contingent"]
    assert contingent == {
        "order_type": "take-profit",
        "trigger_price": 1.0,
        "trigger_price_type": "pct",
    }
    stop = {"order_type": "stop-loss", "triggers": {"price": -100, "price_type": "quote"}}
    client.trade("add_order", side="sell", order_qty=0.01, symbol="BTC/USD", **stop)
    last = Decimal(h.engine.last_price("BTC/USD")).scaleb(-1)
    h.trade(str(last - 100))
    status = next(r for r in executions(client.read()) if r["exec_type"] == "status")
    triggers = status["triggers"]
    assert triggers["status"] == "triggered"
    assert triggers["price_type"] == "quote"
    assert triggers["price"] == -100.0
    assert triggers["actual_price"] == float(last - 100)


def test_balances_sequence_gap_on_balances(client: Client, h: Harness) -> None:
    client.send("subscribe", {"channel": "balances", "token": "tok"})
    h.faults.skip_next_sequence()
    with pytest.raises(AssertionError, match="balances"):
        client.trade(
            "add_order", order_type="market", side="sell", order_qty=0.01, symbol="BTC/USD"
        )
