"""CoinEx v1 account protocol: MD5 server.sign (the spec's example by the formula), asset
and order feeds and queries, and a lost push as a gap."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import pytest

from spotstream.auth.coinex import CoinExCredentials
from spotstream.errors import InvalidRequestError
from spotstream.models.enums import OrderSide, OrderStatus
from spotstream.models.orders import Balance, OrderUpdate
from spotstream.protocol.coinex.sign import v1_signature
from spotstream.protocol.coinex.v1.private import CoinExV1PrivateProtocol
from spotstream.protocol.events import ChannelData, RequestDone, SequenceGap, Unhandled

ACCESS_ID = "4DA36FFC61334695A66F8D29020EB589"
SECRET = "B51068CF10B34E7789C374AB932696A05E0A629BE7BFC62F"
TONCE = 1513746038205

ORDER: dict[str, Any] = {
    "id": 77782469357, "type": 1, "side": 2, "user": 1849116, "account": 0, "option": 2,
    "ctime": 1653961043.048967, "mtime": 1653961043.048967, "market": "BTCUSDT",
    "source": "web", "client_id": "", "price": "1.00", "amount": "1.00000000",
    "taker_fee": "0.0020", "maker_fee": "0.0020", "left": "1.00000000", "deal_stock": "0",
    "deal_money": "0", "money_fee": "0", "stock_fee": "0", "asset_fee": "0",
    "fee_discount": "1", "last_deal_amount": "0", "last_deal_price": "0",
    "last_deal_time": 0, "last_deal_id": 0, "last_role": 0, "fee_asset": None, "stop_id": 0,
}  # fmt: skip


def frame(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


def sent(out: Any) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(out.frame)
    return value


def test_the_spec_signing_example_by_its_formula() -> None:
    text = f"access_id={ACCESS_ID}&tonce={TONCE}&secret_key={SECRET}"
    assert v1_signature(ACCESS_ID, SECRET, TONCE) == hashlib.md5(text.encode()).hexdigest().upper()
    assert v1_signature(ACCESS_ID, SECRET, TONCE) == "4A2216ED09BB42CE279621EE2C1CE124"  # spec B3
    protocol = CoinExV1PrivateProtocol()
    out = protocol.sign(CoinExCredentials(ACCESS_ID, SECRET), TONCE)
    assert sent(out) == {
        "method": "server.sign",
        "params": [ACCESS_ID, "4A2216ED09BB42CE279621EE2C1CE124", TONCE],
        "id": out.req_id,
    }


def subscribed(channel: str) -> CoinExV1PrivateProtocol:
    protocol = CoinExV1PrivateProtocol()
    out = protocol.subscribe_stream(channel, [""], {})
    assert sent(out)["params"] == []
    protocol.receive(frame({"error": None, "result": {"status": "success"}, "id": out.req_id}))
    return protocol


def order_push(event: int, **changes: Any) -> bytes:
    return frame({"method": "order.update", "params": [event, {**ORDER, **changes}], "id": None})


def test_order_events_new_fill_finish() -> None:
    protocol = subscribed("orders")
    [put] = protocol.receive(order_push(1))
    assert isinstance(put, ChannelData)
    assert put.key == ("orders", "", None)
    update = put.items[0]
    assert isinstance(update, OrderUpdate)
    assert (update.exec_type, update.status, update.side) == ("new", OrderStatus.NEW, OrderSide.BUY)
    assert update.limit_price == Decimal("1.00")
    assert update.order_type == "limit"
    fill_fields = {
        "left": "0.4", "deal_stock": "0.6", "deal_money": "0.6", "last_deal_amount": "0.6",
        "last_deal_price": "1.00", "last_deal_id": 7, "last_role": 1,
        "last_deal_time": 1653961044.5,
    }  # fmt: skip
    [fill] = protocol.receive(order_push(2, **fill_fields))
    update = fill.items[0]
    assert update.exec_type == "trade"
    assert update.status is OrderStatus.PARTIALLY_FILLED
    assert update.fill is not None
    assert update.fill.quantity == Decimal("0.6")
    assert update.fill.trade_id == 7
    assert update.fill.maker is True
    [finish] = protocol.receive(order_push(3, left="0.4", deal_stock="0.6"))
    assert finish.items[0].status is OrderStatus.CANCELED
    [finish] = protocol.receive(order_push(3, left="0", deal_stock="1"))
    assert finish.items[0].status is OrderStatus.FILLED


def test_asset_pushes_are_balances() -> None:
    protocol = subscribed("balances")
    push = {
        "method": "asset.update",
        "params": [{"BCH": {"available": "1.1", "frozen": "0.1"}}],
        "id": None,
    }
    [event] = protocol.receive(frame(push))
    balance = event.items[0]
    assert isinstance(balance, Balance)
    assert balance.balance == Decimal("1.2")


def test_an_unreadable_push_of_a_subscribed_feed_is_a_gap() -> None:
    protocol = subscribed("orders")
    events = protocol.receive(order_push(9))
    assert isinstance(events[0], Unhandled)
    assert isinstance(events[1], SequenceGap)
    events = protocol.receive(frame({"method": "order.update", "params": ["x"], "id": None}))
    assert [type(e) for e in events] == [Unhandled, SequenceGap]
    balances = CoinExV1PrivateProtocol()  # not subscribed: nothing to reconcile
    assert [type(e) for e in balances.receive(order_push(9))] == [Unhandled]


def test_queries() -> None:
    protocol = CoinExV1PrivateProtocol()
    out = protocol.asset_query(["btc"])
    assert sent(out)["params"] == ["BTC"]
    result = {"BTC": {"available": "250", "frozen": "10"}}
    [done] = protocol.receive(frame({"error": None, "result": result, "id": out.req_id}))
    assert isinstance(done, RequestDone)
    assert done.results[0][0].balance == Decimal(260)
    out = protocol.order_query("BTC/USDT", "sell", 0, 10)
    assert sent(out)["params"] == ["BTCUSDT", 1, 0, 10]
    page = {"offset": 0, "limit": 10, "total": 1, "records": [ORDER]}
    [done] = protocol.receive(frame({"error": None, "result": page, "id": out.req_id}))
    orders, total = done.results[0]
    assert total == 1
    assert orders[0].order_id == "77782469357"
    with pytest.raises(InvalidRequestError):
        protocol.order_query("BTCUSDT", "up")
    with pytest.raises(InvalidRequestError):
        protocol.order_query("BTCUSDT", None, 0, 1000)


def test_a_fill_pushed_twice_is_delivered_once() -> None:
    protocol = subscribed("orders")
    fill_fields = {
        "left": "0.4", "deal_stock": "0.6", "deal_money": "0.6", "last_deal_amount": "0.6",
        "last_deal_price": "1.00", "last_deal_id": 7, "last_role": 2,
    }  # fmt: skip
    (first,) = protocol.receive(order_push(2, **fill_fields))
    assert isinstance(first, ChannelData)
    assert protocol.receive(order_push(2, **fill_fields)) == []  # CoinEx sent it again
    assert protocol.fills.repeated_fills == 1
