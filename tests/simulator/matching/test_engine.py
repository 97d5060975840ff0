"""The matching engine without sockets: order types, time in force, funds, fees, matching,
self-trade prevention, icebergs and rate limits (triggers and timers:
tests/simulator/venues/kraken/v2/test_private_orders.py)."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from simulator.private_harness import NS, Harness, Subscriber, make, rejected_as
from spotstream.protocol.kraken.v2 import orders
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.simulator.matching.accounts import TEST_ACCOUNT, AccountSpec
from spotstream.simulator.matching.funds import MAKER_FEE, TAKER_FEE
from spotstream.simulator.matching.orders import OrderError
from spotstream.simulator.venues.kraken.v2.rejections import error_text
from spotstream.simulator.venues.kraken.v2.tape import BookTape

TICK = Decimal("0.1")
FUNDED = {"USD": Decimal(1_000_000), "BTC": Decimal(10), "ETH": Decimal(100)}
ALICE = AccountSpec("alice", "key-a", "c2VjcmV0", FUNDED)
BOB = AccountSpec("bob", "key-b", "c2VjcmV0", FUNDED)
STARTER = AccountSpec("starter", "key-s", "c2VjcmV0", FUNDED, tier="starter")


@pytest.fixture
def h() -> Harness:
    harness = make()
    harness.listen()
    return harness


def _usd(h: Harness, account: str = "test") -> Decimal:
    return h.engine.accounts[account].balance("USD")


def _btc(h: Harness, account: str = "test") -> Decimal:
    return h.engine.accounts[account].balance("BTC")


# --- limit and market orders ---------------------------------------------------------------


def test_limit_below_the_market_rests_and_is_shown_to_l3(h: Harness) -> None:
    changed: list[str] = []
    h.engine.on_book_change = changed.append
    bid, _ = h.best()
    order = h.add(order_type="limit", side="buy", order_qty="0.5", limit_price=str(bid - 10))
    assert h.kinds() == ["pending_new", "new"]
    assert order.status == "new"
    assert order.resting
    (resting,) = h.engine.resting_orders("BTC/USD")
    assert (resting.order_id, resting.side, resting.qty_units) == (
        order.order_id,
        "buy",
        50_000_000,
    )
    assert resting.price_units == int((bid - 10) / TICK)
    assert changed == ["BTC/USD"]
    held = h.engine.accounts["test"].holds["USD"]
    assert held == ((bid - 10) * Decimal("0.5") * (1 + TAKER_FEE)).quantize(Decimal("0.0001"))
    assert "BTC/USD" in h.fanout.order_symbols  # the market keeps moving for it


def test_market_buy_takes_the_book_at_level_prices_and_publishes_it(h: Harness) -> None:
    book_watcher, trade_watcher = Subscriber(), Subscriber()
    h.hub.join("BTC/USD", h.hub.book_group("BTC/USD", 10), book_watcher)
    h.hub.join("BTC/USD", h.hub.trades.setdefault("BTC/USD", {}), trade_watcher)
    asks = h.market["BTC/USD"].asks.levels(3)
    qty = asks[0][1] + asks[1][1] // 2  # the whole best level and half the next
    usd, btc = _usd(h), _btc(h)
    order = h.add(order_type="market", side="buy", order_qty=str(Decimal(qty).scaleb(-8)))
    assert h.kinds() == ["pending_new", "new", "trade", "trade", "filled"]
    fills = [e.fill for e in h.events if e.fill is not None]
    assert [f.price for f in fills] == [asks[0][0], asks[1][0]]
    assert all(f.liquidity == "t" for f in fills)
    assert order.filled == qty
    assert order.status == "filled"
    cost = sum(f.cost for f in fills)
    fees = sum(f.fee for f in fills)
    assert fees == sum(
        (f.cost * TAKER_FEE).quantize(Decimal("0.0001"), "ROUND_CEILING") for f in fills
    )
    assert _usd(h) == usd - cost - fees
    assert _btc(h) == btc + Decimal(qty).scaleb(-8)
    assert h.engine.accounts["test"].holds["USD"] == 0
    new_asks = h.market["BTC/USD"].asks.levels(2)
    assert new_asks[0] == (asks[1][0], asks[1][1] - asks[1][1] // 2)
    update = book_watcher.messages()[-1]
    assert update["type"] == "update"
    assert update["data"][0]["asks"][0]["price"] == float(Decimal(asks[0][0]).scaleb(-1))
    trades = trade_watcher.messages()[-1]["data"]
    assert [t["side"] for t in trades] == ["buy", "buy"]
    assert [t["trade_id"] for t in trades] == [f.trade_id for f in fills]


def test_crossing_limit_takes_up_to_its_price_then_rests(h: Harness) -> None:
    asks = h.market["BTC/USD"].asks.levels(2)
    limit = Decimal(asks[0][0]).scaleb(-1)
    qty = asks[0][1] + 1_000_000
    order = h.add(
        order_type="limit",
        side="buy",
        order_qty=str(Decimal(qty).scaleb(-8)),
        limit_price=str(limit),
    )
    assert h.kinds() == ["pending_new", "new", "trade"]
    assert order.filled == asks[0][1]
    assert order.resting
    assert order.visible == 1_000_000


def test_ioc_rest_is_cancelled(h: Harness) -> None:
    asks = h.market["BTC/USD"].asks.levels(1)
    limit = Decimal(asks[0][0]).scaleb(-1)
    qty = Decimal(asks[0][1] + 1_000_000).scaleb(-8)
    order = h.add(
        order_type="limit",
        side="buy",
        order_qty=str(qty),
        limit_price=str(limit),
        time_in_force="ioc",
    )
    assert h.kinds() == ["pending_new", "new", "trade", "canceled"]
    assert h.events[-1].reason == "Insufficient liquidity"
    assert not order.resting
    assert h.engine.accounts["test"].holds["USD"] == 0


def test_post_only_that_would_take_is_cancelled(h: Harness) -> None:
    _, ask = h.best()
    order = h.add(
        order_type="limit", side="buy", order_qty="0.1", limit_price=str(ask), post_only=True
    )
    assert h.kinds() == ["pending_new", "canceled"]
    assert h.events[-1].reason == "Post only order"
    assert order.filled == 0
    bid, _ = h.best()
    h.add(order_type="limit", side="buy", order_qty="0.1", limit_price=str(bid), post_only=True)
    assert h.kinds()[-2:] == ["pending_new", "new"]


def test_cash_order_qty_spends_quote(h: Harness) -> None:
    usd = _usd(h)
    order = h.add(order_type="market", side="buy", order_qty="1", cash_order_qty="1000")
    assert h.kinds()[:3] == ["pending_new", "new", "restated"]
    assert order.status == "filled"
    assert Decimal(999) < order.cum_cost <= Decimal(1000)
    assert _usd(h) == usd - order.cum_cost - order.fees


def test_fee_in_base(h: Harness) -> None:
    btc = _btc(h)
    order = h.add(order_type="market", side="buy", order_qty="0.01", fee_preference="base")
    fill = next(e.fill for e in h.events if e.fill is not None)
    assert fill.fee_asset == "BTC"
    assert fill.fee == (Decimal("0.01") * TAKER_FEE).quantize(Decimal("1e-10"), "ROUND_CEILING")
    assert _btc(h) == btc + Decimal("0.01") - order.fees


def test_two_ledger_entries_per_fill(h: Harness) -> None:
    h.add(order_type="market", side="sell", order_qty="0.01")
    fills = [e.fill for e in h.events if e.fill is not None]
    assert len(h.ledger) == 2 * len(fills)
    base, quote = h.ledger[0], h.ledger[1]
    assert base.ref_id == quote.ref_id == fills[0].exec_id
    assert (base.asset, quote.asset) == ("BTC", "USD")
    assert base.amount == -fills[0].qty * Decimal("1e-8")
    assert base.fee == 0
    assert quote.amount == fills[0].cost
    assert quote.fee == fills[0].fee
    account = h.engine.accounts["test"]
    assert h.ledger[-1].balance == account.balance("USD")
    assert h.ledger[-2].balance == account.balance("BTC")


# --- funds and validation ----------------------------------------------------------------------


def test_funds_are_reserved_for_open_orders(h: Harness) -> None:
    bid, _ = h.best()
    price = bid - 1000
    qty = (Decimal(600_000) / price).quantize(Decimal("1e-8"))
    h.add(order_type="limit", side="buy", order_qty=str(qty), limit_price=str(price))
    with rejected_as("EOrder:Insufficient funds"):
        h.add(order_type="limit", side="buy", order_qty=str(qty), limit_price=str(price))
    with rejected_as("EOrder:Insufficient funds"):
        h.add(order_type="limit", side="sell", order_qty="10.5", limit_price=str(bid + 1000))


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"limit_price": "65000.05"}, "EOrder:Tick size check failed"),
        ({"limit_price": "0"}, "EOrder:Invalid price"),
        ({"order_qty": "0.00001"}, "EOrder:Order minimum not met"),
        ({"order_qty": "0.000000001"}, "EGeneral:Invalid arguments:order_qty"),
        ({"margin": True}, "EOrder:Margin allowance exceeded"),
        ({"reduce_only": True}, "EOrder:Reduce only:No position exists"),
        ({"order_type": "settle-position"}, "EOrder:Unknown position"),
        ({"time_in_force": "gtd"}, "EGeneral:Invalid arguments:expire_time"),
        (
            {"order_type": "iceberg", "display_qty": "0.001"},
            "EGeneral:Invalid arguments:display_qty",
        ),
        ({"no_mpp": True}, "EGeneral:Invalid arguments:no_mpp order option is only available"),
        ({"cl_ord_id": "x" * 19}, "EGeneral:Invalid arguments:cl_ord_id"),
        ({"order_type": "stop-loss"}, "EGeneral:Invalid arguments:limit_price"),
        (
            {"order_type": "market", "limit_price": None, "post_only": True},
            "EGeneral:Invalid arguments:post_only",
        ),
    ],
)
def test_invalid_orders(h: Harness, fields: dict[str, object], error: str) -> None:
    request = {"order_type": "limit", "side": "buy", "order_qty": "0.1", "limit_price": "60000.0"}
    request.update(fields)
    request = {k: v for k, v in request.items() if v is not None}
    with rejected_as(error.replace("(", r"\(")):
        h.add(**request)
    assert h.events == []


def test_cost_minimum_and_unknown_pair(h: Harness) -> None:
    with rejected_as("EOrder:Cost minimum not met"):
        h.add(
            symbol="XRP/USD", order_type="limit", side="buy", order_qty="10", limit_price="0.00001"
        )
    with rejected_as("EQuery:Unknown asset pair"):
        h.add(symbol="XBT/USD", order_type="market", side="buy", order_qty="1")


def test_cl_ord_id_is_unique_among_open_orders(h: Harness) -> None:
    bid, _ = h.best()
    first = h.add(
        order_type="limit", side="buy", order_qty="0.1", limit_price=str(bid - 5), cl_ord_id="mine"
    )
    with rejected_as("EOrder:Duplicate cl_ord_id"):
        h.add(
            order_type="limit",
            side="buy",
            order_qty="0.1",
            limit_price=str(bid - 5),
            cl_ord_id="mine",
        )
    h.engine.cancel_orders("test", [first])
    h.add(
        order_type="limit", side="buy", order_qty="0.1", limit_price=str(bid - 5), cl_ord_id="mine"
    )


def test_validate_only_checks() -> None:
    h = make()
    params = msgspec.convert(
        {
            "symbol": "BTC/USD",
            "token": "t",
            "order_type": "market",
            "side": "buy",
            "order_qty": "1",
        },
        tw.AddOrderParams,
    )
    order = h.engine.add_order("test", "BTC/USD", orders.from_wire(params), validate=True)
    assert order.order_id == ""
    assert h.engine.open_orders("test") == []
    assert h.engine.accounts["test"].holds.get("USD", 0) == 0


def test_ids_are_seeded() -> None:
    ids = []
    for _ in range(2):
        h = make(seed=5)
        order = h.add(order_type="market", side="buy", order_qty="0.01")
        ids.append(order.order_id)
    assert ids[0] == ids[1]
    assert len(ids[0]) == 19
    assert ids[0][0] == "O"
    assert ids[0][6] == ids[0][12] == "-"


# --- resting orders meet the market ------------------------------------------------------------


def test_resting_order_fills_when_the_market_trades_through(h: Harness) -> None:
    bid, _ = h.best()
    usd = _usd(h)
    order = h.add(order_type="limit", side="buy", order_qty="0.5", limit_price=str(bid - 10))
    h.trade(str(bid - 5), "0.2")  # above the order: nothing
    assert order.filled == 0
    h.trade(str(bid - 10), "0.2")
    h.trade(str(bid - 20), "1")
    assert h.kinds()[2:] == ["trade", "trade", "filled"]
    fills = [e.fill for e in h.events if e.fill is not None]
    assert [f.qty for f in fills] == [20_000_000, 30_000_000]
    assert {f.price for f in fills} == {int((bid - 10) / TICK)}
    assert all(f.liquidity == "m" for f in fills)
    cost = (bid - 10) * Decimal("0.5")
    fees = sum(f.fee for f in fills)
    assert fees == sum(
        (f.cost * MAKER_FEE).quantize(Decimal("0.0001"), "ROUND_CEILING") for f in fills
    )
    assert _usd(h) == usd - cost - fees
    assert h.engine.accounts["test"].holds["USD"] == 0
    assert h.engine.resting_orders("BTC/USD") == []


def test_resting_order_fills_when_the_book_reaches_it(h: Harness) -> None:
    bid, _ = h.best()
    order = h.add(order_type="limit", side="buy", order_qty="0.5", limit_price=str(bid - 10))
    asks = h.market["BTC/USD"].asks
    price = int((bid - 12) / TICK)
    asks.set(price, 20_000_000)  # a crossing ask appears below the order
    h.step()
    assert order.filled >= 20_000_000
    assert asks.qty.get(price) is None
    trade = h.market["BTC/USD"].tape.recent[-1]
    assert trade.price == int((bid - 10) / TICK)
    assert trade.side == "sell"


def test_user_orders_match_each_other_before_the_crowd() -> None:
    h = make(accounts=(ALICE, BOB))
    h.listen("alice")
    h.listen("bob")
    bid, ask = h.best()
    inside = (bid + ask) / 2
    inside = inside.quantize(TICK)
    maker = h.add(
        "alice", order_type="limit", side="sell", order_qty="0.3", limit_price=str(inside)
    )
    taker = h.add("bob", order_type="market", side="buy", order_qty="0.5")
    maker_fill = next(e.fill for e in h.events if e.fill and e.order is maker)
    taker_fills = [e.fill for e in h.events if e.fill and e.order is taker]
    assert maker.status == "filled"
    assert maker_fill.liquidity == "m"
    assert taker_fills[0].price == maker_fill.price
    assert taker_fills[0].trade_id == maker_fill.trade_id
    assert taker.filled == 50_000_000
    assert len(taker_fills) >= 2


@pytest.mark.parametrize(
    ("stp", "maker_status", "taker_status"),
    [
        ("cancel_newest", "new", "canceled"),
        ("cancel_oldest", "canceled", "filled"),
        ("cancel_both", "canceled", "canceled"),
    ],
)
def test_self_trade_prevention(h: Harness, stp: str, maker_status: str, taker_status: str) -> None:
    bid, ask = h.best()
    inside = ((bid + ask) / 2).quantize(TICK)
    maker = h.add(order_type="limit", side="sell", order_qty="0.1", limit_price=str(inside))
    taker = h.add(order_type="market", side="buy", order_qty="0.1", stp_type=stp)
    assert (maker.status, taker.status) == (maker_status, taker_status)
    reasons = {e.reason for e in h.events if e.exec_type == "canceled"}
    assert reasons == {"Self trade prevention"}


def test_iceberg_shows_its_display_part_and_refills(h: Harness) -> None:
    bid, _ = h.best()
    order = h.add(
        order_type="iceberg",
        side="buy",
        order_qty="1",
        display_qty="0.1",
        limit_price=str(bid - 10),
    )
    (shown,) = h.engine.resting_orders("BTC/USD")
    assert shown.qty_units == 10_000_000
    h.trade(str(bid - 10), "0.25")
    assert h.kinds()[2:] == ["trade", "iceberg_refill"]
    assert order.filled == 10_000_000  # one display part per market trade
    (shown,) = h.engine.resting_orders("BTC/USD")
    assert shown.qty_units == 10_000_000
    assert shown.timestamp_ns == h.clock()


# --- limits --------------------------------------------------------------------------------------


def test_rate_limit_and_decay() -> None:
    h = make(accounts=(STARTER,))
    bid, _ = h.best()
    placed = 0
    refused = None
    while refused is None and placed < 100:  # each add +1, each young cancel +8: 60 stops it
        try:
            order = h.add(
                "starter",
                order_type="limit",
                side="buy",
                order_qty="0.1",
                limit_price=str(bid - 10),
            )
        except OrderError as exc:
            refused = error_text(exc)
        else:
            h.engine.cancel_orders("starter", [order])
            placed += 1
    assert refused == "EOrder:Rate limit exceeded"
    assert 5 <= placed <= 7
    assert h.engine.rate_count("starter", "BTC/USD") >= 59
    h.clock.now_ns += 30 * NS  # starter decays 1 a second
    h.add("starter", order_type="limit", side="buy", order_qty="0.1", limit_price=str(bid - 10))
    assert h.engine.max_rate_count("starter") == 60


def test_open_orders_per_pair_limit() -> None:
    h = make(accounts=(STARTER,))
    bid, _ = h.best()
    for _ in range(60):
        h.add(
            "starter", order_type="limit", side="buy", order_qty="0.01", limit_price=str(bid - 10)
        )
        h.clock.now_ns += 2 * NS
    with rejected_as("EOrder:Orders limit exceeded"):
        h.add(
            "starter", order_type="limit", side="buy", order_qty="0.01", limit_price=str(bid - 10)
        )
    h.add(
        "starter",
        symbol="ETH/USD",
        order_type="limit",
        side="buy",
        order_qty="0.01",
        limit_price="3000.00",
    )


def test_max_rate_tape_is_not_changed_by_takers() -> None:
    h = make()
    tape = BookTape(h.market["BTC/USD"], 100)
    h.fanout.attach_tape(tape)
    before = h.market["BTC/USD"].asks.levels(3)
    order = h.add(
        order_type="market",
        side="buy",
        order_qty=str(Decimal(before[0][1] + before[1][1]).scaleb(-8)),
    )
    assert order.status == "filled"
    assert h.market["BTC/USD"].asks.levels(3) == before
    assert h.market["BTC/USD"].tape.recent[-1].side == "buy"


def test_balances_of_the_default_test_account() -> None:
    h = make()
    account = h.engine.accounts["test"]
    assert account.balances == {k: v for k, v in TEST_ACCOUNT.balances.items()}
    assert not h.engine.accounts["read-only"].can_trade
