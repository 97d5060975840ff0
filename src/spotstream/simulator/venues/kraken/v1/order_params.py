"""Reading v1 trading requests the way Kraken does (spec §9-§12), into the engine's requests.

The wire forms are the client's (:mod:`spotstream.protocol.kraken.v1.trading_wire`:
``AddOrderRequest``, ``order_from_request``, ...), so the two sides read one shape; the
simulator adds Kraken's strictness and words. A field the event does not have is
``Unsupported field: '<field>' for the given msg type: add order`` (captured; ``edit order``,
``cancel order``, ... for the others); a value that does not fit its field, or that the
client's reader refuses, ``EGeneral:Invalid arguments:<field>`` (captured for
``timeinforce``). Decisions (UNCONFIRMED): amounts must be JSON strings, as documented; the
direction-dependent ``#`` price prefix is refused (the reader has no neutral meaning for
it); an ``expiretm`` without ``timeinforce`` makes the order GTD; an ``editOrder`` of a
stop or take-profit order reads ``price`` as the new trigger and ``price2`` as the new limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from spotstream.errors import InvalidRequestError
from spotstream.models.enums import TRIGGERED_ORDER_TYPES, FeePreference, TimeInForce
from spotstream.models.orders import OrderRequest
from spotstream.protocol.kraken.v1 import trading_translate as tt
from spotstream.protocol.kraken.v1 import trading_wire as tw
from spotstream.simulator.matching.orders import OrderError, Replacement
from spotstream.simulator.matching.rejections import Rejection
from spotstream.simulator.venues.kraken.v1.requests import RequestError

MSG_TYPES = {
    tw.AddOrderRequest: "add order",
    tw.EditOrderRequest: "edit order",
    tw.CancelOrderRequest: "cancel order",
    tw.CancelAllRequest: "cancel all",
    tw.CancelAllOrdersAfterRequest: "cancel all orders after",
}
_FIELD = re.compile(r"`\$\.([A-Za-z_\[\]]+)`")
_NS = 1_000_000_000

R = TypeVar("R", bound=msgspec.Struct)


def invalid(field: str | None = None) -> OrderError:
    return OrderError(Rejection.INVALID_ARGUMENTS, field)


def read(message: dict[str, Any], struct: type[R]) -> R:
    """``message`` as the client's request Struct ``struct``, checked as Kraken checks it."""
    names = {f.encode_name for f in msgspec.structs.fields(struct)} | {"event"}
    for key in message:
        if key not in names:
            raise RequestError(
                f"Unsupported field: '{key}' for the given msg type: {MSG_TYPES[struct]}"
            )
    try:
        return msgspec.convert(message, struct)
    except msgspec.ValidationError as error:
        match = _FIELD.search(str(error))
        raise invalid(match[1] if match else None) from None


def _refused(error: InvalidRequestError, fields: set[str], triggered: bool = False) -> OrderError:
    """The client's refusal as Kraken's: its reader names the wire field first, its v1 rules
    the neutral field (``trigger_price`` is v1's ``price``, a limit ``price2`` on a stop)."""
    text = str(error)
    field = text.split(" ", 1)[0].rstrip(":")
    if field in fields:
        return invalid(field)
    for neutral, wire in (
        ("trigger_price", "price"),
        ("limit_price", "price2" if triggered else "price"),
        ("post_only", "oflags"),
        ("quote_quantity", "oflags"),
    ):
        if neutral in text:
            return invalid(wire)
    return invalid()


@dataclass(frozen=True, slots=True)
class NewOrder:
    """An ``addOrder`` as sent, the neutral order it describes, and whether only to check it."""

    request: tw.AddOrderRequest
    order: OrderRequest
    validate: bool


def new_order(message: dict[str, Any], now_ns: int) -> NewOrder:
    request = read(message, tw.AddOrderRequest)
    names = {f.encode_name for f in msgspec.structs.fields(tw.AddOrderRequest)}
    try:
        order = tw.order_from_request(request, now=_datetime(now_ns))
        tt.check_v1_order(order)  # what v1 allows (a trailing trigger is a "+" offset, ...)
        validate = tw.validate_only(request)
    except InvalidRequestError as error:
        raise _refused(error, names, request.ordertype in TRIGGERED_ORDER_TYPES) from None
    if request.expiretm is not None and request.timeinforce is None and order.expire_time:
        order = msgspec.structs.replace(order, time_in_force=TimeInForce.GTD)
    return NewOrder(request, order, validate)


def validate_only(request: tw.EditOrderRequest) -> bool:
    try:
        return tw.validate_only(request)
    except InvalidRequestError:
        raise invalid("validate") from None


def replacement(request: tw.EditOrderRequest, symbol: str, order_type: str) -> Replacement:
    """The neutral cancel-and-replace an ``editOrder`` describes (``order_type``: the type
    of the order being edited)."""
    triggered = order_type in TRIGGERED_ORDER_TYPES
    names = {f.encode_name for f in msgspec.structs.fields(tw.EditOrderRequest)}
    try:
        price = _static(request.price, "price")
        price2 = _static(request.price2, "price2")
        flags = tt.read_oflags(request.oflags)
        quantity = tt.read_amount(request.volume, "volume")
        user_ref = tt.read_userref(request.newuserref)
    except InvalidRequestError as error:
        raise _refused(error, names) from None
    fee = None
    if tt.OFLAG_FEE_BASE in flags:
        fee = FeePreference.BASE
    elif tt.OFLAG_FEE_QUOTE in flags:
        fee = FeePreference.QUOTE
    return Replacement(
        order_id=request.orderid,
        symbol=symbol,
        quantity=quantity,
        limit_price=price2 if triggered else price,
        trigger_price=price if triggered else None,
        post_only=True if tt.OFLAG_POST in flags else None,
        user_ref=user_ref,
        fee_preference=fee,
    )


def _static(text: str | None, name: str) -> Decimal | None:
    if text is None:
        return None
    value, kind = tt.read_price(text, name)
    if kind is not None or value <= 0:
        raise invalid(name)  # an edit sets prices, not offsets
    return value


def _datetime(ns: int) -> datetime:
    second, fraction = divmod(ns, _NS)
    return datetime.fromtimestamp(second, UTC).replace(microsecond=fraction // 1000)
