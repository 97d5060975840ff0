"""CoinExV2PrivateProtocol: server.sign, private subscriptions with CoinEx's keys, pushes
routed to account-wide streams, and lost pushes reported as gaps (never silently)."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from typing import Any

import pytest

from helpers.coinex_private import BALANCE, DEAL, ORDER, STOP
from spotstream.auth.coinex import CoinExCredentials
from spotstream.errors import AuthenticationError, InvalidRequestError, SubscriptionError
from spotstream.models.enums import EventKind
from spotstream.models.orders import Balance, Fill, OrderUpdate
from spotstream.protocol.coinex.v2.private import CoinExV2PrivateProtocol
from spotstream.protocol.events import ChannelData, Event, RequestDone, SequenceGap, Unhandled

SECRET = "B51068CF10B34E7789C374AB932696A05E0A629BE7BFC62F"
CREDS = CoinExCredentials("4DA36FFC61334695A66F8D29020EB589", SECRET)
SIGNED = "75c7f4bf13c7fa5165821691a52ed0026d6bd959727ee296caec76578d056c2e"  # spec A3


def gz(frame: bytes) -> bytes:
    return gzip.compress(frame)


def sent(frame: bytes) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(frame)
    return doc


def answer(req_id: int, code: int = 0, message: str = "OK") -> bytes:
    return gzip.compress(json.dumps({"id": req_id, "code": code, "message": message}).encode())


def subscribed(protocol: CoinExV2PrivateProtocol, channel: str) -> None:
    out = protocol.subscribe_stream(channel, [], {})
    (done,) = protocol.receive(answer(out.req_id))
    assert isinstance(done, RequestDone)
    assert not done.errors


def test_sign_sends_the_documented_signature() -> None:
    protocol = CoinExV2PrivateProtocol()
    out = protocol.sign(CREDS, 1700490703564)
    assert sent(out.frame) == {
        "method": "server.sign",
        "params": {
            "access_id": "4DA36FFC61334695A66F8D29020EB589",
            "signed_str": SIGNED,
            "timestamp": 1700490703564,
        },
        "id": out.req_id,
    }
    (done,) = protocol.receive(answer(out.req_id))
    assert isinstance(done, RequestDone)
    assert (done.method, done.errors) == ("sign", [])


def test_a_refused_signature_is_an_authentication_error() -> None:
    protocol = CoinExV2PrivateProtocol()
    out = protocol.sign(CREDS, 1700490703564)
    (done,) = protocol.receive(answer(out.req_id, 21002, "Signature Incorrect"))
    assert isinstance(done, RequestDone)
    (error,) = done.errors
    assert isinstance(error, AuthenticationError)
    assert (error.code, error.text) == (21002, "Signature Incorrect")
    assert SECRET not in str(error)


@pytest.mark.parametrize(
    ("channel", "method", "params"),
    [
        ("orders", "order.subscribe", {"market_list": []}),
        ("stop_orders", "stop.subscribe", {"market_list": []}),
        ("user_trades", "user_deals.subscribe", {"market_list": []}),
        ("balances", "balance.subscribe", {"ccy_list": []}),
    ],
)
def test_private_channels_subscribe_everything(
    channel: str, method: str, params: dict[str, Any]
) -> None:
    protocol = CoinExV2PrivateProtocol()
    out = protocol.subscribe_stream(channel, [], {})
    assert sent(out.frame) == {"method": method, "params": params, "id": out.req_id}
    (done,) = protocol.receive(answer(out.req_id))
    assert isinstance(done, RequestDone)
    assert protocol.stream_key(channel, "", {}) in protocol.streams


def test_a_private_subscribe_before_sign_is_refused_as_authentication() -> None:
    protocol = CoinExV2PrivateProtocol()
    out = protocol.subscribe_stream("orders", [], {})
    (done,) = protocol.receive(answer(out.req_id, 21001, "require auth"))
    assert isinstance(done, RequestDone)
    (error,) = done.errors
    assert isinstance(error, AuthenticationError)
    assert isinstance(error, SubscriptionError)


def test_public_channels_are_not_offered() -> None:
    protocol = CoinExV2PrivateProtocol()
    with pytest.raises(InvalidRequestError):
        protocol.subscribe_stream("book", ["BTCUSDT"], {})
    with pytest.raises(InvalidRequestError):
        protocol.resync_book("BTCUSDT")


def only_data(events: list[Event]) -> ChannelData[Any]:
    (event,) = events
    assert isinstance(event, ChannelData)
    assert event.kind is EventKind.UPDATE
    return event


@pytest.mark.parametrize("gzipped", [True, False])
def test_each_push_is_an_update_of_its_account_stream(gzipped: bool) -> None:
    protocol = CoinExV2PrivateProtocol()
    frames = {"orders": ORDER, "stop_orders": STOP, "user_trades": DEAL}
    for channel, frame in frames.items():
        event = only_data(protocol.receive(gzip.compress(frame) if gzipped else frame.decode()))
        assert event.key == (channel, "", None)
        (item,) = event.items
        assert isinstance(item, Fill if channel == "user_trades" else OrderUpdate)


def test_spot_balances_are_absolute_balances_and_margin_ones_are_counted() -> None:
    protocol = CoinExV2PrivateProtocol()
    frame = json.loads(BALANCE)
    spot = dict(frame["data"]["balance_list"][0], margin_market="", ccy="USDT")
    frame["data"]["balance_list"].append(spot)
    unhandled, event = protocol.receive(json.dumps(frame))
    assert isinstance(unhandled, Unhandled)
    assert unhandled.kind == "balance:margin"
    assert isinstance(event, ChannelData)
    (balance,) = event.items
    assert isinstance(balance, Balance)
    assert (event.key, balance.asset, balance.balance) == (
        ("balances", "", None),
        "USDT",
        Decimal("44.62207740"),
    )


def test_an_unreadable_push_of_a_subscribed_feed_is_a_gap() -> None:
    protocol = CoinExV2PrivateProtocol()
    subscribed(protocol, "orders")
    only_data(protocol.receive(gz(ORDER)))
    broken = ORDER.replace(b'"amount":"10"', b'"amount":"ten"')
    unhandled, gap = protocol.receive(gz(broken))
    assert isinstance(unhandled, Unhandled)
    assert unhandled.kind == "order.update"
    assert gap == SequenceGap("orders", 2, 2)
    assert protocol.unhandled["order.update"] == 1


def test_a_push_that_fails_translation_is_a_gap_too() -> None:
    protocol = CoinExV2PrivateProtocol()
    subscribed(protocol, "user_trades")
    broken = DEAL.replace(b'"side":"buy"', b'"side":"up"')
    unhandled, gap = protocol.receive(gz(broken))
    assert isinstance(unhandled, Unhandled)
    assert unhandled.kind == "user_trades"  # refused (a DecodeError): no internal failure
    assert gap == SequenceGap("user_trades", 1, 1)


def test_a_lost_push_of_a_feed_not_subscribed_is_only_counted() -> None:
    protocol = CoinExV2PrivateProtocol()
    (event,) = protocol.receive(gz(BALANCE.replace(b'"frozen":"0.00000000"', b'"frozen":null')))
    assert isinstance(event, Unhandled)
    subscribed(protocol, "balances")
    unsub = protocol.unsubscribe_stream("balances", [""], {})
    protocol.receive(answer(unsub.req_id))
    (event,) = protocol.receive(gz(BALANCE.replace(b'"frozen":"0.00000000"', b'"frozen":null')))
    assert isinstance(event, Unhandled)


def test_public_pushes_and_garbage_never_raise() -> None:
    protocol = CoinExV2PrivateProtocol()
    index = b'{"method":"index.update","data":{"market":"ETHUSDT","index_price":"1"},"id":null}'
    for frame in (gz(index), b"\x1f\x8b garbage", "{", '{"method":"order.update","data":7}'):
        events = protocol.receive(frame)
        assert events
        assert all(isinstance(e, Unhandled) for e in events)
    assert protocol.unhandled["index.update:public"] == 1


def test_connection_lost_forgets_the_sets_and_counts() -> None:
    protocol = CoinExV2PrivateProtocol()
    subscribed(protocol, "orders")
    protocol.receive(gz(ORDER))
    protocol.connection_lost()
    assert (protocol.wanted, protocol.streams, protocol.received) == ({}, set(), {})
    protocol.receive(gz(ORDER.replace(b'"amount":"10"', b'"amount":"ten"')))
    assert protocol.unhandled["order.update"] == 1
