"""Reading v1 ``addOrder`` and ``editOrder`` the way Kraken does (spec §9, §12).

Kraken is strict where a client library may be lenient, so the simulator reads the request
itself: a field Kraken does not document for the event is ``Unsupported field: '<field>' for
the given msg type: add order`` (captured; ``edit order`` for edits); a value it cannot read
``EGeneral:Invalid arguments:<field>`` (captured for ``timeinforce``). What it reads becomes
the neutral :class:`~spotstream.models.orders.OrderRequest` (or
:class:`~spotstream.simulator.matching.orders.Replacement`) the matching engine takes.

How v1 prices read (spec §9): ``price`` is the limit price of a limit order and the trigger
price of the stop, take-profit and trailing types, whose limit is ``price2``. A price may be
relative to the last trade: ``+5`` / ``-5`` an amount in the quote currency, ``5%`` (with a
sign) a percentage; ``#`` takes the sign that moves away from the market (``+`` for a buy's
trigger, ``-`` for a sell's; UNCONFIRMED). Trailing types must use ``+`` (a distance).
``expiretm``/``starttm``: ``0`` none, ``+n`` seconds from now, else a unix time; an
``expiretm`` without ``timeinforce`` makes the order GTD.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from spotstream.errors import InvalidRequestError
from spotstream.models.enums import (
    TRAILING_ORDER_TYPES,
    TRIGGERED_ORDER_TYPES,
    FeePreference,
    LimitPriceType,
    OrderSide,
    OrderType,
    StpType,
    TimeInForce,
    TriggerPriceType,
    TriggerReference,
)
from spotstream.models.orders import ConditionalClose, OrderRequest
from spotstream.simulator.matching.orders import OrderError, Replacement
from spotstream.simulator.matching.rejections import Rejection
from spotstream.simulator.venues.kraken.v1.requests import RequestError

COMMON_FIELDS = frozenset({"event", "token", "reqid", "deadline", "validate"})
ADD_FIELDS = COMMON_FIELDS | {
    "ordertype",
    "type",
    "pair",
    "price",
    "price2",
    "volume",
    "displayvol",
    "leverage",
    "margin",
    "reduce_only",
    "oflags",
    "starttm",
    "expiretm",
    "userref",
    "cl_ord_id",
    "sender_sub_id",
    "stp_type",
    "timeinforce",
    "trigger",
    "close[ordertype]",
    "close[price]",
    "close[price2]",
}
EDIT_FIELDS = COMMON_FIELDS | {
    "orderid",
    "pair",
    "price",
    "price2",
    "volume",
    "oflags",
    "newuserref",
}
ORDER_TYPES = frozenset(OrderType) - {OrderType.ICEBERG}  # v1 makes icebergs by displayvol
_NS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Price:
    """A v1 price as sent: its value and how it reads."""

    value: Decimal
    kind: str  # "static", "quote" or "pct"


def check_fields(message: dict[str, Any], allowed: frozenset[str], msg_type: str) -> None:
    for key in message:
        if key not in allowed:
            raise RequestError(f"Unsupported field: '{key}' for the given msg type: {msg_type}")


def invalid(field: str) -> OrderError:
    return OrderError(Rejection.INVALID_ARGUMENTS, field)


def decimal_field(message: dict[str, Any], field: str) -> Decimal | None:
    value = message.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise invalid(field)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise invalid(field) from None
    if not number.is_finite():
        raise invalid(field)
    return number


def price_field(message: dict[str, Any], field: str, side: str) -> Price | None:
    value = message.get(field)
    if value is None:
        return None
    text = str(value) if isinstance(value, (int, Decimal)) else value
    if not isinstance(text, str) or isinstance(value, bool) or not text:
        raise invalid(field)
    sign = ""
    if text[0] in "+-#":
        sign, text = text[0], text[1:]
        if sign == "#":
            sign = "+" if side == "buy" else "-"
    kind = "pct" if text.endswith("%") else ("quote" if sign else "static")
    number = decimal_field({field: text.removesuffix("%")}, field)
    assert number is not None
    return Price(-number if sign == "-" else number, kind)


def flag(message: dict[str, Any], field: str) -> bool | None:
    value = message.get(field)
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return bool(value == "true")
    raise invalid(field)


def time_field(message: dict[str, Any], field: str, now_ns: int) -> datetime | None:
    value = message.get(field)
    if value is None:
        return None
    text = str(value)
    try:
        seconds = Decimal(text)
    except InvalidOperation:
        raise invalid(field) from None
    if not seconds.is_finite() or seconds < 0:
        raise invalid(field)
    if seconds == 0:
        return None
    at_ns = int(seconds * _NS) + (now_ns if text.startswith("+") else 0)
    second, fraction = divmod(at_ns, _NS)
    return datetime.fromtimestamp(second, UTC).replace(microsecond=fraction // 1000)


def oflags(message: dict[str, Any]) -> set[str]:
    value = message.get("oflags", "")
    if not isinstance(value, str):
        raise invalid("oflags")
    flags = {f.strip() for f in value.split(",") if f.strip()}
    if not flags <= {"fcib", "fciq", "nompp", "post", "viqc"} or {"fcib", "fciq"} <= flags:
        raise invalid("oflags")
    return flags


def fee_preference(flags: set[str]) -> FeePreference | None:
    if "fcib" in flags:
        return FeePreference.BASE
    if "fciq" in flags:
        return FeePreference.QUOTE
    return None


def userref(message: dict[str, Any], field: str) -> int | None:
    value = message.get(field)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    raise invalid(field)


def order_request(message: dict[str, Any], now_ns: int) -> OrderRequest:
    """The neutral order an ``addOrder`` describes (fields already checked by name)."""
    order_type = _order_type(message, "ordertype")
    try:
        side = OrderSide(str(message.get("type")))
    except ValueError:
        raise invalid("type") from None
    quantity = decimal_field(message, "volume")
    if quantity is None:
        raise invalid("volume")
    flags = oflags(message)
    price = price_field(message, "price", side)
    price2 = price_field(message, "price2", side)
    display = decimal_field(message, "displayvol")
    if display is not None and order_type == OrderType.LIMIT:
        order_type = OrderType.ICEBERG
    fields: dict[str, Any] = _prices(order_type, price, price2)
    tif = message.get("timeinforce")
    expire = time_field(message, "expiretm", now_ns)
    if tif is not None:
        if not isinstance(tif, str) or tif.lower() not in set(TimeInForce):
            raise invalid("timeinforce")
        fields["time_in_force"] = TimeInForce(tif.lower())
    elif expire is not None:  # an expiry alone makes the order good till that date
        fields["time_in_force"] = TimeInForce.GTD
    trigger = message.get("trigger")
    if trigger is not None:
        if trigger not in set(TriggerReference):
            raise invalid("trigger")
        fields["trigger_reference"] = TriggerReference(trigger)
    stp = message.get("stp_type")
    if stp is not None:
        if stp not in set(StpType):
            raise invalid("stp_type")
        fields["stp_type"] = StpType(stp)
    if "viqc" in flags:
        fields["quote_quantity"], quantity = quantity, Decimal(0)
    try:
        return OrderRequest(
            side=side,
            order_type=order_type,
            quantity=quantity,
            expire_time=expire,
            effective_time=time_field(message, "starttm", now_ns),
            post_only=("post" in flags) or None,
            reduce_only=flag(message, "reduce_only"),
            margin=bool(message.get("leverage")) or flag(message, "margin"),
            display_quantity=display,
            fee_preference=fee_preference(flags),
            client_order_id=_text(message, "cl_ord_id"),
            user_ref=userref(message, "userref"),
            sender_sub_id=_text(message, "sender_sub_id"),
            conditional=_close(message, side),
            **fields,
        )
    except InvalidRequestError:
        raise OrderError(Rejection.INVALID_ARGUMENTS) from None


def _prices(order_type: OrderType, price: Price | None, price2: Price | None) -> dict[str, Any]:
    """The order's limit and trigger from v1's ``price`` and ``price2``."""
    if order_type in TRIGGERED_ORDER_TYPES:
        if price is None:
            raise invalid("price")
        if order_type in TRAILING_ORDER_TYPES and (price.kind == "static" or price.value <= 0):
            raise invalid("price")  # a trailing trigger is a distance: "+x" or "+x%"
        fields: dict[str, Any] = {
            "trigger_price": price.value,
            "trigger_price_type": TriggerPriceType(price.kind),
        }
        if order_type.value.endswith("-limit"):
            if price2 is None:
                raise invalid("price2")
            fields["limit_price"] = price2.value
            fields["limit_price_type"] = LimitPriceType(price2.kind)
        return fields
    if order_type in (OrderType.LIMIT, OrderType.ICEBERG):
        if price is None:
            raise invalid("price")
        return {"limit_price": price.value, "limit_price_type": LimitPriceType(price.kind)}
    return {}


def _close(message: dict[str, Any], side: str) -> ConditionalClose | None:
    if message.get("close[ordertype]") is None:
        return None
    order_type = _order_type(message, "close[ordertype]")
    close_side = "sell" if side == "buy" else "buy"
    price = price_field(message, "close[price]", close_side)
    price2 = price_field(message, "close[price2]", close_side)
    fields = _prices(order_type, price, price2)
    return ConditionalClose(order_type=order_type, **fields)


def _order_type(message: dict[str, Any], field: str) -> OrderType:
    value = message.get(field)
    if value not in ORDER_TYPES:
        raise invalid(field)
    return OrderType(value)


def _text(message: dict[str, Any], field: str) -> str | None:
    value = message.get(field)
    if value is not None and not isinstance(value, str):
        raise invalid(field)
    return value


def replacement(message: dict[str, Any], symbol: str) -> Replacement:
    """The neutral cancel-and-replace an ``editOrder`` describes."""
    order_id = message.get("orderid")
    if not isinstance(order_id, str) or not order_id:
        raise invalid("orderid")
    flags = oflags(message)
    price = price_field(message, "price", "buy")
    if price is not None and price.kind != "static":
        raise invalid("price")
    return Replacement(
        order_id=order_id,
        symbol=symbol,
        quantity=decimal_field(message, "volume"),
        limit_price=price.value if price is not None else None,
        post_only=("post" in flags) or None,
        user_ref=userref(message, "newuserref"),
        fee_preference=fee_preference(flags),
    )
