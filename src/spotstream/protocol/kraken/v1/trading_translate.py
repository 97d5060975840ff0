"""The neutral order and Kraken WebSocket v1's ``addOrder`` fields, both ways. Sans-I/O.

v1 writes every amount and time as text, and folds what the neutral
:class:`~spotstream.models.orders.OrderRequest` says in separate fields into that text: a
relative price is a sign prefix and an optional ``%`` suffix (``"+2%"``, ``"-150.5"``), the
order flags are one comma list (``"post,fciq"``), times are unix seconds (``"0"``: none) and
the deadline RFC3339 with milliseconds; one ``price`` field is a limit or a trigger price by
the order type. This module holds those text forms and field placements (and v1's own local
rules); :mod:`.trading_wire` holds the wire Structs and the public functions built on these.
Reading raises :class:`~spotstream.errors.InvalidRequestError` naming the wire field.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from spotstream.errors import InvalidRequestError
from spotstream.models.enums import (
    LIMIT_PRICED_ORDER_TYPES,
    TRAILING_ORDER_TYPES,
    TRIGGERED_ORDER_TYPES,
    FeePreference,
    LimitPriceType,
    OrderSide,
    OrderType,
    TimeInForce,
    TriggerPriceType,
)
from spotstream.models.orders import ConditionalClose, OrderRequest

if TYPE_CHECKING:
    from spotstream.protocol.kraken.v1.trading_wire import (
        AddOrderRequest,
        TimeInForceText,
        V1OrderType,
    )

_UNSIGNED = re.compile(r"^(?:\d+\.?\d*|\.\d+)$")
_RELATIVE = re.compile(r"^(?P<sign>[+\-#])(?P<number>\d+\.?\d*|\.\d+)(?P<pct>%?)$")
_SECONDS = re.compile(r"^(?P<plus>\+?)(?P<number>\d+)$")
PCT = "pct"
QUOTE = "quote"
STATIC = "static"

OFLAG_POST = "post"
OFLAG_FEE_BASE = "fcib"
OFLAG_FEE_QUOTE = "fciq"
OFLAG_QUOTE_VOLUME = "viqc"
OFLAG_NO_MPP = "nompp"  # deprecated, ignored by Kraken
OFLAGS = (OFLAG_POST, OFLAG_FEE_BASE, OFLAG_FEE_QUOTE, OFLAG_QUOTE_VOLUME)
"""The order flags, in the order we write them."""


def fail(message: str) -> InvalidRequestError:
    return InvalidRequestError(message)


def plain(value: Decimal) -> str:
    """``value`` as plain text: ``Decimal("1E-7")`` is ``"0.0000001"``, never exponent form."""
    return format(value, "f")


def price_text(value: Decimal, price_type: str | None) -> str:
    """A static price as is; a ``pct``/``quote`` offset as ``+``/``-`` and (pct) ``%``."""
    if price_type in (None, STATIC):
        return plain(value)
    sign = "-" if value < 0 else "+"
    return f"{sign}{plain(abs(value))}{'%' if price_type == PCT else ''}"


def read_price(text: str, name: str) -> tuple[Decimal, str | None]:
    """The price and its type (None: static) of a v1 price text.

    ``#`` (add or subtract, Kraken picks by the order's direction) has no neutral reading
    and is refused."""
    if _UNSIGNED.match(text):
        return Decimal(text), None
    relative = _RELATIVE.match(text)
    if relative is None:
        raise fail(f"{name} {text!r} is not a price (digits, or +/- and an optional %)")
    if relative["sign"] == "#":
        raise fail(f"{name} {text!r}: the direction-dependent '#' prefix is not supported")
    number = Decimal(relative["number"])
    return (-number if relative["sign"] == "-" else number), PCT if relative["pct"] else QUOTE


def read_amount(text: str | None, name: str) -> Decimal | None:
    """An unsigned decimal text (``volume``, ``displayvol``), or None."""
    if text is None:
        return None
    if not _UNSIGNED.match(text):
        raise fail(f"{name} must be an unsigned decimal text, not {text!r}")
    return Decimal(text)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def unix_text(value: datetime, name: str) -> str:
    """A time as whole unix seconds (Kraken's precision for ``starttm``/``expiretm``;
    exact integer arithmetic, truncated); ``0`` means none on the wire, so it must be later."""
    if value.tzinfo is None:
        raise fail(f"{name} must be timezone-aware")
    seconds = (value - _EPOCH) // timedelta(seconds=1)
    if seconds <= 0:
        raise fail(f"{name} must be after 1970-01-01T00:00:01Z")
    return str(seconds)


def read_unix(text: str | None, name: str, now: datetime | None) -> datetime | None:
    """``"0"`` or nothing: None; unix seconds; ``"+n"``: ``n`` seconds after ``now``."""
    if text is None:
        return None
    match = _SECONDS.match(text)
    if match is None:
        raise fail(f"{name} must be 0, +<seconds> or unix seconds, not {text!r}")
    seconds = int(match["number"])
    if match["plus"]:
        if now is None:
            raise fail(f"{name} {text!r} is relative and no current time was given")
        return now + timedelta(seconds=seconds)
    return None if seconds == 0 else _EPOCH + timedelta(seconds=seconds)


def deadline_text(value: datetime) -> str:
    """RFC3339 in UTC with milliseconds, as the spec asks for ``deadline``."""
    if value.tzinfo is None:
        raise fail("deadline must be timezone-aware")
    utc = value.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


FEE_FLAGS = {FeePreference.BASE: OFLAG_FEE_BASE, FeePreference.QUOTE: OFLAG_FEE_QUOTE}


def oflags_text(order: OrderRequest) -> str | None:
    """``post_only``, ``fee_preference`` and ``quote_quantity`` as v1's order flags."""
    flags = {
        OFLAG_POST if order.post_only else "",
        FEE_FLAGS[order.fee_preference] if order.fee_preference is not None else "",
        OFLAG_QUOTE_VOLUME if order.quote_quantity is not None else "",
    }
    return ",".join(flag for flag in OFLAGS if flag in flags) or None


