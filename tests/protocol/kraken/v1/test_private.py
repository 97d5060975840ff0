"""The Kraken v1 private protocol, sans-I/O: openOrders and ownTrades (every captured message
mapped), sequences, and trading answers correlated into one outcome per request."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from spotstream.errors import (
    InvalidArgumentsError,
    InvalidRequestError,
    OrderNotFoundError,
    RateLimitError,
    UnexpectedAnswerError,
    UnreadableResultError,
)
from spotstream.models.enums import EventKind, OrderSide, OrderType
from spotstream.models.orders import (
    CancelledOrder,
    EditedOrder,
    Fee,
    Fill,
    OrderRequest,
    OrderUpdate,
    PlacedOrder,
)
from spotstream.protocol.events import ChannelData, RequestDone, SequenceGap, Unhandled
from spotstream.protocol.kraken.v1.private import KrakenV1PrivateProtocol
from spotstream.protocol.kraken.v1.public import KrakenV1Protocol

from .test_public import messages


@pytest.fixture
def raw(captures: Path) -> dict[str, str]:
    return messages(captures)


def protocol() -> KrakenV1PrivateProtocol:
    p = KrakenV1PrivateProtocol()
    p.token = "TOKEN"
    return p


def sent(out: Any) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(out.frame)
    return decoded


def ack(req_id: int, channel: str, **subscription: Any) -> str:
    return json.dumps(
        {"event": "subscriptionStatus", "reqid": req_id, "status": "subscribed",
         "channelName": channel, "subscription": {"name": channel, **subscription}}
    )  # fmt: skip


def test_subscribe_carries_the_token_and_each_channel_takes_its_options() -> None:
    p = protocol()
    out = p.subscribe("ownTrades", snapshot=True, consolidate_taker=False)
    assert sent(out) == {
        "event": "subscribe",
        "reqid": out.req_id,
        "subscription": {
            "name": "ownTrades",
            "token": "TOKEN",
            "snapshot": True,
            "consolidate_taker": False,
        },
    }
    with pytest.raises(InvalidRequestError):
        p.subscribe("openOrders", snapshot=False)
    with pytest.raises(InvalidRequestError):
        p.subscribe("ticker", ["XBT/USD"])
    with pytest.raises(InvalidRequestError):
        KrakenV1PrivateProtocol().subscribe("openOrders")  # no token yet
    out = p.subscribe("openOrders", ratecounter=True)
    (done,) = p.receive(ack(out.req_id, "openOrders", maxratecount=125))
    assert isinstance(done, RequestDone)
    assert p.maxratecount == 125


def test_open_orders_snapshot_and_updates_mapped(raw: dict[str, str]) -> None:
    p = protocol()
    p.subscribe("openOrders")
    (snapshot,) = p.receive(raw["OPEN_ORDERS_INITIAL"])
    assert isinstance(snapshot, ChannelData)
    assert (snapshot.key, snapshot.kind) == (("openOrders", "", None), EventKind.SNAPSHOT)
    first = snapshot.items[0]
    assert isinstance(first, OrderUpdate)
    assert (first.order_id, first.status, first.exec_type) == ("OKJASZ-554YM-L7YMU7", "new", "new")
    assert (first.symbol, first.side, first.order_type) == ("ATOM/USD", OrderSide.BUY, "limit")
    assert (first.quantity, first.limit_price, first.filled_quantity) == (
        Decimal("5.00000000"), Decimal("9.250000"), Decimal("0.00000000"),
    )  # fmt: skip
    assert first.time_in_force == "gtc"
    assert first.timestamp == datetime(2023, 11, 15, 19, 30, 48, 883709, tzinfo=UTC)
    (new,) = p.receive(raw["OPEN_ORDERS_NEW_ORDER"])[-1].items  # type: ignore[union-attr]
    assert (new.status, new.exec_type, new.symbol) == ("pending_new", "pending_new", "SOL/USD")
    events = p.receive(raw["OPEN_ORDERS_OPEN"])
    (opened,) = events[-1].items  # type: ignore[union-attr]
    assert (opened.status, opened.exec_type, opened.symbol) == ("new", "new", None)
    (cancel,) = p.receive(raw["OPEN_ORDERS_USER_REQUESTED_CANCEL"])[-1].items  # type: ignore[union-attr]
    assert (cancel.status, cancel.reason) == ("canceled", "User requested")
    (progress,) = p.receive(raw["OPEN_ORDERS_TRADE_EXEC"])[-1].items  # type: ignore[union-attr]
    assert (progress.exec_type, progress.status, progress.filled_quantity) == (
        "trade", None, Decimal("0.01000000"),
    )  # fmt: skip
    assert progress.average_price == Decimal("1967.68000")


def test_own_trades_mapped_to_fills(raw: dict[str, str]) -> None:
    p = protocol()
    p.subscribe("ownTrades")
    (snapshot,) = p.receive(raw["OWN_TRADES_INITIAL"])
    assert isinstance(snapshot, ChannelData)
    assert snapshot.kind is EventKind.SNAPSHOT
    assert [f.exec_id for f in snapshot.items] == [  # type: ignore[attr-defined]
        "T5VKWY-X54ZN-5M7TUQ",
        "TAUGAY-Z4ZJO-O3POKN",
    ]
    (update,) = p.receive(raw["OWN_TRADES_EXEC"])
    assert isinstance(update, ChannelData)
    assert update.kind is EventKind.UPDATE
    assert update.items == [
        Fill(
            order_id="OX6J4U-3FWTH-NPST2W",
            trade_id=None,
            exec_id="TROWH4-DD6XR-2O7DPH",
            symbol="ETH/USD",
            side=OrderSide.BUY,
            quantity=Decimal("0.01000000"),
            price=Decimal("1967.68000"),
            cost=Decimal("19.67680"),
            fees=(Fee("USD", Decimal("0.03148")),),
            maker=None,
            timestamp=datetime(2023, 11, 17, 11, 32, 41, 62896, tzinfo=UTC),
        )
    ]


def test_a_replayed_own_trade_is_dropped_and_never_delivered_twice(raw: dict[str, str]) -> None:
    p = protocol()
    p.subscribe("ownTrades")
    p.receive(raw["OWN_TRADES_INITIAL"])
    (first,) = p.receive(raw["OWN_TRADES_EXEC"])
    assert isinstance(first, ChannelData)
    assert len(first.items) == 1
    (again,) = p.receive(raw["OWN_TRADES_EXEC"])  # the same message, the same sequence
    assert isinstance(again, Unhandled)
    assert again.kind == "ownTrades:repeated"
    assert p.feeds.repeated["ownTrades"] == 1
    renumbered = raw["OWN_TRADES_EXEC"].replace('"sequence":2', '"sequence":3')
    assert renumbered != raw["OWN_TRADES_EXEC"]
    (later,) = p.receive(renumbered)  # the same fill in a new message
    assert isinstance(later, ChannelData)
    assert later.items == []
    assert p.feeds.repeated_fills == 1


def test_a_sequence_gap_is_reported_once_until_the_next_snapshot(raw: dict[str, str]) -> None:
    p = protocol()
    p.subscribe("openOrders")
    p.receive(raw["OPEN_ORDERS_INITIAL"])
    p.receive(raw["OPEN_ORDERS_NEW_ORDER"])  # 2
    gap = p.receive(raw["OPEN_ORDERS_TRADE_EXEC"])  # 10
    assert gap[0] == SequenceGap("openOrders", 3, 10)
    assert not any(isinstance(e, SequenceGap) for e in p.receive(raw["OPEN_ORDERS_OPEN"]))
    p.subscribe("openOrders")  # the session resubscribes: the next message is a snapshot
    p.receive(raw["OPEN_ORDERS_INITIAL"])
    assert p.receive(raw["OPEN_ORDERS_NEW_ORDER"])[0].kind is EventKind.UPDATE  # type: ignore[union-attr]


ORDER = OrderRequest(
    side=OrderSide.BUY,
    order_type=OrderType.LIMIT,
    quantity=Decimal("10"),
    limit_price=Decimal("0.9"),
)


def answer(req_id: int, event: str, **fields: Any) -> str:
    return json.dumps({"event": event, "reqid": req_id, **fields})


def test_add_order_and_its_answers(raw: dict[str, str]) -> None:
    p = protocol()
    out = p.add_order("USDC/USD", ORDER, validate=True)
    frame = sent(out)
    assert (frame["event"], frame["token"], frame["pair"], frame["validate"]) == (
        "addOrder", "TOKEN", "USDC/USD", "true",
    )  # fmt: skip
    ok = json.loads(raw["ADD_ORDER_RESPONSE"]) | {"reqid": out.req_id}
    (done,) = p.receive(json.dumps(ok))
    assert isinstance(done, RequestDone)
    assert done.results == [PlacedOrder("OA7JUX-OKLO3-M6IEVL")]
    out = p.add_order("XBT/USD", ORDER)
    refused = json.loads(raw["ADD_ORDER_INVALID_ARGS"]) | {"reqid": out.req_id}
    (done,) = p.receive(json.dumps(refused))
    assert isinstance(done, RequestDone)
    (error,) = done.errors
    assert isinstance(error, InvalidArgumentsError)
    assert error.error == "EGeneral:Invalid arguments:timeinforce"


def test_an_answer_without_reqid_belongs_to_the_only_request_waiting(raw: dict[str, str]) -> None:
    p = protocol()
    out = p.edit_order("OA7JUX-OKLO3-M6IEVL", "USDC/USD", limit_price=Decimal("0.9"))
    (done,) = p.receive(raw["EDIT_ORDER_RESPONSE"])
    assert isinstance(done, RequestDone)
    assert done.req_id == out.req_id
    assert done.results == [EditedOrder("O7NE5Y-QUARV-HHHUCA", "OA7JUX-OKLO3-M6IEVL")]
    p.edit_order("O1", "USDC/USD", limit_price=Decimal("1"))
    (done,) = p.receive(raw["EDIT_ORDER_RATE_LIMIT_EXCEEDED"])
    assert isinstance(done, RequestDone)
    assert isinstance(done.errors[0], RateLimitError)
    p.cancel_all()
    p.cancel_all_orders_after(60)
    (unknown,) = p.receive(raw["CANCEL_ORDER_SUCCESS"])  # two requests wait: not guessed
    assert isinstance(unknown, Unhandled)


def test_cancel_order_has_one_outcome_per_id(raw: dict[str, str]) -> None:
    p = protocol()
    out = p.cancel_order(["O1", "O2"], ["my-id"])
    assert sent(out)["txid"] == ["O1", "O2"]
    assert sent(out)["cl_ord_id"] == ["my-id"]
    ok = answer(out.req_id, "cancelOrderStatus", status="ok")
    unknown = answer(out.req_id, "cancelOrderStatus", status="error",
                     errorMessage="EOrder:Unknown order")  # fmt: skip
    assert p.receive(ok) == []
    assert p.receive(unknown) == []
    (done,) = p.receive(ok)
    assert isinstance(done, RequestDone)
    assert done.results == [CancelledOrder(), CancelledOrder()]
    assert isinstance(done.errors[0], OrderNotFoundError)


def test_cancel_all_and_the_dead_man_switch() -> None:
    p = protocol()
    out = p.cancel_all()
    (done,) = p.receive(answer(out.req_id, "cancelAllStatus", status="ok", count=2))
    assert done.results == [2]  # type: ignore[union-attr]
    out = p.cancel_all_orders_after(60)
    assert sent(out)["timeout"] == 60
    times = {"currentTime": "2020-12-21T09:37:09Z", "triggerTime": "2020-12-21T09:38:09Z"}
    frame = answer(out.req_id, "cancelAllOrdersAfterStatus", status="ok", **times)
    (done,) = p.receive(frame)
    (after,) = done.results  # type: ignore[union-attr]
    assert after.trigger_time == datetime(2020, 12, 21, 9, 38, 9, tzinfo=UTC)  # type: ignore[attr-defined]
    out = p.cancel_all_orders_after(0)
    times = {"currentTime": "2020-12-21T09:37:09Z", "triggerTime": "0"}
    frame = answer(out.req_id, "cancelAllOrdersAfterStatus", status="ok", **times)
    (done,) = p.receive(frame)
    assert done.results[0].trigger_time is None  # type: ignore[union-attr, attr-defined]


def test_answers_that_leave_the_outcome_unknown() -> None:
    p = protocol()
    out = p.cancel_all()
    (done,) = p.receive(answer(out.req_id, "addOrderStatus", status="ok", txid="O1"))
    assert isinstance(done.errors[0], UnexpectedAnswerError)  # type: ignore[union-attr]
    out = p.cancel_all()
    (done,) = p.receive(answer(out.req_id, "cancelAllStatus", status="ok"))  # no count
    assert isinstance(done.errors[0], UnreadableResultError)  # type: ignore[union-attr]


def test_trading_is_validated_before_anything_is_sent() -> None:
    p = protocol()
    with pytest.raises(InvalidRequestError):
        p.cancel_order([])
    with pytest.raises(InvalidRequestError):
        KrakenV1PrivateProtocol().cancel_all()  # no token
    assert p.pending_request_ids() == []


REQUESTS = {  # a captured trading answer's label -> the request it answers
    "ADD_ORDER": lambda p: p.add_order("XBT/USD", ORDER),
    "EDIT_ORDER": lambda p: p.edit_order("O1", "XBT/USD", limit_price=Decimal("1")),
    "CANCEL_ORDER": lambda p: p.cancel_order(["O1"]),
}


def test_every_captured_v1_message_becomes_a_typed_event(captures: Path) -> None:
    """Each real message of the capture file is understood: data as typed items, answers as
    the results or refusals of the request they answer, acks (of requests made in another
    session) counted as unsolicited; nothing else unhandled."""
    path = captures / "kraken-async-rs" / "v1_messages.jsonl"
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        label, raw = entry["label"], entry["raw"]
        private = "ORDER" in label or "OWN" in label
        p = protocol() if private else KrakenV1Protocol()
        if private:
            p.subscribe("openOrders")
            p.subscribe("ownTrades")
        else:
            p.subscribe("book", ["XBT/USD"], depth=10)
        for prefix, request in REQUESTS.items():
            if label.startswith(prefix):
                out = request(p)  # type: ignore[arg-type]
                raw = json.dumps(json.loads(raw) | {"reqid": out.req_id})
        events = p.receive(raw)
        assert events or label.startswith("BOOK"), label
        for event in events:
            if isinstance(event, Unhandled):
                assert event.kind == "subscriptionStatus:unsolicited", (label, event)
            if isinstance(event, RequestDone):
                assert len(event.results) + len(event.errors) == 1, label


def test_an_unreadable_message_is_a_gap_so_nothing_is_lost_silently(raw: dict[str, str]) -> None:
    p = protocol()
    p.subscribe("ownTrades")
    p.receive(raw["OWN_TRADES_INITIAL"])
    broken = raw["OWN_TRADES_EXEC"].replace('"vol":"0.01000000"', '"vol":"much"')
    unhandled, gap = p.receive(broken)
    assert isinstance(unhandled, Unhandled)
    assert gap == SequenceGap("ownTrades", 2, 2)
    assert p.receive(broken)[1:] == []  # reported once, until the next snapshot
