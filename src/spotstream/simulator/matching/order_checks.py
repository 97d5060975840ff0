"""From an :class:`~spotstream.models.orders.OrderRequest` to an
:class:`~spotstream.simulator.matching.orders.Order`, or the
:class:`~spotstream.simulator.matching.rejections.Rejection` that refuses it (spec §8.1). Each
venue reads its wire params into the request first (its ``order_entry``).

Only what the request itself says is checked here (types, prices on the tick grid, sizes,
options that do not go together); funds, rate limits and ids that must be unique are the
engine's. Decisions where the exchange's behaviour is not documented:

- a price off the tick grid is ``PRICE_OFF_TICK``, a price ``<= 0`` ``INVALID_PRICE``; a
  quantity with more decimals than the pair's ``INVALID_ARGUMENTS`` (``order_qty``); below
  ``qty_min`` ``ORDER_MINIMUM``;
- the simulator has no margin trading: ``margin: true`` is ``MARGIN_UNAVAILABLE``,
  ``reduce_only: true`` is ``REDUCE_ONLY_NO_POSITION`` (a spot account never has a position)
  and ``settle-position`` is ``UNKNOWN_POSITION``;
- the fee is taken in the quote asset unless ``fee_preference: "base"`` (the documented
  lifecycle example shows ``fciq`` on a sell);
- trailing triggers default to ``price_type: "quote"``; ``static`` is refused for them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

from spotstream.models.enums import (
    CONDITIONAL_ORDER_TYPES,
    LIMIT_PRICED_ORDER_TYPES,
    TRAILING_ORDER_TYPES,
    TRIGGERED_ORDER_TYPES,
    LimitPriceType,
    OrderSide,
    TriggerPriceType,
)
from spotstream.models.orders import ConditionalClose, OrderRequest
from spotstream.simulator.market.instruments import InstrumentSpec
from spotstream.simulator.matching.orders import (
    Conditional,
    Order,
    OrderError,
    Side,
)
from spotstream.simulator.matching.rejections import Rejection
from spotstream.simulator.matching.triggers import make_trigger

NS_PER_S = 1_000_000_000
MAX_EXPIRY_NS = 31 * 24 * 3600 * NS_PER_S  # gtd: about a month ahead at most
MAX_UNITS = 10**24  # a price or quantity past this many units is more than the engine holds
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_SHORT_UUID = re.compile(r"^[0-9a-fA-F]{32}$")
_FREE_TEXT = re.compile(r"^[\x20-\x7e]{1,18}$")
_SIDES: dict[OrderSide, Side] = {OrderSide.BUY: "buy", OrderSide.SELL: "sell"}


def invalid(field: str) -> OrderError:
    return OrderError(Rejection.INVALID_ARGUMENTS, field)


def holdable(value: Decimal, precision: int, field: str) -> None:
    """Refuse (invalid arguments) a number the engine cannot hold: not finite, or past
    :data:`MAX_UNITS` units at ``precision`` (its exact arithmetic has 60 digits)."""
    if not value.is_finite() or abs(value).scaleb(precision) > MAX_UNITS:
        raise invalid(field)


def exact_units(value: Decimal, precision: int) -> int | None:
    """``value × 10^precision`` if that is an integer (of at most :data:`MAX_UNITS`), else
    ``None``."""
    if not value.is_finite():
        return None
    scaled = value.scaleb(precision)
    if abs(scaled) > MAX_UNITS:
        return None
    integral = scaled.to_integral_value()
    return int(integral) if scaled == integral else None


def epoch_ns(value: datetime) -> int:
    """A request time (aware; a naive one is taken as UTC) as epoch nanoseconds."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    seconds = int(value.replace(microsecond=0).timestamp())
    return seconds * NS_PER_S + value.microsecond * 1000


def valid_cl_ord_id(text: str) -> bool:
    return bool(_UUID.match(text) or _SHORT_UUID.match(text) or _FREE_TEXT.match(text))