def read_oflags(text: str | None) -> set[str]:
    """The known flags of a comma list (``nompp`` dropped); an unknown flag is refused."""
    if not text:
        return set()
    flags = {flag.strip() for flag in text.split(",")}
    flags.discard(OFLAG_NO_MPP)
    unknown = flags.difference(OFLAGS)
    if unknown:
        raise fail(f"oflags: unknown flags {sorted(unknown)} (known: {', '.join(OFLAGS)})")
    if {OFLAG_FEE_BASE, OFLAG_FEE_QUOTE} <= flags:
        raise fail("oflags: fcib and fciq are mutually exclusive")
    return flags


_VALIDATE = {"true": True, "True": True, "false": False, "False": False}


def read_validate(value: str | bool | None) -> bool:
    """``validate`` as documented (``"true"``), as python-kraken-sdk sends it (``"True"``)
    or as a JSON boolean."""
    if value is None or isinstance(value, bool):
        return bool(value)
    if value not in _VALIDATE:
        raise fail(f"validate must be true or false, not {value!r}")
    return _VALIDATE[value]


def answer_time(text: str | None) -> datetime | None:
    """``currentTime``/``triggerTime``: RFC3339 (timezone-aware), or None for ``"0"``/absent."""
    if text is None or text in ("", "0"):
        return None
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


# --- where the prices go -----------------------------------------------------------------------

PRICE2_TYPES = frozenset(
    {OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT, OrderType.TRAILING_STOP_LIMIT}
)
"""The *-limit types: their trigger goes in ``price``, their limit price in ``price2``."""


def prices(order: OrderRequest | ConditionalClose) -> tuple[str | None, str | None]:
    """``price`` and ``price2`` of an order or of its conditional close: ``price`` is the
    limit price of the untriggered types, else the trigger price, and ``price2`` the limit
    price of the *-limit types."""
    limit, trigger = order.limit_price, order.trigger_price
    limit_text = price_text(limit, order.limit_price_type) if limit is not None else None
    if order.order_type in TRIGGERED_ORDER_TYPES:
        trigger_text = (
            price_text(trigger, order.trigger_price_type) if trigger is not None else None
        )
        return trigger_text, limit_text if order.order_type in PRICE2_TYPES else None
    return limit_text, None


