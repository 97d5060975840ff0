"""Stop-loss, take-profit and trailing-stop triggers (spec §8.1 ``triggers``).

A trigger watches a reference price: the last trade price (``reference: "last"``, the default)
or, standing in for the exchange's index, the mid price of the book (``"index"``). Offsets follow
the request's ``price_type``: ``static`` is an absolute price, ``quote`` an amount added to
the reference price at placement (``-150`` = 150 below), ``pct`` a percentage of it (``5`` =
5 % above). A trailing order's ``price`` is a positive distance (``quote`` or ``pct``) from
the best reference price seen since placement. Every computed price is rounded to the tick.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

from spotstream.models.enums import TRAILING_ORDER_TYPES
from spotstream.simulator.market.instruments import InstrumentSpec
from spotstream.simulator.matching.orders import Order, Side, Trigger

_HUNDRED = Decimal(100)
_CONTEXT = decimal.Context(prec=60)


def to_tick(price: Decimal, spec: InstrumentSpec) -> int:
    """A price in price units rounded to the nearest tick (never below one tick)."""
    units = price.scaleb(spec.price_precision, context=_CONTEXT)
    ticks = (units / spec.tick).to_integral_value(decimal.ROUND_HALF_EVEN, context=_CONTEXT)
    return max(spec.tick, int(ticks) * spec.tick)


def offset_price(base: int, offset: Decimal, price_type: str, spec: InstrumentSpec) -> int:
    """The price ``offset`` describes, relative to ``base`` (price units) for pct / quote."""
    if price_type == "static":
        return to_tick(offset, spec)
    base_price = Decimal(base).scaleb(-spec.price_precision)
    if price_type == "pct":
        return to_tick(base_price * (1 + offset / _HUNDRED), spec)
    return to_tick(base_price + offset, spec)


def _distance(peak: int, offset: Decimal, price_type: str, spec: InstrumentSpec) -> int:
    """A trailing order's distance from its peak, in price units (whole ticks)."""
    if price_type == "pct":
        raw = Decimal(peak) * offset / _HUNDRED
    else:
        raw = offset.scaleb(spec.price_precision)
    ticks = (raw / spec.tick).to_integral_value(decimal.ROUND_HALF_EVEN, context=_CONTEXT)
    return int(ticks) * spec.tick


def _trail(side: Side, peak: int, distance: int, spec: InstrumentSpec) -> int:
    return max(spec.tick, peak - distance if side == "sell" else peak + distance)


def make_trigger(
    order_type: str,
    side: Side,
    reference: str,
    price_type: str,
    offset: Decimal,
    reference_price: int,
    spec: InstrumentSpec,
) -> Trigger:
    """The trigger of a new order, priced from the reference price at placement."""
    if order_type in TRAILING_ORDER_TYPES:
        distance = _distance(reference_price, offset, price_type, spec)
        price = _trail(side, reference_price, distance, spec)
        return Trigger(reference, price_type, offset, price, peak=reference_price)
    price = offset_price(reference_price, offset, price_type, spec)
    return Trigger(reference, price_type, offset, price)


def check(order: Order, reference_price: int, spec: InstrumentSpec) -> bool:
    """Follow ``reference_price``; whether the order's trigger fires now (it does not fire
    twice: the caller marks it triggered)."""
    trigger = order.trigger
    if trigger is None or trigger.triggered_ns is not None:
        return False
    trigger.last = reference_price
    sell = order.side == "sell"
    if order.order_type in TRAILING_ORDER_TYPES:
        peak = trigger.peak if trigger.peak is not None else reference_price
        peak = max(peak, reference_price) if sell else min(peak, reference_price)
        if peak != trigger.peak:
            trigger.peak = peak
            distance = _distance(peak, trigger.offset, trigger.price_type, spec)
            trigger.price = _trail(order.side, peak, distance, spec)
        return reference_price <= trigger.price if sell else reference_price >= trigger.price
    falls = order.order_type.startswith("stop-loss") == sell  # fires on a fall, else a rise
    return reference_price <= trigger.price if falls else reference_price >= trigger.price


def limit_after_trigger(order: Order, spec: InstrumentSpec) -> int | None:
    """The limit price a triggered order takes: static, or offset from the trigger price."""
    trigger = order.trigger
    if order.limit_offset is None or trigger is None:
        return order.limit_price
    return offset_price(trigger.price, order.limit_offset, order.limit_price_type or "quote", spec)
