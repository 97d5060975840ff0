"""CoinEx socket API v1 messages -> the exchange-neutral models (one small function per
message type). v1 numbers its sides and events: side 1 sell, 2 buy; order type 1 limit,
2 market; ``order.update`` event 1 put (new), 2 update (a fill), 3 finish (filled when nothing
is left, else cancelled). The mapping of statuses and fills is v2's
(:mod:`spotstream.protocol.coinex.v2.private_translate`)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from spotstream.errors import DecodeError
from spotstream.models.enums import OrderSide, OrderStatus
from spotstream.models.market import Kline, Ticker
from spotstream.models.orders import Balance, Fill, OrderUpdate
from spotstream.protocol.coinex.v1 import wire
from spotstream.protocol.coinex.v1.deals import seconds
from spotstream.protocol.coinex.v2.private_translate import balance, last_fill
from spotstream.protocol.coinex.v2.translate import market_ticker

_ZERO = Decimal(0)
SIDES = {1: OrderSide.SELL, 2: OrderSide.BUY}
SIDE_NUMBERS = {None: 0, "sell": 1, "buy": 2}  # order.query's filter: 0 either side
ORDER_TYPES = {1: "limit", 2: "market"}
EVENTS = {1: "new", 2: "trade", 3: "finish"}


def ticker(market: str, state: wire.MarketStateV1) -> Ticker:
    return market_ticker(
        market, state.last, state.open, state.close, state.high, state.low, state.volume,
        state.deal, state.buy_total, state.sell_total,
    )  # fmt: skip


def kline(row: wire.KlineRow, interval_s: int, market: str | None = None) -> Kline:
    """A candle row (``[time, open, close, high, low, volume, amount, market]``)."""
    begin, open_, close, high, low, volume, amount, name = row
    try:
        start = datetime.fromtimestamp(begin, UTC)
    except (OverflowError, OSError, ValueError):
        raise DecodeError(f"not a candle time: {begin}") from None
    return Kline(
        symbol=market or name,
        open=open_,
        high=high,
        low=low,
        close=close,
        trades=None,
        volume=volume,
        vwap=None,
        interval_begin=start,
        interval=interval_s // 60,
        value=amount,
    )


def side(number: int) -> OrderSide:
    try:
        return SIDES[number]
    except KeyError:
        raise DecodeError(f"not a v1 side: {number!r}") from None


def order_update(event: int, order: wire.OrderV1) -> OrderUpdate:
    """One ``order.update`` (``event`` 1 put, 2 update, 3 finish) as a neutral update."""
    what = EVENTS.get(event)
    if what is None:
        raise DecodeError(f"not a v1 order event: {event!r}")
    status = _status(order)
    if what == "finish":
        status = OrderStatus.FILLED if order.left == _ZERO else OrderStatus.CANCELED
        what = str(status)
    fill = order_fill(order) if what == "trade" else None
    return _order(order, what, status, fill)


def open_order(order: wire.OrderV1) -> OrderUpdate:
    """An open order (``order.query``'s records) as a snapshot entry: its state now."""
    return _order(order, "new", _status(order), None)


def _order(order: wire.OrderV1, exec_type: str, status: str, fill: Fill | None) -> OrderUpdate:
    order_type = ORDER_TYPES.get(order.type)
    if order_type is None:
        raise DecodeError(f"not a v1 order type: {order.type!r}")
    return OrderUpdate(
        order_id=str(order.id),
        exec_type=exec_type,
        status=status,
        symbol=order.market,
        side=side(order.side),
        order_type=order_type,
        quantity=order.amount,
        limit_price=order.price if order_type == "limit" else None,
        filled_quantity=order.deal_stock,
        filled_cost=order.deal_money,
        average_price=None,
        client_order_id=order.client_id or None,
        user_ref=None,
        time_in_force="gtc" if order_type == "limit" else None,
        reason=None,
        timestamp=seconds(order.mtime),
        fill=fill,
        ratecount=None,
        report=order,
    )


def _status(order: wire.OrderV1) -> OrderStatus:
    if order.left == _ZERO and order.deal_stock > _ZERO:
        return OrderStatus.FILLED
    return OrderStatus.PARTIALLY_FILLED if order.deal_stock > _ZERO else OrderStatus.NEW


def order_fill(order: wire.OrderV1) -> Fill | None:
    """The fill an ``update`` reports (its last deal; ``None`` when that is empty)."""
    return last_fill(
        str(order.id), order.market, side(order.side), order.last_deal_amount,
        order.last_deal_price, seconds(order.last_deal_time or order.mtime),
        order.last_deal_id or None, {1: True, 2: False}.get(order.last_role),
    )  # fmt: skip


def balances(assets: dict[str, wire.AssetV1]) -> list[Balance]:
    return [balance(name, a.available, a.frozen) for name, a in assets.items()]