def read_prices(
    kind: OrderType, price: str | None, price2: str | None, where: str = ""
) -> dict[str, Any]:
    """The :class:`OrderRequest` limit and trigger fields of ``price``/``price2`` (the
    inverse of :func:`prices`); ``where`` prefixes the field names in messages."""
    if price2 is not None and kind not in PRICE2_TYPES:
        raise fail(f"{where}price2 is for the *-limit order types only")
    triggered = kind in TRIGGERED_ORDER_TYPES
    trigger_text, limit_text = (price, price2) if triggered else (None, price)
    fields: dict[str, Any] = {}
    if trigger_text is not None:
        value, price_type = read_price(trigger_text, f"{where}price")
        fields["trigger_price"] = value
        fields["trigger_price_type"] = TriggerPriceType(price_type) if price_type else None
    if limit_text is not None:
        name = f"{where}price2" if triggered else f"{where}price"
        value, price_type = read_price(limit_text, name)
        if price_type is not None and kind != OrderType.TRAILING_STOP_LIMIT:
            raise fail(f"{name} {limit_text!r}: a relative limit price is not supported")
        fields["limit_price"] = value
        fields["limit_price_type"] = LimitPriceType(price_type) if price_type else None
    return fields


ORDER_TYPES: dict[OrderType, V1OrderType] = {
    OrderType.LIMIT: "limit",
    OrderType.MARKET: "market",
    OrderType.ICEBERG: "limit",  # with displayvol
    OrderType.STOP_LOSS: "stop-loss",
    OrderType.STOP_LOSS_LIMIT: "stop-loss-limit",
    OrderType.TAKE_PROFIT: "take-profit",
    OrderType.TAKE_PROFIT_LIMIT: "take-profit-limit",
    OrderType.TRAILING_STOP: "trailing-stop",
    OrderType.TRAILING_STOP_LIMIT: "trailing-stop-limit",
    OrderType.SETTLE_POSITION: "settle-position",
}
TIME_IN_FORCE: dict[TimeInForce, TimeInForceText] = {
    TimeInForce.GTC: "GTC",
    TimeInForce.GTD: "GTD",
    TimeInForce.IOC: "IOC",
}


def add_order_fields(order: OrderRequest) -> dict[str, Any]:
    """The ``addOrder`` fields of ``order`` under their wire names (the mapping is
    :func:`~.trading_wire.add_order_request`'s)."""
    close = order.conditional
    price, price2 = prices(order)
    close_price, close_price2 = prices(close) if close is not None else (None, None)
    volume = order.quote_quantity if order.quote_quantity is not None else order.quantity
    return {
        "ordertype": ORDER_TYPES[order.order_type],
        "type": order.side,
        "volume": plain(volume),
        "displayvol": plain_or_none(order.display_quantity),
        "price": price,
        "price2": price2,
        "trigger": order.trigger_reference,
        "margin": order.margin,
        "reduce_only": order.reduce_only,
        "oflags": oflags_text(order),
        "starttm": _unix(order.effective_time, "effective_time"),
        "expiretm": _unix(order.expire_time, "expire_time"),
        "userref": str(order.user_ref) if order.user_ref is not None else None,
        "cl_ord_id": order.client_order_id,
        "sender_sub_id": order.sender_sub_id,
        "stp_type": order.stp_type,
        "timeinforce": TIME_IN_FORCE[order.time_in_force] if order.time_in_force else None,
        "close[ordertype]": ORDER_TYPES[close.order_type] if close is not None else None,
        "close[price]": close_price,
        "close[price2]": close_price2,
    }


def plain_or_none(value: Decimal | None) -> str | None:
    return plain(value) if value is not None else None


def _unix(value: datetime | None, name: str) -> str | None:
    return unix_text(value, name) if value is not None else None


def order_fields(request: AddOrderRequest, now: datetime | None) -> dict[str, Any]:
    """The :class:`OrderRequest` fields of an ``addOrder`` (those it sets)."""
    if request.leverage is not None:
        raise fail("leverage: leveraged orders are not supported")
    quantity = read_amount(request.volume, "volume")
    display = read_amount(request.displayvol, "displayvol")
    kind = OrderType(request.ordertype)
    if display is not None:
        if kind != OrderType.LIMIT:
            raise fail("displayvol is for limit orders only")
        kind = OrderType.ICEBERG
    flags = read_oflags(request.oflags)
    fee = [pref for pref, flag in FEE_FLAGS.items() if flag in flags]
    fields: dict[str, Any] = {
        "side": request.type,
        "order_type": kind,
        "quantity": quantity,
        "display_quantity": display,
        **read_prices(kind, request.price, request.price2),
        "trigger_reference": request.trigger,
        "time_in_force": request.timeinforce.lower() if request.timeinforce else None,
        "expire_time": read_unix(request.expiretm, "expiretm", now),
        "effective_time": read_unix(request.starttm, "starttm", now),
        "post_only": True if OFLAG_POST in flags else None,
        "reduce_only": request.reduce_only,
        "margin": request.margin,
        "quote_quantity": quantity if OFLAG_QUOTE_VOLUME in flags else None,
        "fee_preference": fee[0] if fee else None,
        "stp_type": request.stp_type,
        "client_order_id": request.cl_ord_id,
        "user_ref": read_userref(request.userref),
        "sender_sub_id": request.sender_sub_id,
        "conditional": read_close(
            request.close_ordertype, request.close_price, request.close_price2
        ),
    }
    return {name: value for name, value in fields.items() if value is not None}


