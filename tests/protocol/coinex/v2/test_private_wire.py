"""Every documented CoinEx v2 private push (spec A6) decodes with every field mapped, and
translates to the neutral models as documented in ``private_translate``."""

from __future__ import annotations

import typing
from datetime import UTC, datetime
from decimal import Decimal

import msgspec
import pytest

from helpers.coinex_private import BALANCE, DEAL, ORDER, STOP
from helpers.unmapped import assert_fully_mapped
from spotstream.models.enums import OrderSide, OrderStatus
from spotstream.models.orders import Balance, Fee, Fill, Wallet
from spotstream.protocol.coinex.v2 import private_translate as translate
from spotstream.protocol.coinex.v2 import private_wire as pw
from spotstream.protocol.coinex.v2 import wire


def order_frame(event: str, **fields: object) -> bytes:
    doc = msgspec.json.decode(ORDER)
    doc["data"]["event"] = event
    doc["data"]["order"].update(fields)
    return msgspec.json.encode(doc)


@pytest.mark.parametrize("frame", [ORDER, STOP, DEAL, BALANCE])
def test_every_documented_push_decodes_with_every_field_mapped(frame: bytes) -> None:
    push = pw.PUSH_DECODER.decode(frame)
    assert isinstance(push, pw.PrivatePush)
    assert_fully_mapped(frame, push)


def test_the_decoder_reads_every_public_push_too() -> None:
    private = set(typing.get_args(pw.PrivatePush))
    public = set(typing.get_args(wire.PublicPush))
    decoded = {type(pw.PUSH_DECODER.decode(_sample(t))) for t in public | private}
    assert decoded == public | private


def _sample(cls: type) -> bytes:
    samples = {
        pw.OrderPush: ORDER,
        pw.StopPush: STOP,
        pw.UserDealPush: DEAL,
        pw.BalancePush: BALANCE,
        wire.IndexUpdate: b'{"method":"index.update","data":{"market":"X","index_price":"1"}}',
        wire.BboUpdate: b'{"method":"bbo.update","data":{"market":"X","updated_at":1,'
        b'"best_bid_price":"1","best_bid_size":"1","best_ask_price":"2","best_ask_size":"1"}}',
        wire.DealsUpdate: b'{"method":"deals.update","data":{"market":"X","deal_list":[]}}',
        wire.StateUpdate: b'{"method":"state.update","data":{"state_list":[]}}',
        wire.NoticeUpdate: b'{"method":"notice.update","data":[]}',
        wire.DepthUpdate: b'{"method":"depth.update","data":{"market":"X","is_full":true,'
        b'"depth":{"asks":[],"bids":[],"checksum":0}}}',
    }
    return samples[cls]


def test_order_put_is_new_with_every_field() -> None:
    push = pw.PUSH_DECODER.decode(ORDER)
    assert isinstance(push, pw.OrderPush)
    update = translate.order_update(push.data)
    assert update.order_id == "142934016817"
    assert (update.exec_type, update.status) == ("new", OrderStatus.NEW)
    assert (update.symbol, update.side, update.order_type) == ("ERGUSDT", OrderSide.SELL, "limit")
    assert (update.quantity, update.limit_price) == (Decimal("10"), Decimal("1.5"))
    assert (update.filled_quantity, update.filled_cost) == (Decimal(0), Decimal(0))
    assert (update.client_order_id, update.time_in_force) == ("123", "gtc")
    assert update.timestamp == datetime(2025, 2, 19, 8, 42, 17, 191000, tzinfo=UTC)
    assert update.fill is None
    assert update.report is push.data


def test_order_update_is_a_trade_with_its_fill() -> None:
    frame = order_frame(
        "update",
        unfilled_amount="4",
        filled_amount="6",
        filled_value="9.0",
        last_filled_amount="2",
        last_filled_price="1.5",
        stop_id=77,
    )
    push = pw.PUSH_DECODER.decode(frame)
    assert isinstance(push, pw.OrderPush)
    assert push.data.order.stop_id == 77
    assert_fully_mapped(frame, push)
    update = translate.order_update(push.data)
    assert (update.exec_type, update.status) == ("trade", OrderStatus.PARTIALLY_FILLED)
    assert update.fill == Fill(
        order_id="142934016817",
        trade_id=None,
        exec_id=None,
        symbol="ERGUSDT",
        side=OrderSide.SELL,
        quantity=Decimal("2"),
        price=Decimal("1.5"),
        cost=Decimal("3.0"),
        fees=(),
        maker=None,
        timestamp=update.timestamp,
    )


