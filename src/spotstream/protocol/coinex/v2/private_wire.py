"""CoinEx socket API v2 private pushes on the wire (spec A6), as msgspec Structs.

``order.update``, ``stop.update``, ``user_deals.update`` and ``balance.update``: what a signed
connection receives about its own account. The order object is also what REST v2 answers for
a placed, cancelled or queried order. Prices and amounts are strings on the wire and exact
``Decimal`` here; times are integer milliseconds; ids are integers.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec


class _Push(msgspec.Struct, tag_field="method", kw_only=True, gc=False):
    id: None = None


class Order(msgspec.Struct, kw_only=True, gc=False):
    """A spot order (spec A6.1; REST v2's order object has the same fields)."""

    order_id: int
    market: str
    margin_market: str = ""
    type: str  # limit, market, maker_only, ioc, fok
    side: str  # buy, sell
    amount: Decimal
    price: Decimal
    unfilled_amount: Decimal
    filled_amount: Decimal
    filled_value: Decimal
    taker_fee_rate: Decimal
    maker_fee_rate: Decimal
    base_ccy_fee: Decimal
    quote_ccy_fee: Decimal
    discount_ccy_fee: Decimal
    last_filled_amount: Decimal
    last_filled_price: Decimal
    created_at: int
    updated_at: int
    client_id: str = ""
    stop_id: int | None = None


class OrderEvent(msgspec.Struct, gc=False):
    event: str  # put, update, modify, finish
    order: Order


class OrderUpdate(_Push, tag="order.update"):
    data: OrderEvent


class StopOrder(msgspec.Struct, kw_only=True, gc=False):
    """A stop order (spec A6.2)."""

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
    client_id: str = ""
    created_at: int
    updated_at: int


class StopEvent(msgspec.Struct, gc=False):
    event: str  # put, active, cancel
    stop: StopOrder


class StopUpdate(_Push, tag="stop.update"):
    data: StopEvent


class UserDeal(msgspec.Struct, kw_only=True, gc=False):
    """One fill of one of the account's orders (spec A6.3; one per push)."""

    deal_id: int
    created_at: int
    market: str
    side: str
    order_id: int
    client_id: str = ""
    margin_market: str = ""
    price: Decimal
    amount: Decimal
    role: str  # taker, maker
    fee: Decimal
    fee_ccy: str


class UserDealsUpdate(_Push, tag="user_deals.update"):
    data: UserDeal


class Balance(msgspec.Struct, kw_only=True, gc=False):
    """One currency of the spot account (spec A6.4; ``margin_market`` empty for spot)."""

    margin_market: str = ""
    ccy: str
    available: Decimal
    frozen: Decimal
    updated_at: int


class BalanceData(msgspec.Struct, gc=False):
    balance_list: list[Balance]


class BalanceUpdate(_Push, tag="balance.update"):
    data: BalanceData


PrivatePush = OrderUpdate | StopUpdate | UserDealsUpdate | BalanceUpdate
PRIVATE_PUSH_DECODER = msgspec.json.Decoder(PrivatePush)
