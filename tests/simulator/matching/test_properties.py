"""Invariants of the matching engine under random order flow and market moves (hypothesis).

Whatever the sequence of orders (limit, post-only, IOC, market, iceberg), amends, cancels
and market steps:

- no balance, hold or available amount is ever negative;
- the ledger explains every balance: the initial balance plus every entry's amount less
  its fee is the balance, and each entry's ``balance`` is the running balance;
- a fill moves base and quote in opposite directions, on two entries sharing ``ref_id``;
- once everything is cancelled, nothing is held any more.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

import msgspec
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from simulator.private_harness import Harness, make
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.matching.orders import OrderError
from spotstream.simulator.venues.kraken.v2.private_params import amendment

TICK = Decimal("0.1")
ACTIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("limit"),
            st.sampled_from(["buy", "sell"]),
            st.integers(-30, 30),  # ticks from the touch (negative: through it)
            st.integers(1, 300),  # qty in 0.001 BTC
            st.sampled_from(["gtc", "ioc", "post_only", "iceberg"]),
        ),
        st.tuples(st.just("market"), st.sampled_from(["buy", "sell"]), st.integers(1, 300)),
        st.tuples(st.just("amend"), st.integers(0, 9), st.integers(-20, 20), st.integers(1, 300)),
        st.tuples(st.just("cancel"), st.integers(0, 9)),
        st.tuples(st.just("step"), st.integers(1, 8)),
    ),
    min_size=1,
    max_size=25,
)


def _limit(h: Harness, side: str, ticks: int, qty: int, flavour: str) -> None:
    bid, ask = h.best()
    touch = bid if side == "buy" else ask
    away = -1 if side == "buy" else 1
    price = touch + away * ticks * TICK
    fields: dict[str, Any] = {
        "order_type": "iceberg" if flavour == "iceberg" else "limit",
        "side": side,
        "order_qty": str(Decimal(qty) / 1000),
        "limit_price": str(max(price, TICK)),
    }
    if flavour == "ioc":
        fields["time_in_force"] = "ioc"
    elif flavour == "post_only":
        fields["post_only"] = True
    elif flavour == "iceberg":
        fields["display_qty"] = str(Decimal(qty) / 1000 / 10)
    h.add(**fields)


def _apply(h: Harness, action: tuple[Any, ...]) -> None:
    kind = action[0]
    open_orders = h.engine.open_orders("test")
    if kind == "limit":
        _limit(h, *action[1:])
    elif kind == "market":
        h.add(order_type="market", side=action[1], order_qty=str(Decimal(action[2]) / 1000))
    elif kind == "amend" and open_orders:
        order = open_orders[action[1] % len(open_orders)]
        params = {"order_id": order.order_id, "order_qty": str(Decimal(action[3]) / 1000)}
        if order.limit_price is not None:  # units of the pair's tick
            price = (order.limit_price + action[2]) * TICK
            params["limit_price"] = str(max(price, TICK))
        wire = msgspec.convert({**params, "token": "t"}, tw.AmendOrderParams)
        h.engine.amend_order("test", amendment(wire))
    elif kind == "cancel" and open_orders:
        order = open_orders[action[1] % len(open_orders)]
        h.engine.cancel_orders("test", [order])
    elif kind == "step":
        h.step(count=action[1])


def _check(h: Harness) -> None:
    account = h.engine.accounts["test"]
    for asset in set(account.balances) | set(account.holds):
        assert account.balance(asset) >= 0, asset
        assert account.holds.get(asset, Decimal(0)) >= 0, asset
        assert account.available(asset) >= 0, asset
    running = {a: Decimal(b) for a, b in TEST_ACCOUNT.balances.items()}
    legs: dict[str, list[Decimal]] = {}
    for entry in h.ledger:
        running[entry.asset] = running.get(entry.asset, Decimal(0)) + entry.amount - entry.fee
        assert entry.balance == running[entry.asset], entry
        legs.setdefault(entry.ref_id, []).append(entry.amount)
    for asset, balance in running.items():
        assert account.balance(asset) == balance, asset
    for ref_id, amounts in legs.items():
        assert len(amounts) == 2, ref_id
        assert (amounts[0] > 0) != (amounts[1] > 0), ref_id


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_random_order_flow_keeps_the_books_balanced(actions: list[tuple[Any, ...]]) -> None:
    h = make()
    h.listen()
    for action in actions:
        with contextlib.suppress(OrderError):  # refused as the exchange would: unchanged
            _apply(h, action)
        _check(h)
    event(f"fills: {'some' if h.ledger else 'none'}")
    h.engine.cancel_all("test")
    _check(h)
    held = {a: v for a, v in h.engine.accounts["test"].holds.items() if v}
    assert held == {}, held
