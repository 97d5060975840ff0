"""CoinEx socket API v2 private pushes on the wire (spec A6), as msgspec Structs.

``order.update``, ``stop.update``, ``user_deals.update`` and ``balance.update`` carry no
sequence number and no snapshot: each is one event. Prices, amounts and fees are strings on
the wire and exact ``Decimal`` here; times are integer milliseconds. :data:`PUSH_DECODER`
reads the public pushes (:data:`wire.PublicPush`) as well as these, since a private
connection may carry both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

from spotstream.protocol.coinex.v2 import wire
from spotstream.protocol.coinex.v2.wire import Push as _Push


class Order(msgspec.Struct, gc=False):
    """An order as ``order.update`` shows it (spec A6.1): cumulative amounts, the last fill."""

    order_id: int
    market: str
    type: str  # limit, market, maker_only, ioc, fok
    side: str  # buy, sell
    amount: Decimal
    price: Decimal
    unfilled_amount: Decimal
    filled_amount: Decimal
    filled_value: Decimal  # quote asset
    taker_fee_rate: Decimal
    maker_fee_rate: Decimal
    base_ccy_fee: Decimal
    quote_ccy_fee: Decimal
    discount_ccy_fee: Decimal
    last_filled_amount: Decimal
    last_filled_price: Decimal
    created_at: int  # ms
    updated_at: int  # ms
    margin_market: str = ""  # "" for the spot account
    client_id: str | None = None
    stop_id: int | None = None  # the stop order that placed it, if one did


OrderEventName = Literal["put", "update", "modify", "finish"]


class OrderEvent(msgspec.Struct, gc=False):
    event: OrderEventName  # new, filled in part, edited, filled or cancelled (terminal)
    order: Order


class OrderPush(_Push, tag="order.update"):
    data: OrderEvent


class StopOrder(msgspec.Struct, gc=False):
    """A stop order waiting for its trigger (spec A6.2)."""

    stop_id: int
    market: str
    side: str
    type: str
    price: Decimal
    amount: Decimal
    trigger_price: Decimal
    trigger_direction: str  # higher, lower
    trigger_price_type: str  # latest_price, mark_price, index_price
    taker_fee_rate: Decimal
    maker_fee_rate: Decimal
    created_at: int
    updated_at: int
    client_id: str | None = None
    margin_market: str = ""


StopEventName = Literal["put", "active", "cancel"]


class StopEvent(msgspec.Struct, gc=False):
    event: StopEventName  # placed, triggered (its order follows on ``order``), cancelled
    stop: StopOrder


class StopPush(_Push, tag="stop.update"):
    data: StopEvent


class UserDeal(msgspec.Struct, gc=False):
    """One trade of the user's (spec A6.3): one per push."""

    deal_id: int
    created_at: int
    market: str
    side: str
    order_id: int
    price: Decimal
    amount: Decimal
    role: str  # taker, maker
    fee: Decimal
    fee_ccy: str
    client_id: str | None = None
    margin_market: str = ""


class UserDealPush(_Push, tag="user_deals.update"):
    data: UserDeal


class BalanceEntry(msgspec.Struct, gc=False):
    """One currency's balance now (absolute values, not a change) (spec A6.4)."""

    ccy: str
    available: Decimal
    frozen: Decimal
    updated_at: int
    margin_market: str = ""  # "" for the spot account


class BalanceData(msgspec.Struct, gc=False):
    balance_list: list[BalanceEntry]


class BalancePush(_Push, tag="balance.update"):
    data: BalanceData


PrivatePush = OrderPush | StopPush | UserDealPush | BalancePush
"""The private pushes, told apart by ``method``."""

PUSH_DECODER = msgspec.json.Decoder(
    wire.DepthUpdate
    | wire.StateUpdate
    | wire.DealsUpdate
    | wire.BboUpdate
    | wire.IndexUpdate
    | wire.NoticeUpdate
    | OrderPush
    | StopPush
    | UserDealPush
    | BalancePush
)
"""Every push a private connection may carry, public ones included."""

PRIVATE_METHODS = {
    "order.update": "orders",
    "stop.update": "stop_orders",
    "user_deals.update": "user_trades",
    "balance.update": "balances",
}
"""A private push's method -> our channel (what an unreadable one makes stale)."""
