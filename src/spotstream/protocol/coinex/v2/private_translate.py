"""CoinEx socket API v2 private pushes (and REST v2 account answers) -> the neutral models of
:mod:`spotstream.models.orders`; one small function per message type.

Mapping decisions (CoinEx says less than Kraken; ``report`` keeps the wire Struct whole):

- ``order.update``: ``put`` is ``new``; ``update`` is ``trade`` (its :class:`Fill` is built
  from ``last_filled_amount``/``last_filled_price`` when they are positive; CoinEx gives that
  fill no deal id, fee or role: ``user_trades`` does); ``modify`` is ``amended``; ``finish``
  is ``filled`` when nothing is left unfilled, else ``canceled``. The status follows from the
  amounts. ``order_type`` is CoinEx's own word (``limit``, ``market``, ``maker_only``,
  ``ioc``, ``fok``), ``time_in_force`` read from it. No average price (CoinEx sends none and
  a quotient is not exact): ``filled_cost / filled_quantity``.
- ``stop.update``: ``put`` is ``new``, ``active`` (triggered: the stop is done and its order
  follows on ``orders`` with its ``stop_id``) is ``triggered`` with no status, ``cancel``
  is ``canceled``. The model has no trigger fields: ``reason`` states the trigger
  (``"trigger: index_price higher 20000.00"``) and ``report`` holds them typed.
- ``user_deals.update``: a :class:`Fill` (``trade_id`` = ``deal_id``, the fee in
  ``fee_ccy``, ``maker`` from ``role``).
- ``balance.update``: a :class:`Balance` per spot currency, ``balance = available + frozen``
  with the two parts as wallets (type ``available``/``frozen``, id ``spot``): absolute
  values, applied as such by the account tracker.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias

from spotstream.models.enums import OrderSide, OrderStatus
from spotstream.models.orders import Balance, Fee, Fill, OrderUpdate, Wallet
from spotstream.protocol.coinex.v2 import private_wire as pw
from spotstream.protocol.coinex.v2.translate import millis, side

if TYPE_CHECKING:
    from spotstream.protocol.coinex.v2.rest import PendingOrder

    AnyOrder: TypeAlias = pw.Order | PendingOrder

_ZERO = Decimal(0)
_EXEC_TYPES = {"put": "new", "update": "trade", "modify": "amended"}
_TIME_IN_FORCE = {"limit": "gtc", "maker_only": "gtc", "ioc": "ioc", "fok": "fok"}
_STOP_EXEC = {"put": "new", "active": "triggered", "cancel": "canceled"}
_STOP_STATUS = {"put": OrderStatus.NEW, "active": None, "cancel": OrderStatus.CANCELED}
SPOT_WALLET = "spot"


def order_update(event: pw.OrderEvent) -> OrderUpdate:
    order = event.order
    status = _status(order)
    if event.event == "finish":
        exec_type: str = (
            OrderStatus.FILLED if order.unfilled_amount == _ZERO else OrderStatus.CANCELED
        )
        status = OrderStatus(exec_type)
    else:
        exec_type = _EXEC_TYPES[event.event]
    fill = order_fill(order) if event.event == "update" else None
    return _order(order, exec_type, status, fill, event)


def pending_order(order: PendingOrder) -> OrderUpdate:
    """An open order as a snapshot entry (REST ``pending-order``): its current state."""
    return _order(order, "new", _status(order), None, order)


def rest_order(order: PendingOrder, exec_type: str, status: str | None = None) -> OrderUpdate:
    """A REST v2 order object (placed, cancelled or queried) as an update of ``exec_type``:
    its status ``status``, or the one its amounts imply."""
    return _order(order, exec_type, status or _status(order), None, order)


def _order(
    order: AnyOrder, exec_type: str, status: str, fill: Fill | None, report: object
) -> OrderUpdate:
    return OrderUpdate(
        order_id=str(order.order_id),
        exec_type=exec_type,
        status=status,
        symbol=order.market,
        side=side(order.side),
        order_type=order.type,
        quantity=order.amount,
        limit_price=order.price if order.type != "market" else None,
        filled_quantity=order.filled_amount,
        filled_cost=order.filled_value,
        average_price=None,
        client_order_id=order.client_id or None,
        user_ref=None,
        time_in_force=_TIME_IN_FORCE.get(order.type),
        reason=None,
        timestamp=millis(order.updated_at),
        fill=fill,
        ratecount=None,
        report=report,
    )


def _status(order: AnyOrder) -> OrderStatus:
    if order.unfilled_amount == _ZERO and order.filled_amount > _ZERO:
        return OrderStatus.FILLED
    return OrderStatus.PARTIALLY_FILLED if order.filled_amount > _ZERO else OrderStatus.NEW


def order_fill(order: pw.Order) -> Fill | None:
    """The fill an ``update`` reports (``None`` when its last fill is empty)."""
    return last_fill(
        str(order.order_id), order.market, side(order.side), order.last_filled_amount,
        order.last_filled_price, millis(order.updated_at),
    )  # fmt: skip


def last_fill(
    order_id: str,
    market: str,
    order_side: OrderSide,
    qty: Decimal,
    price: Decimal,
    timestamp: datetime,
    trade_id: int | None = None,
    maker: bool | None = None,
) -> Fill | None:
    """An order update's last fill as a :class:`Fill` (v1's and v2's; ``None`` when empty).
    The fee is not told with it (CoinEx's trades feed tells it)."""
    if qty <= _ZERO or price <= _ZERO:
        return None
    return Fill(
        order_id=order_id,
        trade_id=trade_id,
        exec_id=None,
        symbol=market,
        side=order_side,
        quantity=qty,
        price=price,
        cost=qty * price,
        fees=(),
        maker=maker,
        timestamp=timestamp,
    )


def stop_update(event: pw.StopEvent) -> OrderUpdate:
    stop = event.stop
    return OrderUpdate(
        order_id=str(stop.stop_id),
        exec_type=_STOP_EXEC[event.event],
        status=_STOP_STATUS[event.event],
        symbol=stop.market,
        side=side(stop.side),
        order_type=stop.type,
        quantity=stop.amount,
        limit_price=stop.price if stop.type != "market" else None,
        filled_quantity=None,
        filled_cost=None,
        average_price=None,
        client_order_id=stop.client_id or None,
        user_ref=None,
        time_in_force=_TIME_IN_FORCE.get(stop.type),
        reason=f"trigger: {stop.trigger_price_type} {stop.trigger_direction} {stop.trigger_price}",
        timestamp=millis(stop.updated_at),
        fill=None,
        ratecount=None,
        report=event,
    )


def user_deal(deal: pw.UserDeal) -> Fill:
    return Fill(
        order_id=str(deal.order_id),
        trade_id=deal.deal_id,
        exec_id=None,
        symbol=deal.market,
        side=side(deal.side),
        quantity=deal.amount,
        price=deal.price,
        cost=deal.amount * deal.price,
        fees=(Fee(deal.fee_ccy, deal.fee),),
        maker=deal.role == "maker",
        timestamp=millis(deal.created_at),
    )


def balance(ccy: str, available: Decimal, frozen: Decimal) -> Balance:
    """A spot currency's balance: total, and its available and frozen parts as wallets."""
    return Balance(
        asset=ccy,
        balance=available + frozen,
        wallets=(
            Wallet("available", SPOT_WALLET, available),
            Wallet("frozen", SPOT_WALLET, frozen),
        ),
    )


def balance_entry(entry: pw.BalanceEntry) -> Balance:
    return balance(entry.ccy, entry.available, entry.frozen)
