"""Kraken v1 ``openOrders`` and ``ownTrades`` items -> the models v2's ``executions`` gives.

- An ``openOrders`` item becomes an :class:`OrderUpdate`. Its ``status`` is the neutral one
  (``pending`` -> ``pending_new``; ``open`` -> ``new``, or ``partially_filled`` once part is
  executed; ``closed`` -> ``filled``; ``canceled``; ``expired``), its ``exec_type`` the same
  word, or ``trade`` for an update that only moves the executed volume (v1 reports fills on
  ``ownTrades``; such an update carries no ``fill``), or ``restated`` for any other partial
  update. ``report`` keeps the exact item.
- An ``ownTrades`` item becomes a :class:`Fill`: its key is ``exec_id`` (``trade_id`` is
  ``None``: v1 ids are text), the fee is in the pair's quote asset, ``maker`` is unknown.

Pairs carry the v2 spelling; epoch times of ``0`` (Kraken's "none") are ``None``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from spotstream.errors import DecodeError
from spotstream.models.enums import OrderSide, OrderStatus
from spotstream.models.orders import Fee, Fill, OrderUpdate
from spotstream.protocol.kraken.symbols import to_v2
from spotstream.protocol.kraken.v1 import private_wire as pw
from spotstream.protocol.kraken.v1.translate import epoch

_SIDES = {"buy": OrderSide.BUY, "sell": OrderSide.SELL}
_STATUSES = {
    "pending": OrderStatus.PENDING_NEW,
    "open": OrderStatus.NEW,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELED,
    "expired": OrderStatus.EXPIRED,
}


def _time(seconds: Decimal | None) -> datetime | None:
    return epoch(seconds) if seconds else None


def _side(text: str | None) -> OrderSide | None:
    if text is None:
        return None
    side = _SIDES.get(text)
    if side is None:
        raise DecodeError(f"order side {text!r} is neither buy nor sell")
    return side


def order_update(order_id: str, item: pw.OpenOrder) -> OrderUpdate:
    status = _status(item)
    if status is not None:
        exec_type = status.value
    elif item.vol_exec is not None:
        exec_type = "trade"
    else:
        exec_type = "restated"
    descr = item.descr
    pair = descr.pair if descr is not None else None
    ratecount = int(item.ratecount) if item.ratecount is not None else None
    return OrderUpdate(
        order_id=order_id,
        exec_type=exec_type,
        status=status.value if status is not None else None,
        symbol=to_v2(pair) if pair else None,
        side=_side(descr.type if descr is not None else None),
        order_type=descr.ordertype if descr is not None else None,
        quantity=item.vol,
        limit_price=_limit_price(item),
        filled_quantity=item.vol_exec,
        filled_cost=item.cost,
        average_price=item.avg_price or None,
        client_order_id=item.cl_ord_id,
        user_ref=item.userref,
        time_in_force=item.timeinforce.lower() if item.timeinforce else None,
        reason=item.cancel_reason or item.reason,
        timestamp=_time(item.lastupdated) or _time(item.opentm),
        fill=None,
        ratecount=ratecount,
        report=item,
    )


def _status(item: pw.OpenOrder) -> OrderStatus | None:
    if item.status is None:
        return None
    status = _STATUSES.get(item.status)
    if status is None:
        raise DecodeError(f"unknown order status {item.status!r}")
    if status is OrderStatus.NEW and item.vol_exec:
        return OrderStatus.PARTIALLY_FILLED
    return status


def _limit_price(item: pw.OpenOrder) -> Decimal | None:
    descr = item.descr
    if descr is None or descr.price is None:
        return item.limitprice or None
    if descr.ordertype in ("stop-loss-limit", "take-profit-limit", "trailing-stop-limit"):
        return descr.price2
    return descr.price if descr.ordertype != "market" else None


def fill(trade_id: str, item: pw.OwnTrade) -> Fill:
    symbol = to_v2(item.pair)
    quote = symbol.partition("/")[2] or None
    fees = (Fee(quote, item.fee),) if item.fee is not None and quote else ()
    return Fill(
        order_id=item.ordertxid,
        trade_id=None,
        exec_id=trade_id,
        symbol=symbol,
        side=_side(item.type),
        quantity=item.vol,
        price=item.price,
        cost=item.cost,
        fees=fees,
        maker=None,
        timestamp=epoch(item.time),
    )
