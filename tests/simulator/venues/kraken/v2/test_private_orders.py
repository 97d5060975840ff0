"""The matching engine's triggers, timers (gtd, effective time, cancel-after), amend, edit and
cancel-all, without sockets (a manual clock, fake timers)."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from simulator.private_harness import NS, Harness, make, rejected_as
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.simulator.market.state import MarketStep
from spotstream.simulator.venues.kraken.v2.private_params import amendment, replacement

TICK = Decimal("0.1")


@pytest.fixture
def h() -> Harness:
    harness = make()
    harness.listen()
    return harness


# --- triggers ----------------------------------------------------------------------------------


def test_stop_loss_fires_on_the_last_price(h: Harness) -> None:
    bid, _ = h.best()
    stop = bid - 100
    order = h.add(
        order_type="stop-loss", side="sell", order_qty="0.1", triggers={"price": str(stop)}
    )
    assert h.kinds() == ["pending_new", "new"]
    assert order.untriggered
    assert h.engine.resting_orders("BTC/USD") == []
    h.trade(str(stop + TICK))
    assert order.untriggered
    h.trade(str(stop))
    assert h.kinds()[2] == "status"
    assert h.kinds()[-1] == "filled"
    assert order.trigger is not None
    assert order.trigger.triggered_ns == h.clock()


def test_take_profit_limit_becomes_a_limit_order(h: Harness) -> None:
    _, ask = h.best()
    order = h.add(
        order_type="take-profit-limit",
        side="sell",
        order_qty="0.1",
        triggers={"price": "1", "price_type": "pct"},
        limit_price=str(ask + 5000),
    )
    assert order.trigger is not None
    target = order.trigger.price
    h.trade(str(Decimal(target).scaleb(-1)), taker="buy")
    assert order.resting
    assert order.limit_price == int((ask + 5000) / TICK)
    assert h.kinds()[-1] == "status"


def test_trailing_stop_follows_the_peak(h: Harness) -> None:
    bid, _ = h.best()
    h.trade(str(bid))
    order = h.add(
        order_type="trailing-stop", side="sell", order_qty="0.1", triggers={"price": "50"}
    )
    assert order.trigger is not None
    assert order.trigger.price == int((bid - 50) / TICK)
    h.trade(str(bid + 200), taker="buy")
    assert order.trigger.price == int((bid + 150) / TICK)
    assert order.untriggered
    h.trade(str(bid + 160))
    assert order.untriggered
    h.trade(str(bid + 150))
    assert not order.untriggered
    assert order.status == "filled"


def test_trailing_stop_limit_offset_from_trigger(h: Harness) -> None:
    bid, _ = h.best()
    h.trade(str(bid))
    order = h.add(
        order_type="trailing-stop-limit",
        side="sell",
        order_qty="0.1",
        triggers={"price": "1", "price_type": "pct"},
        limit_price="-10",
    )
    assert order.trigger is not None
    trigger = order.trigger.price
    h.trade(str(Decimal(trigger).scaleb(-1)))
    assert not order.untriggered
    assert order.limit_price == trigger - 100


def test_index_reference_uses_the_mid_price(h: Harness) -> None:
    _, ask = h.best()
    order = h.add(
        order_type="stop-loss",
        side="buy",
        order_qty="0.1",
        triggers={"price": str(ask + 2), "reference": "index"},
    )
    h.trade(str(ask + 200), taker="buy")  # the last price moves, the book does not
    assert order.untriggered
    book = h.market["BTC/USD"]
    target = int((ask + 5) / TICK)
    for price, _ in book.asks.levels():
        if price < target:
            book.asks.set(price, 0)
    book.bids.set(target - 1, 10_000_000)  # the book moved up 5
    h.publish(MarketStep("BTC/USD", h.clock(), bids=[(target - 1, 10_000_000)]))
    assert not order.untriggered
    assert order.trigger is not None
    assert order.trigger.last is not None
    assert order.trigger.last >= order.trigger.price


def test_conditional_close_opens_a_secondary_per_fill(h: Harness) -> None:
    _, ask = h.best()
    primary = h.add(
        order_type="limit",
        side="buy",
        order_qty="0.1",
        limit_price=str(ask + 10),
        conditional={
            "order_type": "stop-loss-limit",
            "trigger_price": str(ask - 500),
            "limit_price": str(ask - 510),
        },
    )
    assert primary.status == "filled"
    secondaries = [o for o in h.engine.open_orders("test") if o is not primary]
    assert sum(o.qty for o in secondaries) == primary.qty
    assert all(
        o.side == "sell" and o.order_type == "stop-loss-limit" and o.untriggered
        for o in secondaries
    )


# --- time in force and timers ------------------------------------------------------------------


def test_gtd_expires(h: Harness) -> None:
    bid, _ = h.best()
    expire = "2023-11-14T22:13:40Z"  # START + 20 s
    order = h.add(
        order_type="limit",
        side="buy",
        order_qty="0.1",
        limit_price=str(bid - 10),
        time_in_force="gtd",
        expire_time=expire,
    )
    h.timers.advance(19)
    assert order.status == "new"
    h.timers.advance(2)
    assert order.status == "expired"
    assert h.kinds()[-1] == "expired"
    assert h.engine.accounts["test"].holds["USD"] == 0
    assert h.flushes


def test_effective_time_schedules_the_order(h: Harness) -> None:
    bid, _ = h.best()
    order = h.add(
        order_type="limit",
        side="buy",
        order_qty="0.1",
        limit_price=str(bid - 10),
        effective_time="2023-11-14T22:13:30Z",
    )
    assert order.status == "new"
    assert not order.resting
    h.timers.advance(10)
    assert order.resting


def test_cancel_all_orders_after(h: Harness) -> None:
    bid, _ = h.best()
    order = h.add(order_type="limit", side="buy", order_qty="0.1", limit_price=str(bid - 10))
    now, trigger = h.engine.cancel_all_after("test", 10)
    assert trigger == now + 10 * NS
    h.timers.advance(8)
    h.engine.cancel_all_after("test", 10)  # the countdown starts again
    h.timers.advance(8)
    assert order.status == "new"
    h.timers.advance(3)
    assert order.status == "canceled"
    assert h.events[-1].reason == "Cancel all orders after timeout"
    h.engine.cancel_all_after("test", 5)
    assert h.engine.cancel_all_after("test", 0)[1] is None  # disarmed
    assert h.timers.armed == []
    with rejected_as("timeout"):
        h.engine.cancel_all_after("test", 86_400)


# --- amend, edit, cancel -----------------------------------------------------------------------


def _amend(h: Harness, **fields: object) -> tuple[str, object]:
    params = msgspec.convert({"token": "t", **fields}, tw.AmendOrderParams)
    return h.engine.amend_order("test", amendment(params))


def test_amend_keeps_priority_on_a_smaller_qty_only(h: Harness) -> None:
    bid, _ = h.best()
    first = h.add(order_type="limit", side="buy", order_qty="0.2", limit_price=str(bid - 10))
    second = h.add(order_type="limit", side="buy", order_qty="0.2", limit_price=str(bid - 10))
    h.clock.now_ns += NS
    amend_id, _ = _amend(h, order_id=first.order_id, order_qty="0.1")
    assert amend_id.startswith("A")
    assert h.kinds()[-1] == "amended"
    assert [r.order_id for r in h.engine.resting_orders("BTC/USD")] == [
        first.order_id,
        second.order_id,
    ]
    _amend(h, order_id=first.order_id, order_qty="0.3")
    assert [r.order_id for r in h.engine.resting_orders("BTC/USD")] == [
        second.order_id,
        first.order_id,
    ]


def test_amend_price_that_crosses_takes(h: Harness) -> None:
    bid, ask = h.best()
    order = h.add(
        order_type="limit", side="buy", order_qty="0.01", limit_price=str(bid - 10), cl_ord_id="c1"
    )
    _amend(h, cl_ord_id="c1", order_qty="0.01", limit_price=str(ask))
    assert h.kinds()[-3:] == ["amended", "trade", "filled"]
    assert order.status == "filled"
    with rejected_as("EOrder:Unknown order"):
        _amend(h, cl_ord_id="c1", order_qty="0.01")


def test_amend_post_only_refuses_a_taking_price(h: Harness) -> None:
    bid, ask = h.best()
    order = h.add(order_type="limit", side="buy", order_qty="0.01", limit_price=str(bid - 10))
    with rejected_as("EOrder:Post only order"):
        _amend(h, order_id=order.order_id, order_qty="0.01", limit_price=str(ask), post_only=True)


def test_edit_replaces_the_order(h: Harness) -> None:
    bid, _ = h.best()
    old = h.add(
        order_type="limit", side="buy", order_qty="0.2", limit_price=str(bid - 10), order_userref=7
    )
    params = msgspec.convert(
        {
            "order_id": old.order_id,
            "symbol": "BTC/USD",
            "token": "t",
            "order_qty": "0.3",
            "limit_price": str(bid - 20),
        },
        tw.EditOrderParams,
    )
    new, replaced = h.engine.edit_order("test", replacement(params))
    assert replaced is old
    assert old.status == "canceled"
    assert new.order_id != old.order_id
    assert new.qty == 30_000_000
    assert new.limit_price == int((bid - 20) / TICK)
    assert new.order_userref == 7
    assert h.kinds()[-3:] == ["canceled", "pending_new", "new"]
    assert h.events[-3].reason == "Order replaced"


def test_cancel_all_counts(h: Harness) -> None:
    bid, _ = h.best()
    for offset in (10, 20):
        h.add(order_type="limit", side="buy", order_qty="0.1", limit_price=str(bid - offset))
    h.add(order_type="stop-loss", side="sell", order_qty="0.1", triggers={"price": str(bid - 500)})
    assert h.engine.cancel_all("test") == 3
    assert h.engine.open_orders("test") == []
    assert h.engine.accounts["test"].holds["USD"] == 0
    assert "BTC/USD" not in h.fanout.order_symbols
