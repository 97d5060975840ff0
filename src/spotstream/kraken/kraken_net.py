"""Kraken.Net's ``PlaceOrderAsync`` arguments, read into the neutral :class:`OrderRequest`.

Kraken.Net gives every order type one ``price`` and one ``secondary_price`` whose meaning
depends on the type (as Kraken's own ``price``/``price2`` do):

======================================  ======================  =========================
order type                              ``price``               ``secondary_price``
======================================  ======================  =========================
limit                                   limit price             —
market, settle-position                 —                       —
stop-loss, take-profit                  trigger price           —
stop-loss-limit, take-profit-limit      trigger price           limit price
trailing-stop                           trigger offset (quote)  —
trailing-stop-limit                     trigger offset (quote)  limit offset (quote)
======================================  ======================  =========================

The close order (``close_order_type``, ``close_price``, ``secondary_close_price``) reads the
same way. Kraken.Net's ``clientOrderId`` is an integer (Kraken's ``userref``); a string is
taken as a client order id (``cl_ord_id``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from spotstream.errors import InvalidRequestError
from spotstream.models.edge import to_enum
from spotstream.models.enums import (
    LIMIT_PRICED_ORDER_TYPES,
    TRAILING_ORDER_TYPES,
    TRIGGERED_ORDER_TYPES,
    LimitPriceType,
    OrderType,
    TimeInForce,
    TriggerPriceType,
)
from spotstream.models.orders import ConditionalClose, OrderRequest
from spotstream.protocol.kraken.v2.orders import request_from_options


def price_fields(
    order_type: OrderType, price: Decimal | None, secondary_price: Decimal | None
) -> dict[str, Any]:
    """The :class:`OrderRequest` price fields of Kraken.Net's two prices for ``order_type``."""
    fields: dict[str, Any] = {}
    primary = "limit_price"
    if order_type in TRIGGERED_ORDER_TYPES:
        primary = "trigger_price"
        if order_type in TRAILING_ORDER_TYPES:
            fields["trigger_price_type"] = TriggerPriceType.QUOTE
    elif order_type not in LIMIT_PRICED_ORDER_TYPES and price is not None:
        raise InvalidRequestError(f"a {order_type} order takes no price")
    if price is not None:
        fields[primary] = price
    if secondary_price is not None:
        if order_type not in TRIGGERED_ORDER_TYPES or order_type not in LIMIT_PRICED_ORDER_TYPES:
            raise InvalidRequestError(f"a {order_type} order takes no secondary price")
        fields["limit_price"] = secondary_price
        if order_type in TRAILING_ORDER_TYPES:
            fields["limit_price_type"] = LimitPriceType.QUOTE
    return fields


def kraken_net_order(
    order_type: object,
    side: object,
    quantity: object,
    *,
    client_order_id: int | str | None,
    price: Decimal | None,
    secondary_price: Decimal | None,
    start_time: datetime | None,
    expire_time: datetime | None,
    close_order_type: object | None,
    close_price: Decimal | None,
    secondary_close_price: Decimal | None,
    options: Mapping[str, object],
) -> OrderRequest:
    """The order of ``PlaceOrderAsync``'s arguments; ``options`` are the remaining
    :class:`OrderRequest` fields under Kraken's names (as ``add_order`` takes them)."""
    kind = to_enum(OrderType, order_type, "order_type")
    fields: dict[str, object] = {**price_fields(kind, price, secondary_price), **options}
    if not isinstance(client_order_id, int | str | None) or isinstance(client_order_id, bool):
        raise InvalidRequestError(
            f"client_order_id must be an integer (userref) or a string, not "
            f"{client_order_id!r} (Kraken.Net's order: the price comes after it, or price=)"
        )
    if isinstance(client_order_id, int):
        fields["order_userref"] = client_order_id
    elif client_order_id is not None:
        fields["cl_ord_id"] = client_order_id
    if start_time is not None:
        fields["effective_time"] = start_time
    if expire_time is not None:
        fields["expire_time"] = expire_time
        fields.setdefault("time_in_force", TimeInForce.GTD)
    if close_order_type is not None:
        close_kind = to_enum(OrderType, close_order_type, "close_order_type")
        close = price_fields(close_kind, close_price, secondary_close_price)
        fields["conditional"] = ConditionalClose(order_type=close_kind, **close)
    elif close_price is not None or secondary_close_price is not None:
        raise InvalidRequestError("a close price needs close_order_type")
    return request_from_options(side, kind, quantity, fields, "place_order")