def test_an_update_without_a_last_fill_has_no_fill() -> None:
    push = pw.PUSH_DECODER.decode(order_frame("update"))
    assert isinstance(push, pw.OrderPush)
    assert translate.order_update(push.data).fill is None


@pytest.mark.parametrize(
    ("event", "unfilled", "filled", "exec_type", "status"),
    [
        ("modify", "10", "0", "amended", OrderStatus.NEW),
        ("modify", "4", "6", "amended", OrderStatus.PARTIALLY_FILLED),
        ("finish", "0", "10", "filled", OrderStatus.FILLED),
        ("finish", "4", "6", "canceled", OrderStatus.CANCELED),
        ("finish", "10", "0", "canceled", OrderStatus.CANCELED),
    ],
)
def test_order_events_map_to_exec_type_and_status(
    event: str, unfilled: str, filled: str, exec_type: str, status: OrderStatus
) -> None:
    frame = order_frame(event, unfilled_amount=unfilled, filled_amount=filled)
    push = pw.PUSH_DECODER.decode(frame)
    assert isinstance(push, pw.OrderPush)
    update = translate.order_update(push.data)
    assert (update.exec_type, update.status) == (exec_type, status)


def test_a_market_order_has_no_limit_price_and_ioc_reads_as_time_in_force() -> None:
    for kind, price, tif in (("market", None, None), ("ioc", Decimal("1.5"), "ioc")):
        push = pw.PUSH_DECODER.decode(order_frame("put", type=kind))
        assert isinstance(push, pw.OrderPush)
        update = translate.order_update(push.data)
        assert (update.limit_price, update.time_in_force) == (price, tif)


@pytest.mark.parametrize(
    ("event", "exec_type", "status"),
    [
        ("put", "new", OrderStatus.NEW),
        ("active", "triggered", None),
        ("cancel", "canceled", "canceled"),
    ],
)
def test_stop_update_maps_its_events_and_states_the_trigger(
    event: str, exec_type: str, status: str | None
) -> None:
    frame = STOP.replace(b'"event":"put"', f'"event":"{event}"'.encode())
    push = pw.PUSH_DECODER.decode(frame)
    assert isinstance(push, pw.StopPush)
    update = translate.stop_update(push.data)
    assert (update.exec_type, update.status) == (exec_type, status)
    assert update.order_id == "98389557871"
    assert (update.symbol, update.side, update.quantity) == (
        "BTCUSDT",
        OrderSide.SELL,
        Decimal("0.0100"),
    )
    assert update.limit_price == Decimal("20000.00")
    assert update.client_order_id is None
    assert update.reason == "trigger: index_price higher 20000.00"
    assert update.report is push.data


def test_user_deal_is_a_fill() -> None:
    push = pw.PUSH_DECODER.decode(DEAL)
    assert isinstance(push, pw.UserDealPush)
    assert translate.user_deal(push.data) == Fill(
        order_id="8678890",
        trade_id=3514376759,
        exec_id=None,
        symbol="BTCUSDT",
        side=OrderSide.BUY,
        quantity=Decimal("0.00000325"),
        price=Decimal("30718.42"),
        cost=Decimal("0.00000325") * Decimal("30718.42"),
        fees=(Fee("USDT", Decimal("0.0299")),),
        maker=False,
        timestamp=datetime(2023, 7, 12, 9, 0, 21, 692000, tzinfo=UTC),
    )


def test_balance_entry_is_an_absolute_balance_with_its_parts() -> None:
    push = pw.PUSH_DECODER.decode(BALANCE)
    assert isinstance(push, pw.BalancePush)
    (entry,) = push.data.balance_list
    assert entry.margin_market == "BTCUSDT"
    assert translate.balance_entry(entry) == Balance(
        asset="BTC",
        balance=Decimal("44.62207740"),
        wallets=(
            Wallet("available", "spot", Decimal("44.62207740")),
            Wallet("frozen", "spot", Decimal("0.00000000")),
        ),
    )