def price_units(value: Decimal, spec: InstrumentSpec, field: str = "limit_price") -> int:
    """A limit or static trigger price in price units, on the tick grid."""
    holdable(value, spec.price_precision, field)
    if value <= 0:
        raise OrderError(Rejection.INVALID_PRICE)
    units = exact_units(value, spec.price_precision)
    if units is None or units % spec.tick:
        raise OrderError(Rejection.PRICE_OFF_TICK)
    return units


def qty_units(value: Decimal, spec: InstrumentSpec, field: str = "order_qty") -> int:
    holdable(value, spec.qty_precision, field)
    units = exact_units(value, spec.qty_precision)
    if units is None or units <= 0:
        raise invalid(field)
    if units < spec.qty_min_units:
        raise OrderError(Rejection.ORDER_MINIMUM)
    return units


def build_order(
    params: OrderRequest,
    spec: InstrumentSpec,
    *,
    account_id: str,
    now_ns: int,
    last: int,
    mid: int,
) -> Order:
    """The order ``params`` describe (no id yet), or :class:`OrderError`."""
    kind = params.order_type
    _refuse_unsupported(params)
    order = Order("", account_id, spec.symbol, _SIDES[params.side], kind, 0, now_ns)
    if params.quote_quantity is not None:
        _cash(order, params, spec)
    else:
        order.qty = qty_units(params.quantity, spec)
    _limit(order, params, spec)
    _trigger(order, params, spec, last, mid)
    _time_in_force(order, params, now_ns)
    _options(order, params, spec)
    _identifiers(order, params)
    if params.conditional is not None:
        order.conditional = _conditional(params.conditional, spec)
    _cost_minimum(order, spec, last)
    return order


def _refuse_unsupported(params: OrderRequest) -> None:
    if params.order_type == "settle-position":
        raise OrderError(Rejection.UNKNOWN_POSITION)
    if params.margin:
        raise OrderError(Rejection.MARGIN_UNAVAILABLE)
    if params.reduce_only:
        raise OrderError(Rejection.REDUCE_ONLY_NO_POSITION)


def _cash(order: Order, params: OrderRequest, spec: InstrumentSpec) -> None:
    cash = params.quote_quantity
    if order.order_type != "market" or cash is None or cash <= 0:
        raise invalid("cash_order_qty")
    if exact_units(cash, spec.cost_precision) is None:
        raise invalid("cash_order_qty")
    order.cash_qty = cash


def _limit(order: Order, params: OrderRequest, spec: InstrumentSpec) -> None:
    kind, price = order.order_type, params.limit_price
    if kind not in LIMIT_PRICED_ORDER_TYPES:
        if price is not None or params.limit_price_type is not None:
            raise invalid("limit_price")
        return
    if price is None:
        raise invalid("limit_price")
    holdable(price, spec.price_precision, "limit_price")
    default = "quote" if kind == "trailing-stop-limit" else "static"
    price_type = params.limit_price_type or default
    order.limit_price_type = price_type
    if price_type == "static":
        order.limit_price = price_units(price, spec)
    elif kind in TRIGGERED_ORDER_TYPES:
        if exact_units(price, spec.price_precision + 2) is None:
            raise OrderError(Rejection.INVALID_PRICE)
        order.limit_offset = price
    else:
        raise invalid("limit_price_type")


def _trigger(
    order: Order,
    params: OrderRequest,
    spec: InstrumentSpec,
    last: int,
    mid: int,
) -> None:
    kind, trigger_price = order.order_type, params.trigger_price
    if kind not in TRIGGERED_ORDER_TYPES:
        if trigger_price is not None:
            raise invalid("triggers")
        return
    if trigger_price is None:
        raise invalid("triggers")
    holdable(trigger_price, spec.price_precision, "triggers.price")
    trailing = kind in TRAILING_ORDER_TYPES
    price_type = params.trigger_price_type or ("quote" if trailing else "static")
    if trailing and (price_type == "static" or trigger_price <= 0):
        raise invalid("triggers.price")
    if price_type == "static":
        price_units(trigger_price, spec)
    reference = params.trigger_reference or "last"
    base = last if reference == "last" else mid
    order.trigger = make_trigger(kind, order.side, reference, price_type, trigger_price, base, spec)