def read_close(
    ordertype: str | None, price: str | None, price2: str | None
) -> ConditionalClose | None:
    """The conditional close of the ``close[...]`` fields, or None."""
    if ordertype is None:
        if price is not None or price2 is not None:
            raise fail("close[price] and close[price2] need close[ordertype]")
        return None
    try:
        kind = OrderType(ordertype)
    except ValueError:
        raise fail(f"close[ordertype] {ordertype!r} is not an order type") from None
    fields = read_prices(kind, price, price2, "close ")
    return ConditionalClose(
        order_type=kind, **{name: value for name, value in fields.items() if value is not None}
    )


def read_userref(value: str | int | None) -> int | None:
    if value is None or isinstance(value, int):
        return value
    try:
        return int(value)
    except ValueError:
        raise fail(f"userref must be a number text, not {value!r}") from None


# --- v1's own rules ----------------------------------------------------------------------------


def check_v1_order(order: OrderRequest) -> None:
    """v1's rules beyond v2's (:func:`~spotstream.protocol.kraken.v2.orders.validate_order`):
    the price rules of :func:`check_prices` for the order and its conditional close;
    ``post`` is for limit orders; ``viqc`` for buy market orders without margin."""
    check_prices(order, "")
    if order.conditional is not None:
        check_prices(order.conditional, "close ")
    if order.post_only and order.order_type not in (OrderType.LIMIT, OrderType.ICEBERG):
        raise fail("post_only (oflags post) is for limit orders only")
    if order.quote_quantity is not None and (order.side != OrderSide.BUY or order.margin):
        raise fail("quote_quantity (oflags viqc) is for buy market orders without margin")


def check_prices(order: OrderRequest | ConditionalClose, where: str) -> None:
    """What one ``price``/``price2`` pair can say: a limit price exactly for the limit-priced
    types, a trigger price exactly for the triggered ones, a price type only with its price;
    a static price is positive (``-5`` would read as an offset); a relative limit price is
    for trailing-stop-limit only (the offset from the trigger); a trailing trigger is a
    positive pct/quote offset (v1's ``+``: from the peak or trough)."""
    kind, limit, trigger = order.order_type, order.limit_price, order.trigger_price
    if (limit is not None) != (kind in LIMIT_PRICED_ORDER_TYPES):
        raise fail(f"{where}{kind} orders {'take no' if limit is not None else 'need'} limit_price")
    if (trigger is not None) != (kind in TRIGGERED_ORDER_TYPES):
        need = "take no" if trigger is not None else "need"
        raise fail(f"{where}{kind} orders {need} trigger_price")
    if limit is None and order.limit_price_type is not None:
        raise fail(f"{where}limit_price_type needs limit_price")
    if trigger is None and order.trigger_price_type is not None:
        raise fail(f"{where}trigger_price_type needs trigger_price")
    limit_static = order.limit_price_type in (None, STATIC)
    trigger_static = order.trigger_price_type in (None, STATIC)
    if not limit_static and kind != OrderType.TRAILING_STOP_LIMIT:
        raise fail(f"{where}a pct/quote limit_price is for trailing-stop-limit orders only")
    if (limit is not None and limit_static and limit <= 0) or (
        trigger is not None and trigger_static and trigger <= 0
    ):
        raise fail(f"{where}a static price must be positive (a negative one needs pct or quote)")
    if kind in TRAILING_ORDER_TYPES and (trigger_static or trigger is None or trigger <= 0):
        raise fail(f"{where}{kind} needs a positive pct or quote trigger_price offset")