def _time_in_force(order: Order, params: OrderRequest, now_ns: int) -> None:
    tif = params.time_in_force or "gtc"
    order.time_in_force = tif
    if (tif == "gtd") != (params.expire_time is not None):
        raise invalid("expire_time")
    if params.expire_time is not None:
        expire = epoch_ns(params.expire_time)
        if not now_ns < expire <= now_ns + MAX_EXPIRY_NS:
            raise invalid("expire_time")
        order.expire_ns = expire
    if params.effective_time is not None:
        effective = epoch_ns(params.effective_time)
        order.effective_ns = effective if effective > now_ns else None
    if tif == "ioc" and (params.post_only or order.effective_ns is not None):
        raise invalid("time_in_force")


def _options(order: Order, params: OrderRequest, spec: InstrumentSpec) -> None:
    if params.post_only:
        if order.order_type not in LIMIT_PRICED_ORDER_TYPES:
            raise invalid("post_only")
        order.post_only = True
    if (order.order_type == "iceberg") != (params.display_quantity is not None):
        raise invalid("display_qty")
    if params.display_quantity is not None:
        display = qty_units(params.display_quantity, spec, "display_qty")
        if display > order.qty or display * 15 < order.qty:
            raise invalid("display_qty")
        order.display_qty = display
    order.fee_in_base = params.fee_preference == "base"
    order.stp_type = params.stp_type or "cancel_newest"


def _identifiers(order: Order, params: OrderRequest) -> None:
    if params.client_order_id is not None and params.user_ref is not None:
        raise invalid("cl_ord_id and order_userref are mutually exclusive")
    if params.client_order_id is not None and not valid_cl_ord_id(params.client_order_id):
        raise invalid("cl_ord_id")
    if params.sender_sub_id is not None and not valid_cl_ord_id(params.sender_sub_id):
        raise invalid("sender_sub_id")
    order.cl_ord_id = params.client_order_id
    order.order_userref = params.user_ref
    order.sender_sub_id = params.sender_sub_id


def _conditional(params: ConditionalClose, spec: InstrumentSpec) -> Conditional:
    kind, trigger_price = params.order_type, params.trigger_price
    if kind not in CONDITIONAL_ORDER_TYPES:
        raise invalid("conditional.order_type")
    limit_type = params.limit_price_type or LimitPriceType.STATIC
    trigger_type = params.trigger_price_type or (
        TriggerPriceType.QUOTE if kind in TRAILING_ORDER_TYPES else TriggerPriceType.STATIC
    )
    if (kind in LIMIT_PRICED_ORDER_TYPES) != (params.limit_price is not None):
        raise invalid("conditional.limit_price")
    if (kind in TRIGGERED_ORDER_TYPES) != (trigger_price is not None):
        raise invalid("conditional.trigger_price")
    if params.limit_price is not None and limit_type == "static":
        price_units(params.limit_price, spec)
    if trigger_price is not None and trigger_type == "static":
        price_units(trigger_price, spec)
    return Conditional(kind, params.limit_price, limit_type, trigger_price, trigger_type)


def _cost_minimum(order: Order, spec: InstrumentSpec, last: int) -> None:
    if order.cash_qty is not None:
        cost = order.cash_qty
    else:
        price = order.limit_price or (order.trigger.price if order.trigger else last)
        cost = Decimal(price * order.qty).scaleb(-(spec.price_precision + spec.qty_precision))
    if cost < spec.cost_min:
        raise OrderError(Rejection.COST_MINIMUM)
